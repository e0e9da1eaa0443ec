//! Correcting what a visit recorded: an outcome typed wrong is corrected (a
//! new version; a stale one refused), an outcome or adverse event recorded
//! in error is voided with a reason (kept, out of every list, no further
//! change), a session with adverse events is not voided under them, a
//! session on the wrong course moves to the right one of the same patient
//! (its adverse events with it), and a corrected session passes the safety
//! rules again.

use serde_json::{json, Value};

use crate::helpers::*;

on_both! {
async fn visit_records_are_corrected_voided_and_moved(app) {
    let doc = app.login("doc@north.test").await;
    let patient = new_patient(&app, &doc, "Vera").await;
    let wrong = new_course(&app, &doc, &patient).await;
    let right = new_course(&app, &doc, &patient).await;
    let send = |method: reqwest::Method, path: String, b: Value| {
        let req = doc.request(method, app.url(&path)).json(&b);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, body(r).await)
        }
    };
    use reqwest::Method as M;

    // An outcome typed as 70 is corrected to 7; a stale correction is refused.
    let (s, o) = send(M::POST, format!("/courses/{right}/outcomes"), outcome_json(70.0, "clinician")).await;
    assert_eq!(s, 422, "an NRS of 70 is refused at the door: {o}");
    let (s, o) = send(M::POST, format!("/courses/{right}/outcomes"), outcome_json(8.0, "clinician")).await;
    assert_eq!(s, 201, "{o}");
    let oid = o["id"].as_str().unwrap().to_string();
    let (s, fixed) = send(M::PUT, format!("/outcomes/{oid}"), json!({"version": 1, "data": outcome_json(7.0, "clinician")})).await;
    assert_eq!((s, fixed["version"].clone(), fixed["data"]["value"].clone()), (200, json!(2), json!(7.0)), "{fixed}");
    let (s, stale) = send(M::PUT, format!("/outcomes/{oid}"), json!({"version": 1, "data": outcome_json(6.0, "clinician")})).await;
    assert_eq!((s, stale["current_version"].clone()), (409, json!(2)));

    // Voided with a reason: gone from the course's outcomes, kept by its id.
    let (s, e) = send(M::POST, format!("/outcomes/{oid}/void"), json!({"version": 2, "reason": "  "})).await;
    assert_eq!((s, e["errors"][0]["field"].clone()), (422, json!("reason")), "{e}");
    let (s, v) = send(M::POST, format!("/outcomes/{oid}/void"), json!({"version": 2, "reason": "recorded for the wrong patient"})).await;
    assert_eq!((s, v["version"].clone()), (200, json!(3)), "{v}");
    assert_eq!(v["data"]["voided"]["reason"], "recorded for the wrong patient");
    let (_, list) = send(M::GET, format!("/courses/{right}/outcomes"), Value::Null).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    let (s, kept) = send(M::GET, format!("/outcomes/{oid}"), Value::Null).await;
    assert_eq!((s, kept["data"]["value"].clone()), (200, json!(7.0)));
    let (s, e) = send(M::PUT, format!("/outcomes/{oid}"), json!({"version": 3, "data": outcome_json(5.0, "clinician")})).await;
    assert_eq!((s, e["error"].clone()), (409, json!("record_voided")), "{e}");
    let (s, _) = send(M::POST, format!("/outcomes/{oid}/void"), json!({"version": 3, "reason": "again"})).await;
    assert_eq!(s, 409);

    // A session on the wrong course, with an adverse event.
    let (s, sess) = send(M::POST, format!("/courses/{wrong}/sessions"), session_json("LI4")).await;
    assert_eq!(s, 201, "{sess}");
    let sid = sess["id"].as_str().unwrap().to_string();
    let ae = json!({"type": "bleeding_haematoma", "severity": "mild", "ctcae_grade": 1, "serious": false, "causality": "probable",
                    "outcome": "recovered", "onset": "2026-10-01"});
    let (s, a) = send(M::POST, format!("/sessions/{sid}/adverse-events"), ae.clone()).await;
    assert_eq!(s, 201, "{a}");
    let aid = a["id"].as_str().unwrap().to_string();
    let (s, e) = send(M::POST, format!("/sessions/{sid}/void"), json!({"version": 1, "reason": "not given"})).await;
    assert_eq!((s, e["error"].clone()), (409, json!("record_voided")), "a session is voided under its adverse event: {e}");

    // Moved to the right course; not to another patient's.
    let other = new_patient(&app, &doc, "Otto").await;
    let theirs = new_course(&app, &doc, &other).await;
    let (s, e) = send(M::POST, format!("/sessions/{sid}/move"), json!({"version": 1, "course_id": theirs})).await;
    assert_eq!((s, e["errors"][0]["field"].clone()), (422, json!("course_id")), "{e}");
    let (s, moved) = send(M::POST, format!("/sessions/{sid}/move"), json!({"version": 1, "course_id": right})).await;
    assert_eq!((s, moved["parent_id"].clone(), moved["version"].clone()), (200, json!(right), json!(2)), "{moved}");
    let (_, on_wrong) = send(M::GET, format!("/courses/{wrong}/sessions"), Value::Null).await;
    let (_, on_right) = send(M::GET, format!("/courses/{right}/sessions"), Value::Null).await;
    assert_eq!((on_wrong.as_array().map(Vec::len), on_right.as_array().map(Vec::len)), (Some(0), Some(1)));
    let (_, events) = send(M::GET, format!("/sessions/{sid}/adverse-events"), Value::Null).await;
    assert_eq!(events.as_array().map(Vec::len), Some(1), "the adverse event went with its session");

    // A correction passes the safety rules again: a foot point for this
    // diabetic patient with reduced sensation in the feet, with no skin
    // check at this visit, is a hard stop.
    let mut foot = session_json("KI3");
    foot.as_object_mut().unwrap().remove("skin_check");
    let (s, e) = send(M::PUT, format!("/sessions/{sid}"), json!({"version": 2, "data": foot})).await;
    assert_eq!((s, e["error"].clone()), (422, json!("safety_hard_stop")), "{e}");
    let (s, c) = send(M::PUT, format!("/sessions/{sid}"), json!({"version": 2, "data": session_json("LI11")})).await;
    assert_eq!((s, c["data"]["points"][0]["code"].clone()), (200, json!("LI11")), "{c}");

    // The adverse event voided, then the session: nothing of it is listed.
    let (s, _) = send(M::POST, format!("/adverse-events/{aid}/void"), json!({"version": 1, "reason": "bruise was before the visit"})).await;
    assert_eq!(s, 200);
    let (s, _) = send(M::POST, format!("/sessions/{sid}/void"), json!({"version": 3, "reason": "the visit was cancelled"})).await;
    assert_eq!(s, 200);
    let (_, on_right) = send(M::GET, format!("/courses/{right}/sessions"), Value::Null).await;
    assert_eq!(on_right.as_array().map(Vec::len), Some(0));
    let (s, e) = send(M::POST, format!("/sessions/{sid}/adverse-events"), ae).await;
    assert_eq!((s, e["error"].clone()), (409, json!("record_voided")), "{e}");

    // An unknown record is not found; an unknown field is refused.
    let unknown = send(M::POST, "/outcomes/00000000000000000000000000000000/void".into(), json!({"version": 1, "reason": "x"})).await;
    assert_eq!(unknown.0, 404);
    let (s, e) = send(M::POST, format!("/outcomes/{oid}/void"), json!({"version": 3, "reason": "x", "extra": 1})).await;
    assert_eq!(s, 422, "an unknown field is refused: {e}");
}
}

on_both! {
async fn the_chart_corrects_voids_and_moves_through_its_pages(app) {
    let api = app.login("doc@north.test").await;
    let patient = new_patient(&app, &api, "Wren").await;
    let first = new_course(&app, &api, &patient).await;
    let second = new_course(&app, &api, &patient).await;
    let r = api.post(app.url(&format!("/courses/{first}/outcomes"))).json(&outcome_json(8.0, "clinician")).send().await.unwrap();
    let outcome = body(r).await["id"].as_str().unwrap().to_string();
    let mut s = session_json("LR3");
    s["points"][0]["depth_mm"] = json!(12.5);
    let r = api.post(app.url(&format!("/courses/{first}/sessions"))).json(&s).send().await.unwrap();
    let session = body(r).await["id"].as_str().unwrap().to_string();

    let doc = browser(&app, "doc@north.test").await;
    let origin = app.origin();
    let get = |path: String| {
        let req = doc.get(page(&app, &path));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let req = doc.post(page(&app, &path)).header("Origin", origin.clone()).form(&form);
        async move {
            let r = req.send().await.unwrap();
            let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (r.status().as_u16(), to.unwrap_or_default())
        }
    };
    let chart = format!("/patients/{patient}");

    // The chart links each record to its correction; the session's form
    // comes back with its points as lines and the patient named.
    let html = get(chart.clone()).await;
    assert!(html.contains(&format!("/outcomes/{outcome}/edit")), "{html}");
    assert!(html.contains(&format!("/sessions/{session}/void")), "{html}");
    let form = get(format!("/sessions/{session}/edit")).await;
    assert!(form.contains("LR3 bilateral 12.5 perpendicular"), "{form}");
    assert!(form.contains("Wren Testpatient"), "no patient banner: {form}");
    assert!(form.contains(&format!("action=\"/sessions/{session}/edit?v=1\"")), "{form}");

    // An outcome corrected through its form (the value was 8, it was 6).
    let form = get(format!("/outcomes/{outcome}/edit")).await;
    assert!(form.contains("value=\"8\""), "a stored 8.0 shows as typed, 8: {form}");
    let (status, to) = post(
        format!("/outcomes/{outcome}/edit?v=1"),
        vec![("instrument", "nrs_average"), ("value", "6"), ("recall", "24h"), ("timepoint", "session"),
             ("session_number", "1"), ("date", "2026-10-01")],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, chart.as_str()));
    let stored = body(api.get(app.url(&format!("/outcomes/{outcome}"))).send().await.unwrap()).await;
    assert_eq!((stored["version"].clone(), stored["data"]["value"].clone(), stored["data"]["source"].clone()),
               (json!(2), json!(6.0), json!("clinician")));

    // Voiding asks why; without a reason nothing is written.
    let (status, to) = post(format!("/outcomes/{outcome}/void?v=2"), vec![("reason", "")]).await;
    assert_eq!((status, to.clone()), (303, format!("/outcomes/{outcome}/void?v=2")));
    let refused = get(to).await;
    assert!(refused.contains("Reason for voiding is required."), "{refused}");
    let (status, to) = post(format!("/outcomes/{outcome}/void?v=2"), vec![("reason", "entered twice")]).await;
    assert_eq!((status, to.as_str()), (303, chart.as_str()));
    let html = get(chart.clone()).await;
    assert!(html.contains("Voided records (1)"), "{html}");
    assert!(html.contains("Average pain (0-10) 6.0 on 2026-10-01, voided "), "{html}");
    assert!(html.contains(": entered twice"), "{html}");
    assert!(!html.contains(&format!("/outcomes/{outcome}/edit")), "a voided outcome still offers a correction");
    // Its pages now say it was voided.
    let r = doc.get(page(&app, &format!("/outcomes/{outcome}/edit"))).send().await.unwrap();
    assert_eq!(r.status(), 409);

    // The session moves to the other active course with one button.
    let r = doc
        .post(page(&app, &format!("/sessions/{session}/move?v=1")))
        .header("Origin", app.origin())
        .form(&[("course_id", second.as_str())])
        .send()
        .await
        .unwrap();
    let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    assert_eq!((r.status().as_u16(), to), (303, Some(format!("{chart}#h-course-{second}"))));
    let sessions = body(api.get(app.url(&format!("/courses/{second}/sessions"))).send().await.unwrap()).await;
    assert_eq!(sessions[0]["id"], json!(session));
}
}
