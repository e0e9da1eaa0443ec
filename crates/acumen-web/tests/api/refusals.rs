//! Refusals: authentication, tenancy, roles, validation, CSRF, conflicts,
//! idempotency, login rate limiting.

use serde_json::json;

use crate::helpers::*;

on_both! {
async fn unauthenticated_is_401(app) {
    let anon = reqwest::Client::new();
    for path in ["/patients", "/me", "/audit", "/research/aggregates", "/patients/1"] {
        assert_eq!(anon.get(app.url(path)).send().await.unwrap().status(), 401, "{path}");
    }
    assert_eq!(
        anon.get(app.url("/me"))
            .bearer_auth("0".repeat(64))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
}

on_both! {
async fn other_clinics_and_other_patients_are_404(app) {
    let doc = app.login("doc@north.test").await;
    let south = app.login("doc@south.test").await;
    let p1 = new_patient(&app, &doc, "Alice").await;
    let p2 = new_patient(&app, &doc, "Bob").await;
    let course = new_course(&app, &doc, &p2).await;
    for path in [
        format!("/patients/{p1}"),
        format!("/patients/{p1}/export"),
        format!("/courses/{course}"),
    ] {
        assert_eq!(south.get(app.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    assert_eq!(
        body(south.get(app.url("/patients")).send().await.unwrap())
            .await
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let admin = app.login("admin@north.test").await;
    let u = body(admin.post(app.url("/users")).json(&json!({"email": "alice@portal.test", "name": "Alice", "role": "patient", "password": PASSWORD, "patient_id": p1})).send().await.unwrap()).await;
    assert_eq!(u["patient_id"], p1);
    let alice = app.login("alice@portal.test").await;
    assert_eq!(
        alice
            .get(app.url(&format!("/patients/{p2}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        alice
            .get(app.url(&format!("/courses/{course}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        alice
            .post(app.url(&format!("/courses/{course}/outcomes")))
            .json(&outcome_json(3.0, "patient"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        alice
            .post(app.url("/patients"))
            .json(&patient_json("Eve"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let mine = body(alice.get(app.url("/patients")).send().await.unwrap()).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
}
}

on_both! {
async fn researchers_never_see_phi(app) {
    let doc = app.login("doc@north.test").await;
    for i in 0..12 {
        let p = new_patient(&app, &doc, &format!("Zelda{i}")).await;
        let c = new_course(&app, &doc, &p).await;
        doc.post(app.url(&format!("/courses/{c}/outcomes"))).json(&json!({"instrument": "nrs_average", "recall": "24h", "value": 7, "timepoint": "baseline", "date": "2026-09-30", "source": "clinician"})).send().await.unwrap();
        doc.post(app.url(&format!("/courses/{c}/outcomes")))
            .json(&outcome_json(4.0, "clinician"))
            .send()
            .await
            .unwrap();
    }
    let res = app.login("res@north.test").await;
    let text = res
        .get(app.url("/research/aggregates"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for phi in ["Zelda", "Testpatient", "mail.test", "7946", "footwear", "2026-"] {
        assert!(!text.contains(phi), "{phi} leaked into the aggregates");
    }
    let agg: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cell = &agg["cells"][0];
    assert_eq!(cell["patients"], 12);
    assert_eq!(cell["responders_30pct"], 12, "7 -> 4 is a 43% reduction");
    assert_eq!(res.get(app.url("/patients")).send().await.unwrap().status(), 403);
    // Fewer than 10 patients: suppressed.
    let south = app.login("doc@south.test").await;
    let p = body(
        south
            .post(app.url("/patients"))
            .json(&patient_json("Yann"))
            .send()
            .await
            .unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    south
        .post(app.url(&format!("/patients/{p}/courses")))
        .json(&course_json())
        .send()
        .await
        .unwrap();
    let agg = body(res.get(app.url("/research/aggregates")).send().await.unwrap()).await;
    let south_cell = agg["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clinic_id"] == app.other_clinic)
        .unwrap()
        .clone();
    assert_eq!(south_cell["suppressed"], true);
    assert!(south_cell.get("patients").is_none());
}
}

on_both! {
async fn bad_input_is_422_naming_the_field(app) {
    let doc = app.login("doc@north.test").await;
    let p = new_patient(&app, &doc, "Alice").await;
    let c = new_course(&app, &doc, &p).await;
    let r = doc
        .post(app.url(&format!("/courses/{c}/outcomes")))
        .json(&outcome_json(11.0, "clinician"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let b = body(r).await;
    assert_eq!(b["errors"][0]["field"], "value");
    let r = doc
        .post(app.url(&format!("/courses/{c}/sessions")))
        .json(&session_json("QQ99"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(body(r).await["errors"][0]["field"], "points[0].code");
    let mut wrong = outcome_json(5.0, "clinician");
    wrong["value"] = json!("five");
    let r = doc
        .post(app.url(&format!("/courses/{c}/outcomes")))
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(body(r).await["errors"][0]["field"], "value");
    let r = doc
        .post(app.url("/patients"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
}

on_both! {
async fn cross_origin_cookie_writes_are_403(app) {
    let doc = app.login("doc@north.test").await;
    for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let r = doc
            .post(app.url("/patients"))
            .header(header, value)
            .json(&patient_json("Mallory"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{header}: {value}");
    }
    assert_eq!(
        body(doc.get(app.url("/patients")).send().await.unwrap())
            .await
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing was written"
    );
}
}

on_both! {
async fn stale_updates_conflict_and_idempotency_keys_deduplicate(app) {
    let doc = app.login("doc@north.test").await;
    let p = new_patient(&app, &doc, "Alice").await;
    let ok = doc
        .put(app.url(&format!("/patients/{p}")))
        .json(&json!({"version": 1, "data": patient_json("Alicia")}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let stale = doc
        .put(app.url(&format!("/patients/{p}")))
        .json(&json!({"version": 1, "data": patient_json("Ally")}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    assert_eq!(body(stale).await["current_version"], 2);
    let first = doc
        .post(app.url("/patients"))
        .header("idempotency-key", "abc-123")
        .json(&patient_json("Bob"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let again = doc
        .post(app.url("/patients"))
        .header("idempotency-key", "abc-123")
        .json(&patient_json("Bob"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let (a, b) = (body(first).await, body(again).await);
    assert_eq!(a["id"], b["id"]);
    let bobs = body(doc.get(app.url("/patients?q=bob")).send().await.unwrap()).await;
    assert_eq!(bobs.as_array().unwrap().len(), 1);
}
}

on_both! {
async fn sixth_failed_login_is_429(app) {
    let c = reqwest::Client::new();
    for i in 1..=5 {
        let r = c
            .post(app.url("/auth/login"))
            .json(&login_body("doc@north.test", "wrong password!"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = c
        .post(app.url("/auth/login"))
        .json(&login_body("doc@north.test", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "even the right password waits");
}
}

on_both! {
async fn one_users_typos_do_not_lock_out_the_clinic(app) {
    let c = reqwest::Client::new();
    // Six failures spread over accounts from one address...
    for email in [
        "doc@north.test",
        "doc@north.test",
        "doc@north.test",
        "admin@north.test",
        "admin@north.test",
        "res@north.test",
    ] {
        let r = c
            .post(app.url("/auth/login"))
            .json(&login_body(email, "nope nope nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    // ...leave another colleague free to log in (the address limit is 20 in 15 minutes).
    let r = c
        .post(app.url("/auth/login"))
        .json(&login_body("doc@south.test", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
}

/// `body` with one misspelt field added (at `path`, "" for the top level).
fn with_typo(mut body: serde_json::Value, path: &[&str], typo: &str) -> serde_json::Value {
    let mut at = &mut body;
    for p in path {
        at = &mut at[*p];
    }
    at[typo] = json!(true);
    body
}

on_both! {
async fn unknown_fields_are_refused_on_every_write_endpoint(app) {
    let doc = app.login("doc@north.test").await;
    let admin = app.login("admin@north.test").await;
    let pid = new_patient(&app, &doc, "Typo").await;
    let cid = new_course(&app, &doc, &pid).await;
    let s = body(doc.post(app.url(&format!("/courses/{cid}/sessions"))).json(&session_json("ST36")).send().await.unwrap()).await;
    let sid = s["id"].as_str().expect("session created").to_string();
    let pu = body(admin.post(app.url("/users")).json(&json!({"email": "typo@portal.test", "name": "T", "role": "patient", "password": PASSWORD})).send().await.unwrap()).await;
    let anon = reqwest::Client::new();
    let cases: Vec<(&reqwest::Client, reqwest::Method, String, serde_json::Value, &[&str])> = vec![
        (&doc, reqwest::Method::POST, "/patients".into(), patient_json("Typo"), &["safety"]),
        (&doc, reqwest::Method::POST, "/patients".into(), patient_json("Typo"), &[]),
        (&doc, reqwest::Method::PUT, format!("/patients/{pid}"), json!({"version": 1, "data": patient_json("Typo")}), &["data", "safety"]),
        (&doc, reqwest::Method::PUT, format!("/patients/{pid}"), json!({"version": 1, "data": patient_json("Typo")}), &[]),
        (&doc, reqwest::Method::POST, format!("/patients/{pid}/conditions"), json!({"code": "diabetic_polyneuropathy"}), &[]),
        (&doc, reqwest::Method::POST, format!("/patients/{pid}/screenings"), json!({"date": "2026-09-30", "interview": [true, true, false, true, false, true, false]}), &[]),
        (&doc, reqwest::Method::POST, format!("/patients/{pid}/courses"), course_json(), &[]),
        (&doc, reqwest::Method::PUT, format!("/courses/{cid}"), json!({"version": 1, "data": course_json()}), &["data"]),
        (&doc, reqwest::Method::POST, format!("/courses/{cid}/sessions"), session_json("ST36"), &[]),
        (&doc, reqwest::Method::POST, format!("/courses/{cid}/outcomes"), outcome_json(6.0, "clinician"), &[]),
        (&doc, reqwest::Method::POST, format!("/sessions/{sid}/adverse-events"), json!({"type": "bleeding_haematoma", "severity": "mild", "ctcae_grade": 1, "serious": false, "causality": "definite", "outcome": "recovered", "onset": "2026-10-01"}), &[]),
        (&doc, reqwest::Method::POST, "/safety/check".into(), json!({"patient_id": pid, "session": {"points": ["ST36"]}}), &[]),
        (&doc, reqwest::Method::POST, "/tokens".into(), json!({"name": "script"}), &[]),
        (&admin, reqwest::Method::POST, "/users".into(), json!({"email": "t2@portal.test", "name": "T", "role": "patient", "password": PASSWORD}), &[]),
        (&admin, reqwest::Method::POST, format!("/users/{}/link", pu["id"].as_str().unwrap()), json!({"patient_id": pid}), &[]),
        (&admin, reqwest::Method::PUT, "/clinic/answers-visibility".into(), json!({"public": false}), &[]),
        (&anon, reqwest::Method::POST, "/auth/login".into(), login_body("doc@north.test", PASSWORD), &[]),
        (&anon, reqwest::Method::POST, "/auth/reset".into(), json!({"token": "x", "password": "a-new-password-2026"}), &[]),
    ];
    for (client, method, path, good, at) in cases {
        let typo = "anticoagulent";
        let r = client.request(method.clone(), app.url(&path)).json(&with_typo(good, at, typo)).send().await.unwrap();
        assert_eq!(r.status(), 422, "{method} {path} with {typo} at {at:?}");
        let b = body(r).await;
        assert!(b.to_string().contains(typo), "{method} {path}: the answer names the field: {b}");
    }
    // Nothing was stored by the refused patient writes: the typo never becomes anticoagulant: false.
    let list = body(doc.get(app.url("/patients")).send().await.unwrap()).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}
}

on_both! {
async fn a_course_keeps_its_end_date_and_reason(app) {
    let doc = app.login("doc@north.test").await;
    let pid = new_patient(&app, &doc, "Ender").await;
    let cid = new_course(&app, &doc, &pid).await;
    let mut data = course_json();
    data["status"] = json!("stopped");
    data["end"] = json!("2026-11-20");
    data["end_reason"] = json!("no benefit after 6 sessions");
    let r = doc.put(app.url(&format!("/courses/{cid}"))).json(&json!({"version": 1, "data": data})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let c = body(doc.get(app.url(&format!("/courses/{cid}"))).send().await.unwrap()).await;
    let d = if c.get("data").is_some() { &c["data"] } else { &c };
    assert_eq!(d["end"], "2026-11-20", "{c}");
    assert_eq!(d["end_reason"], "no benefit after 6 sessions");
    // A stopped course takes no session (409 course_closed), and nothing is written.
    let r = doc.post(app.url(&format!("/courses/{cid}/sessions"))).json(&session_json("LI4")).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let b = body(r).await;
    assert_eq!(b["error"], "course_closed", "{b}");
    assert!(b["message"].as_str().unwrap().contains("reopen"), "{b}");
    let sessions = body(doc.get(app.url(&format!("/courses/{cid}/sessions"))).send().await.unwrap()).await;
    assert_eq!(sessions.as_array().unwrap().len(), 0);
    // An end before the start, or an end on an active course, is refused.
    for (status, end) in [("stopped", "2026-09-01"), ("active", "2026-11-20")] {
        let mut bad = course_json();
        bad["status"] = json!(status);
        bad["end"] = json!(end);
        bad["end_reason"] = json!("x");
        let r = doc.put(app.url(&format!("/courses/{cid}"))).json(&json!({"version": 2, "data": bad})).send().await.unwrap();
        assert_eq!(r.status(), 422, "{status} {end}");
        assert!(body(r).await.to_string().contains("\"end\""));
    }
}
}
