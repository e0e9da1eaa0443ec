//! The new-patient form and its correction page: nothing is chosen for the
//! clinician (sex must be chosen; every safety item starts as "not
//! recorded" and is stored as not recorded when left alone), the three-state
//! answers and ticked sites map onto the stored profile, and a correction
//! is a new version that a stale form cannot overwrite.

use serde_json::{json, Value};

use crate::helpers::*;

on_both! {
async fn the_patient_form_records_what_was_asked_and_nothing_else(app) {
    let doc = browser(&app, "doc@north.test").await;
    let origin = app.origin();
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let req = doc.post(page(&app, &path)).header("Origin", origin.clone()).form(&form);
        async move {
            let r = req.send().await.unwrap();
            let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (r.status().as_u16(), to.unwrap_or_default())
        }
    };
    let api = app.login("doc@north.test").await;
    let stored = |id: String| {
        let req = api.get(app.url(&format!("/patients/{id}")));
        async move { body(req.send().await.unwrap()).await }
    };

    // The empty form preselects nothing.
    let html = doc.get(page(&app, "/patients/new")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Choose one"), "sex offers no neutral first option: {html}");
    assert!(html.contains(">not recorded</option>"), "{html}");

    // Sex left unchosen is refused next to the field, in words.
    let base = vec![("given_name", "Uma"), ("family_name", "Formtest"), ("year_of_birth", "1961")];
    let (status, to) = post("/patients/new".into(), base.clone()).await;
    assert_eq!((status, to.as_str()), (303, "/patients/new"));
    let html = doc.get(page(&app, "/patients/new")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Sex must be chosen."), "{html}");
    assert!(html.contains("value=\"Formtest\""), "typed value lost: {html}");

    // Saved with every safety item left alone: each is stored as not recorded.
    let mut form = base.clone();
    form.push(("sex", "female"));
    let (status, to) = post("/patients/new".into(), form.clone()).await;
    assert_eq!(status, 303);
    let id = to.trim_start_matches("/patients/").to_string();
    let p = stored(id.clone()).await;
    let safety = &p["data"]["safety"];
    for item in [
        "pregnancy", "anticoagulant", "bleeding_disorder", "chemotherapy", "implanted_device",
        "diabetes", "reduced_sensation", "lymphoedema",
    ] {
        assert!(safety.get(item).map_or(true, Value::is_null), "{item} stored as {safety}");
    }
    let chart = doc.get(page(&app, &to)).send().await.unwrap().text().await.unwrap();
    assert!(chart.contains("Not recorded: pregnancy, anticoagulants, bleeding disorder"), "{chart}");

    // The correction page shows what is stored; answering yes, no and
    // ticking sites stores true, false and the list ("none" = an empty list).
    let edit = format!("/patients/{id}/edit?v=1");
    let html = doc.get(page(&app, &edit)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("value=\"Uma\""), "{html}");
    let mut answered = form.clone();
    answered.extend([
        ("safety.anticoagulant", "yes"),
        ("safety.implanted_device", "no"),
        ("safety.diabetes", "yes"),
        ("safety.reduced_sensation", "feet"),
        ("safety.lymphoedema", "none"),
        ("safety.bleeding_disorder", "none"),
        ("safety.chemotherapy.active", "no"),
    ]);
    let (status, to) = post(edit.clone(), answered.clone()).await;
    assert_eq!((status, to.as_str()), (303, format!("/patients/{id}").as_str()));
    let p = stored(id.clone()).await;
    assert_eq!(p["version"], 2);
    let s = &p["data"]["safety"];
    assert_eq!(
        (&s["anticoagulant"], &s["implanted_device"], &s["diabetes"]),
        (&json!(true), &json!(false), &json!(true))
    );
    assert_eq!((&s["reduced_sensation"], &s["lymphoedema"]), (&json!(["feet"]), &json!([])));
    assert_eq!(s["bleeding_disorder"]["severe"], false);
    assert_eq!(s["chemotherapy"]["active"], false);
    assert!(s["pregnancy"].is_null(), "{s}");
    // The correction page now shows the stored answers chosen.
    let html = doc
        .get(page(&app, &format!("/patients/{id}/edit?v=2")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<option value=\"yes\" selected"), "{html}");

    // A form opened at version 1 cannot overwrite version 2.
    let (status, _) = post(edit, answered).await;
    assert_eq!(status, 409);
    assert_eq!(stored(id).await["version"], 2);
}
}

on_both! {
async fn the_patient_form_records_consent_to_follow_up_with_its_channel(app) {
    let doc = browser(&app, "doc@north.test").await;
    let origin = app.origin();
    let post = |form: Vec<(&'static str, &'static str)>| {
        let req = doc.post(page(&app, "/patients/new")).header("Origin", origin.clone()).form(&form);
        async move {
            let r = req.send().await.unwrap();
            let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (r.status().as_u16(), to.unwrap_or_default())
        }
    };
    let api = app.login("doc@north.test").await;
    let base = vec![("given_name", "Vera"), ("family_name", "Consent"), ("year_of_birth", "1961"), ("sex", "female")];
    // By e-mail without an e-mail address, and without a date of birth: refused in words.
    let mut form = base.clone();
    form.push(("follow_up.channel", "email"));
    let (status, to) = post(form.clone()).await;
    assert_eq!((status, to.as_str()), (303, "/patients/new"));
    let html = doc.get(page(&app, "/patients/new")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("the record has no e-mail address"), "{html}");
    assert!(html.contains("is needed for follow-up"), "{html}");
    // With both: stored as consent by e-mail.
    form.extend([("email", "vera@mail.test"), ("date_of_birth", "1961-06-30")]);
    let (status, to) = post(form).await;
    assert_eq!(status, 303);
    let p = body(api.get(app.url(&to)).send().await.unwrap()).await;
    assert_eq!(p["data"]["follow_up"], json!({"consent": true, "channel": "email"}), "{p}");
    assert_eq!(p["data"]["date_of_birth"], json!("1961-06-30"));
    // No contact chosen: no follow-up stored at all.
    let (status, to) = post(base).await;
    assert_eq!(status, 303);
    let p = body(api.get(app.url(&to)).send().await.unwrap()).await;
    assert!(p["data"].get("follow_up").is_none(), "{p}");
}
}
