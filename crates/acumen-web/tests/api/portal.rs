//! A patient with a portal account sees what the clinic asks now (the same
//! timepoints a follow-up link asks) on their diary, answers it there (a
//! wrong value refused in words), and the timepoint is completed: it leaves
//! the list, its link closes and no reminder follows.

use serde_json::json;
use time::OffsetDateTime;

use crate::helpers::*;
use acumen_web::service::follow_up::run;

#[tokio::test]
async fn a_portal_patient_answers_the_baseline_and_no_reminder_follows() {
    let app = spawn_with_follow_up(acumen_web::delivery::Delivery { email: None, sms: None }).await;
    enable_messages(&app).await;
    let doc = app.login("doc@north.test").await;
    let pid = consenting_patient(&app, &doc, "Pia").await;
    let today = OffsetDateTime::now_utc().date();
    let mut c = course_json();
    c["start"] = json!(today.to_string());
    assert_eq!(
        doc.post(app.url(&format!("/patients/{pid}/courses")))
            .json(&c)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let admin = app.login("admin@north.test").await;
    let r = admin
        .post(app.url("/users"))
        .json(&json!({"email": "pia@portal.test", "name": "Pia", "role": "patient", "password": PASSWORD, "patient_id": pid}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let clinic = north_id(&app).await;
    let ten = |d: time::Date| d.with_hms(10, 0, 0).unwrap().assume_utc();
    let r = run(&app.state, Some(clinic), ten(today)).await.unwrap();
    assert_eq!(r.queued, 1, "the baseline link went: {r:?}");

    let me = browser(&app, "pia@portal.test").await;
    let origin = app.origin();
    let html = me.get(page(&app, "/diary")).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Your clinic asks") && html.contains("How you are before your first session"),
        "{html}"
    );
    assert!(html.contains("href=\"/diary/asked/0\""), "{html}");
    let form = me
        .get(page(&app, "/diary/asked/0"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("name=\"timepoint\" value=\"baseline\"") && form.contains("nrs_worst"),
        "{form}"
    );
    assert!(!form.contains("name=\"pgic\""), "a baseline asks no PGIC: {form}");

    let post = |fields: Vec<(&'static str, &'static str)>| {
        me.post(page(&app, "/diary/asked/0"))
            .header("Origin", origin.clone())
            .form(&fields)
            .send()
    };
    let r = post(vec![("timepoint", "baseline"), ("nrs_average", "11")])
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.contains("0 (none) to 10"), "{text}");
    // Another timepoint than the one shown: refused, nothing written.
    let r = post(vec![("timepoint", "follow_up:4w"), ("nrs_average", "5")])
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = post(vec![
        ("timepoint", "baseline"),
        ("nrs_average", "6"),
        ("nrs_worst", "8"),
    ])
    .await
    .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/diary?saved=2")
    );

    let html = me.get(page(&app, "/diary")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Your clinic asks"), "answered: {html}");
    let outcomes = body(
        doc.get(app.url(&format!("/patients/{pid}/courses")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let cid = outcomes[0]["id"].as_str().unwrap().to_string();
    let os = body(
        doc.get(app.url(&format!("/courses/{cid}/outcomes")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let baseline: Vec<_> = os
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["data"]["scheduled"] == "baseline")
        .collect();
    assert_eq!(baseline.len(), 2, "{os}");
    assert!(baseline
        .iter()
        .all(|o| o["data"]["timepoint"] == "baseline" && o["data"]["source"] == "patient"));
    // Day 3: no reminder of an answered baseline.
    let r = run(&app.state, Some(clinic), ten(today + time::Duration::days(3)))
        .await
        .unwrap();
    assert_eq!((r.queued, r.sent), (0, 0), "{r:?}");
}

#[tokio::test]
async fn a_course_with_its_own_schedule_is_followed_up_on_its_days() {
    let app = spawn_with_follow_up(acumen_web::delivery::Delivery { email: None, sms: None }).await;
    enable_messages(&app).await;
    let doc = app.login("doc@north.test").await;
    let pid = consenting_patient(&app, &doc, "Rhea").await;
    let mut c = course_json();
    c["start"] = json!("2027-01-04");
    c["planned_sessions"] = json!(1);
    c["follow_up_schedule"] = json!({"pgic_sessions": [3], "follow_ups": ["2w", "5x"]});
    let url = app.url(&format!("/patients/{pid}/courses"));
    let r = doc.post(&url).json(&c).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let e = body(r).await;
    assert_eq!(e["errors"][0]["field"], "follow_up_schedule.follow_ups[1]", "{e}");
    c["follow_up_schedule"] = json!({"pgic_sessions": [3], "follow_ups": ["2w"]});
    let r = doc.post(&url).json(&c).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let course = body(r).await;
    assert_eq!(
        course["data"]["follow_up_schedule"]["follow_ups"],
        json!(["2w"]),
        "{course}"
    );
    // Its one planned session on 4 January ends it.
    let mut session = session_json("LI4");
    session["at"] = json!("2027-01-04T09:00:00Z");
    let cid = course["id"].as_str().unwrap();
    let r = doc
        .post(app.url(&format!("/courses/{cid}/sessions")))
        .json(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let clinic = north_id(&app).await;
    // 4 January + 2 weeks = 18 January: its follow-up link goes (the
    // baseline closed at session 1; the end-of-course PGIC is asked at a visit).
    let r = run(&app.state, Some(clinic), time::macros::datetime!(2027-01-17 10:00 UTC))
        .await
        .unwrap();
    assert_eq!(r.queued, 0, "nothing is due by link before 18 January: {r:?}");
    let r = run(&app.state, Some(clinic), time::macros::datetime!(2027-01-18 10:00 UTC))
        .await
        .unwrap();
    assert_eq!(r.queued, 1, "{r:?}");
    let courses = app.store.clinic_records(clinic, &["course"]).await.unwrap();
    let links = app.store.links_of_course(courses[0].id).await.unwrap();
    let tps: Vec<&str> = links.iter().map(|(l, _)| l.timepoint.as_str()).collect();
    assert!(
        tps.contains(&"follow_up:2w") && !tps.contains(&"follow_up:4w"),
        "{tps:?}"
    );
}
