//! Happy paths through every endpoint.

use serde_json::json;

use crate::helpers::*;

on_both! {
async fn clinic_day_happy_path(app) {
    let admin = app.login("admin@north.test").await;
    let doc = app.login("doc@north.test").await;
    // Users and tokens.
    let r = admin
        .post(app.url("/users"))
        .json(&json!({"email": "nurse@north.test", "name": "Nurse", "role": "practitioner", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        body(admin.get(app.url("/users")).send().await.unwrap())
            .await
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let tok = body(
        doc.post(app.url("/tokens"))
            .json(&json!({"name": "laptop"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = tok["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64, "256-bit token, hex");
    let bearer = reqwest::Client::new();
    assert_eq!(
        bearer
            .get(app.url("/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Patient and records.
    let p = body(
        doc.post(app.url("/patients"))
            .json(&patient_json("Alice"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    assert_eq!(p["version"], 1);
    let c = doc
        .post(app.url(&format!("/patients/{pid}/conditions")))
        .json(&json!({"code": "diabetic_polyneuropathy", "regions": ["feet"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(c.status(), 201);
    let s = body(doc.post(app.url(&format!("/patients/{pid}/screenings"))).json(&json!({"date": "2026-09-30", "interview": [true, true, false, true, false, true, false], "examination": [true, false, false]})).send().await.unwrap()).await;
    assert_eq!(s["dn4"]["score"], 5);
    assert_eq!(s["dn4"]["neuropathic_likely"], true);
    let course = body(
        doc.post(app.url(&format!("/patients/{pid}/courses")))
            .json(&course_json())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let cid = course["id"].as_str().unwrap().to_string();
    let base = doc.post(app.url(&format!("/courses/{cid}/outcomes"))).json(&json!({"instrument": "nrs_average", "recall": "24h", "value": 7, "timepoint": "baseline", "date": "2026-09-30", "source": "clinician"})).send().await.unwrap();
    assert_eq!(base.status(), 201);
    let sess = body(
        doc.post(app.url(&format!("/courses/{cid}/sessions")))
            .json(&session_json("KI3"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let sid = sess["id"].as_str().unwrap().to_string();
    assert_eq!(
        doc.post(app.url(&format!("/courses/{cid}/outcomes")))
            .json(&outcome_json(5.0, "clinician"))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let ae = doc.post(app.url(&format!("/sessions/{sid}/adverse-events"))).json(&json!({"type": "bleeding_haematoma", "severity": "mild", "ctcae_grade": 1, "serious": false, "causality": "definite", "outcome": "recovered", "onset": "2026-10-01"})).send().await.unwrap();
    assert_eq!(ae.status(), 201);
    // Reads.
    for path in [
        format!("/patients/{pid}"),
        format!("/patients/{pid}/conditions"),
        format!("/patients/{pid}/screenings"),
        format!("/patients/{pid}/courses"),
        format!("/courses/{cid}"),
        format!("/courses/{cid}/sessions"),
        format!("/courses/{cid}/outcomes"),
        format!("/sessions/{sid}"),
        format!("/sessions/{sid}/adverse-events"),
        "/patients?q=ali".to_string(),
        "/conditions".to_string(),
    ] {
        assert_eq!(doc.get(app.url(&path)).send().await.unwrap().status(), 200, "{path}");
    }
    let export = body(
        doc.get(app.url(&format!("/patients/{pid}/export")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        export["records"].as_array().unwrap().len(),
        8,
        "patient, condition, screening, course, 2 outcomes, session, AE"
    );
    // Correction with the current version, then versions (admin).
    let mut fix = patient_json("Alice");
    fix["phone"] = json!("+44 20 7946 0001");
    let u = doc
        .put(app.url(&format!("/patients/{pid}")))
        .json(&json!({"version": 1, "data": fix}))
        .send()
        .await
        .unwrap();
    assert_eq!(u.status(), 200);
    assert_eq!(body(u).await["version"], 2);
    let versions = body(
        admin
            .get(app.url(&format!("/patients/{pid}/versions")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(
        versions[0]["data"]["phone"], "+44 20 7946 0000",
        "old version stays readable"
    );
    let cu = doc
        .put(app.url(&format!("/courses/{cid}")))
        .json(&json!({"version": 1, "data": course_json()}))
        .send()
        .await
        .unwrap();
    assert_eq!(cu.status(), 200);
    // Patient portal: link a patient user, who reads their record and writes their diary.
    let pu = body(
        admin
            .post(app.url("/users"))
            .json(&json!({"email": "alice@portal.test", "name": "Alice", "role": "patient", "password": PASSWORD}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let link = admin
        .post(app.url(&format!("/users/{}/link", pu["id"].as_str().unwrap())))
        .json(&json!({"patient_id": pid}))
        .send()
        .await
        .unwrap();
    assert_eq!(link.status(), 200);
    let alice = app.login("alice@portal.test").await;
    assert_eq!(
        alice
            .get(app.url(&format!("/patients/{pid}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        alice
            .post(app.url(&format!("/courses/{cid}/outcomes")))
            .json(&outcome_json(4.0, "patient"))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    // Password reset by a one-time link.
    let reset = body(
        admin
            .post(app.url(&format!("/users/{}/reset-link", pu["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let t = reset["token"].as_str().unwrap();
    let r1 = reqwest::Client::new()
        .post(app.url("/auth/reset"))
        .json(&json!({"token": t, "password": "a brand new passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r1.status(), 204);
    let r2 = reqwest::Client::new()
        .post(app.url("/auth/reset"))
        .json(&json!({"token": t, "password": "another new passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), 404, "a reset link works once");
    // Audit log, research aggregates, logout, token revocation.
    let audit = body(admin.get(app.url("/audit")).send().await.unwrap()).await;
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "export"));
    let res = app.login("res@north.test").await;
    assert_eq!(
        res.get(app.url("/research/aggregates")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        doc.delete(app.url(&format!("/tokens/{}", tok["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        bearer
            .get(app.url("/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(doc.post(app.url("/auth/logout")).send().await.unwrap().status(), 204);
    assert_eq!(doc.get(app.url("/me")).send().await.unwrap().status(), 401);
    let spec = body(reqwest::get(app.url("/openapi.json")).await.unwrap()).await;
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/courses/{id}/sessions"]["post"]["requestBody"].is_object());
}
}
