//! A clinic's follow-up texts through the API: shown to the admin before
//! they are enabled, nothing queued until they are, a changed text needs
//! enabling again (and an old revision is refused), bad texts are refused by
//! field, and the clinic's own time zone decides its quiet hours. Delivery
//! here is "logged, not sent" (no channel), so no SMTP server is needed.

use serde_json::{json, Value};
use time::macros::datetime;

use crate::helpers::*;
use acumen_web::service::follow_up::run;

async fn app_and_patient() -> (TestApp, i64) {
    let app = spawn_with_follow_up(acumen_web::delivery::Delivery { email: None, sms: None }).await;
    let doc = app.login("doc@north.test").await;
    let pid = consenting_patient(&app, &doc, "Wanda").await;
    let mut c = course_json();
    c["start"] = json!("2027-01-11");
    let r = doc
        .post(app.url(&format!("/patients/{pid}/courses")))
        .json(&c)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let clinic = north_id(&app).await;
    (app, clinic)
}

fn settings(v: &Value) -> Value {
    let mut s = json!({});
    for k in [
        "display_name",
        "time_zone",
        "quiet_from",
        "quiet_to",
        "email_subject",
        "email_body",
        "sms_body",
    ] {
        s[k] = v[k].clone();
    }
    s
}

#[tokio::test]
async fn texts_are_shown_then_enabled_and_a_changed_text_needs_enabling_again() {
    let (app, clinic) = app_and_patient().await;
    let admin = app.login("admin@north.test").await;
    let doc = app.login("doc@north.test").await;
    assert_eq!(doc.get(app.url("/admin/follow-up")).send().await.unwrap().status(), 403);
    let v = body(admin.get(app.url("/admin/follow-up")).send().await.unwrap()).await;
    assert_eq!(
        (v["revision"].as_u64(), v["enabled"].as_bool()),
        (Some(1), Some(false)),
        "{v}"
    );
    assert_eq!(v["display_name"], "North Clinic");
    assert_eq!(
        (
            v["time_zone"].as_str(),
            v["quiet_from"].as_u64(),
            v["quiet_to"].as_u64()
        ),
        (Some("UTC"), Some(21), Some(8))
    );
    assert_eq!(v["preview"][0][0], "email");
    assert_eq!(
        v["preview"][0][1]["subject"],
        "North Clinic: a short question about your pain"
    );
    assert!(
        v["preview"][2][1]["body"]
            .as_str()
            .unwrap()
            .contains("https://…/f/LINK/stop"),
        "{v}"
    );

    // Not enabled: the baseline is due, but no link is made.
    let at = datetime!(2027-01-11 10:00 UTC);
    let r = run(&app.state, Some(clinic), at).await.unwrap();
    assert_eq!((r.queued, r.sent), (0, 0), "{r:?}");

    // Enabled as shown: the link goes.
    let r = admin
        .post(app.url("/admin/follow-up/enable"))
        .json(&json!({"revision": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["enabled"], true);
    let r = run(&app.state, Some(clinic), at).await.unwrap();
    assert_eq!((r.queued, r.sent), (1, 1), "{r:?}");

    // A new text: revision 2, off until enabled; enabling revision 1 is refused.
    let mut s = settings(&v);
    s["sms_body"] = json!("{clinic}: {again}one question, one minute: {link} Stop: {stop}");
    let r = admin.put(app.url("/admin/follow-up")).json(&s).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let after = body(r).await;
    assert_eq!(
        (after["revision"].as_u64(), after["enabled"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(
        after["preview"][2][1]["body"],
        "North Clinic: one question, one minute: https://…/f/LINK Stop: https://…/f/LINK/stop"
    );
    let r = admin
        .post(app.url("/admin/follow-up/enable"))
        .json(&json!({"revision": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(body(r).await["current_version"], 2);
    // Only the hours changed: still revision 2 (and still off).
    s["quiet_from"] = json!(20);
    let r = body(admin.put(app.url("/admin/follow-up")).json(&s).send().await.unwrap()).await;
    assert_eq!((r["revision"].as_u64(), r["quiet_from"].as_u64()), (Some(2), Some(20)));
    let r = admin
        .post(app.url("/admin/follow-up/enable"))
        .json(&json!({"revision": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["enabled"], true);
    let r = admin
        .post(app.url("/admin/follow-up/disable"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["enabled"], false);

    // Every step is in the audit log.
    let log = body(admin.get(app.url("/audit")).send().await.unwrap()).await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("messaging_"))
        .collect();
    assert_eq!(
        actions.len(),
        5,
        "enabled, changed, changed, enabled, disabled: {actions:?}"
    );
}

#[tokio::test]
async fn bad_texts_are_refused_by_field_and_nothing_is_stored() {
    let (app, _) = app_and_patient().await;
    let admin = app.login("admin@north.test").await;
    let v = body(admin.get(app.url("/admin/follow-up")).send().await.unwrap()).await;
    let mut s = settings(&v);
    s["time_zone"] = json!("Mars/Olympus");
    s["email_body"] = json!("Dear {first_name}, how is your diabetic neuropathy? {link}");
    let r = admin.put(app.url("/admin/follow-up")).json(&s).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let e = body(r).await;
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["time_zone", "email_body", "email_body", "email_body"], "{e}");
    let text = e.to_string();
    assert!(
        text.contains("{first_name}") && text.contains("must contain {stop}") && text.contains("'diabetic'"),
        "{text}"
    );
    let mut extra = settings(&v);
    extra["patient"] = json!("Wanda");
    let r = admin
        .put(app.url("/admin/follow-up"))
        .json(&extra)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "an unknown field is refused");
    assert!(body(r).await.to_string().contains("patient"));
    let now = body(admin.get(app.url("/admin/follow-up")).send().await.unwrap()).await;
    assert_eq!(now, v, "nothing was stored");
}

#[tokio::test]
async fn the_clinics_own_time_zone_sets_its_quiet_hours() {
    let (app, clinic) = app_and_patient().await;
    let admin = app.login("admin@north.test").await;
    let v = body(admin.get(app.url("/admin/follow-up")).send().await.unwrap()).await;
    let mut s = settings(&v);
    s["time_zone"] = json!("Pacific/Auckland");
    let r = body(admin.put(app.url("/admin/follow-up")).json(&s).send().await.unwrap()).await;
    let rev = r["revision"].clone();
    admin
        .post(app.url("/admin/follow-up/enable"))
        .json(&json!({"revision": rev}))
        .send()
        .await
        .unwrap();
    // 10:00 UTC on 11 January is 23:00 in Auckland (UTC+13 in summer): quiet.
    let r = run(&app.state, Some(clinic), datetime!(2027-01-11 10:00 UTC))
        .await
        .unwrap();
    assert_eq!(r.queued, 0, "{r:?}");
    // 19:30 UTC is 08:30 on 12 January there: the baseline link goes.
    let r = run(&app.state, Some(clinic), datetime!(2027-01-11 19:30 UTC))
        .await
        .unwrap();
    assert_eq!(r.queued, 1, "{r:?}");
}
