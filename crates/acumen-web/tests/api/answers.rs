//! The answers through the API: a small clinic entered through the
//! registry endpoints yields the responder rates, Kaplan-Meier median and
//! adverse-event rates computed by hand (and by R for the intervals); the
//! page is private until an admin makes it public.

use reqwest::Client;
use serde_json::{json, Value};

use crate::helpers::*;

/// Enters one course: baseline, weekly sessions with pain values (None: not
/// recorded), final status, and adverse events after the given sessions.
async fn enter(app: &TestApp, c: &Client, baseline: f64, pain: &[Option<f64>], status: &str, events: &[(usize, &str)]) {
    let patient = new_patient(app, c, "Cohort").await;
    let course = new_course(app, c, &patient).await;
    let post = |path: String, v: Value| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let r = c.post(url).json(&v).send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            body(r).await
        }
    };
    post(
        format!("/courses/{course}/outcomes"),
        json!({"instrument": "nrs_average", "recall": "24h", "value": baseline,
        "timepoint": "baseline", "date": "2026-02-27", "source": "clinician"}),
    )
    .await;
    let mut ids = vec![];
    for (i, v) in pain.iter().enumerate() {
        let n = i + 1;
        let date =
            time::Date::from_calendar_date(2026, time::Month::March, 2).unwrap() + time::Duration::days(7 * i as i64);
        let s = post(
            format!("/courses/{course}/sessions"),
            json!({"at": date.to_string(), "number": n, "stimulation": "manual",
            "points": [{"code": "ST36", "side": "bilateral"}]}),
        )
        .await;
        ids.push(s["id"].as_str().unwrap().to_string());
        if let Some(v) = v {
            post(
                format!("/courses/{course}/outcomes"),
                json!({"instrument": "nrs_average", "recall": "24h", "value": v,
                "timepoint": "session", "session_number": n, "date": date.to_string(), "source": "patient"}),
            )
            .await;
        }
    }
    for (after, kind) in events {
        post(
            format!("/sessions/{}/adverse-events", ids[after - 1]),
            json!({"type": kind, "severity": "mild", "ctcae_grade": 1,
            "serious": false, "causality": "probable", "outcome": "recovered", "onset": "2026-03-10"}),
        )
        .await;
    }
    if status != "active" {
        let mut data = course_json();
        data["status"] = json!(status);
        if status == "stopped" {
            data["end_reason"] = json!("moved away");
        }
        let r = c
            .put(app.url(&format!("/courses/{course}")))
            .json(&json!({"version": 1, "data": data}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

fn question<'a>(a: &'a Value, id: &str) -> &'a Value {
    a["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == id)
        .unwrap()
}

fn close(got: &Value, want: f64) {
    let g = got.as_f64().unwrap();
    assert!((g - want).abs() < 1e-9, "got {g}, want {want}");
}

on_both! {
async fn clinic_figures_through_the_api(app) {
    let doc = app.login("doc@north.test").await;
    let s = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    // Five copies of four courses (20 patients; every figure checked below has a
    // denominator of at least 10, the small-number threshold):
    // A completes, 8 -> 4; B stops at session 3; C completes, 5 -> 3 with session 5
    // missing; D is still active at session 2.
    for _ in 0..5 {
        enter(
            &app,
            &doc,
            8.0,
            &s(&[8.0, 7.0, 6.0, 5.0, 5.0, 4.0]),
            "completed",
            &[(2, "bleeding_haematoma")],
        )
        .await;
        enter(&app, &doc, 6.0, &s(&[6.0, 6.0, 5.0]), "stopped", &[]).await;
        enter(
            &app,
            &doc,
            5.0,
            &[Some(5.0), Some(3.0), Some(4.0), Some(3.0), None, Some(3.0)],
            "completed",
            &[(1, "needle_site_pain"), (1, "fainting_vasovagal")],
        )
        .await;
        enter(&app, &doc, 7.0, &s(&[7.0, 7.0]), "active", &[]).await;
    }
    let a = body(doc.get(app.url("/answers")).send().await.unwrap()).await;
    assert_eq!(a["clinic"]["name"], "North Clinic");
    // Follow-up completion by timepoint, counted by hand: every baseline (20 of
    // 20); pain at the sessions A 6 of 6, B 3 of 3, C 5 of 6, D 2 of 2, five
    // each (80 of 85); A, B and C ended in spring, so both follow-ups fell due
    // and none was answered (0 of 15 each); B's end-of-course PGIC (its last
    // session, 3, has none) and D's late visit concern 5 patients each:
    // suppressed.
    let completion = |k: &str| {
        let r = a["completion"].as_array().unwrap().iter().find(|r| r["key"] == k).cloned().unwrap_or(Value::Null);
        (r["completion"]["x"].as_u64(), r["completion"]["n"].as_u64(), r["suppressed"].as_bool())
    };
    assert_eq!(completion("baseline"), (Some(20), Some(20), None), "{}", a["completion"]);
    assert_eq!(completion("session"), (Some(80), Some(85), None));
    assert_eq!(completion("follow_up:4w"), (Some(0), Some(15), None));
    assert_eq!(completion("follow_up:3m"), (Some(0), Some(15), None));
    assert_eq!(completion("end"), (None, None, Some(true)));
    assert_eq!(completion("missed"), (None, None, Some(true)));
    let ids: Vec<&str> = a["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["works", "how_soon", "how_many_sessions", "feet", "points", "safety"]
    );

    // Responders >= 30% at the end of course: A and C respond, B stopped: 10 of 15 (ITT), 10 of 10 completers.
    let works = &question(&a, "works")["clinic_figures"];
    assert_eq!(works["patients"], 20);
    let end30 = &works["end_of_course"][0];
    assert_eq!(
        (end30["itt"]["x"].as_u64(), end30["itt"]["n"].as_u64()),
        (Some(10), Some(15))
    );
    assert_eq!(end30["completers"]["n"], 10);
    // R: prop.test(10, 15, correct = FALSE)$conf.int
    close(&end30["itt"]["lower"], 0.417135477385198);
    close(&end30["itt"]["upper"], 0.848236755602853);
    // Planned for 10 sessions: no course counts at session 12 (intention to treat).
    assert_eq!(works["session_12"][0]["itt"]["n"], 0);

    // The detail behind the figures: the ended courses with an end value are A, B, C (x5):
    // baselines 8, 6, 5, mean 19/3, SD sqrt(sum of squared deviations / 14) = sqrt(5/3).
    let detail = &works["detail"];
    assert_eq!(detail["included_courses"], 20);
    close(&detail["baseline"]["estimate"], 19.0 / 3.0);
    close(&detail["baseline"]["sd"], (5.0f64 / 3.0).sqrt());
    assert_eq!(detail["baseline"]["n"], 15);
    // Kaplan-Meier to a first 30% reduction: 20 courses, 10 events (A at 4, C at 2), median 4.
    let km = &detail["time_to_response"]["sessions_to_first_30"];
    assert_eq!((km["n"].as_u64(), km["events"].as_u64()), (Some(20), Some(10)));
    assert_eq!(km["median"]["estimate"], 4.0);
    // Adverse events by type x severity: bleeding_haematoma/mild after session 2 of each A course
    // (5 events in 5 of 85 sessions, 5 of 20 patients).
    let ae = &detail["adverse_events"];
    let bh = ae["by_type_severity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "bleeding_haematoma/mild")
        .unwrap();
    // R: poisson.test(5, 85 / 1000)$conf.int; binom.test(5, 85)$conf.int; binom.test(5, 20)$conf.int
    close(&bh["per_1000_sessions"]["lower"], 19.0998398837461);
    close(&bh["per_1000_sessions"]["upper"], 137.2744950508549);
    close(&bh["sessions_with_event"]["lower"], 0.0193735588636757);
    close(&bh["patients_with_event"]["lower"], 0.0865714691014346);
    close(&bh["patients_with_event"]["upper"], 0.4910458717079575);
    assert_eq!(ae["patients_with_event"]["x"], 10, "A and C patients");
    let dpn = &works["by_condition"][0];
    assert_eq!(dpn["figures"]["detail"]["time_to_response"]["sessions_to_first_30"]["n"], 20);
    assert_eq!(dpn["condition"], "diabetic_polyneuropathy");
    assert_eq!(
        dpn["figures"]["responders"]["session_6"][0]["itt"]["n"], 15,
        "session 6: A, B (stopped), C"
    );

    // Kaplan-Meier: first response C at 2, A at 4; B censored at 3, D at 2.
    // R: quantile(survfit(Surv(t, e) ~ 1, conf.type = "log")) gives 3 (25%) and 4 (median).
    let soon = &question(&a, "how_soon")["clinic_figures"];
    assert_eq!(soon["median_sessions"]["estimate"], 4.0);
    assert_eq!(soon["quartiles_sessions"][0]["estimate"], 3.0);
    assert_eq!(soon["median_days"]["estimate"], 21.0);

    // Adverse events: 15 events after 10 of 85 sessions; 10 of 20 courses.
    let safety = &question(&a, "safety")["clinic_figures"];
    assert_eq!(
        (safety["sessions"].as_u64(), safety["events"].as_u64()),
        (Some(85), Some(15))
    );
    // R: binom.test(10, 20)$conf.int; poisson.test(15, 85 / 1000)$conf.int
    close(&safety["courses_with_event"]["lower"], 0.271957849560792);
    close(&safety["per_1000_sessions"]["estimate"], 15000.0 / 85.0);
    close(&safety["per_1000_sessions"]["lower"], 98.7692486209802);
    close(&safety["per_1000_sessions"]["upper"], 291.0613984880687);
    assert!(question(&a, "safety")["answer_text"]
        .as_str()
        .unwrap()
        .contains("15 events in 85 sessions"));
}
}

on_both! {
async fn small_numbers_are_suppressed_and_the_page_is_private_until_made_public(app) {
    let doc = app.login("doc@north.test").await;
    let admin = app.login("admin@north.test").await;
    enter(&app, &doc, 8.0, &[Some(4.0)], "completed", &[]).await;
    let a = body(doc.get(app.url("/answers")).send().await.unwrap()).await;
    let works = &question(&a, "works");
    assert_eq!(works["clinic_figures"]["suppressed"], true);
    assert!(works["answer_text"].as_str().unwrap().contains("not enough data yet"));
    assert!(works["trial_evidence"]["published_pooled"]["overall"]["estimate"].as_f64() == Some(-0.59));
    let clinic = a["clinic"]["code"].as_str().unwrap().to_string();

    // Anonymous: needs ?clinic=, and the page must be public.
    let anon = Client::new();
    assert_eq!(anon.get(app.url("/answers")).send().await.unwrap().status(), 401);
    let url = app.url(&format!("/answers?clinic={clinic}"));
    assert_eq!(anon.get(&url).send().await.unwrap().status(), 404);
    let html_url = url.replace("/api/v1/answers", "/answers");
    assert_eq!(anon.get(&html_url).send().await.unwrap().status(), 404);
    // Only an admin decides.
    let set = |c: &Client, public: bool| {
        c.put(app.url("/clinic/answers-visibility"))
            .json(&json!({"public": public}))
            .send()
    };
    assert_eq!(set(&doc, true).await.unwrap().status(), 403);
    let r = set(&admin, true).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["answers_public"], true);
    assert_eq!(anon.get(&url).send().await.unwrap().status(), 200);
    let page = anon.get(&html_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for q in [
        "Does acupuncture work on nerve pain?",
        "Is acupuncture safe",
        "not medical advice",
        "foot wound",
    ] {
        assert!(html.contains(q), "page lacks {q}");
    }
    let log = body(admin.get(app.url("/audit")).send().await.unwrap()).await;
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "answers_public_on"));
    // Another clinic's staff see only their own clinic by default.
    let south = app.login("doc@south.test").await;
    let theirs = body(south.get(app.url("/answers")).send().await.unwrap()).await;
    assert_eq!(theirs["clinic"]["code"], "south-clinic");
}
}

on_both! {
async fn a_figure_with_fewer_than_10_behind_it_is_suppressed_in_a_shown_clinic(app) {
    let doc = app.login("doc@north.test").await;
    // 12 patients (the clinic is shown), but 9 courses ended and 6 completed:
    // the end-of-course rates have denominators 9 and 6.
    let s = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    for _ in 0..3 {
        enter(&app, &doc, 8.0, &s(&[8.0, 7.0, 6.0, 5.0, 5.0, 4.0]), "completed", &[]).await;
        enter(&app, &doc, 6.0, &s(&[6.0, 6.0, 5.0]), "stopped", &[]).await;
        enter(&app, &doc, 5.0, &s(&[5.0, 3.0, 4.0, 3.0, 3.0, 3.0]), "completed", &[]).await;
        enter(&app, &doc, 7.0, &s(&[7.0, 7.0]), "active", &[]).await;
    }
    let a = body(doc.get(app.url("/answers")).send().await.unwrap()).await;
    let works = &question(&a, "works");
    assert_eq!(works["clinic_figures"]["patients"], 12);
    let end30 = &works["clinic_figures"]["end_of_course"][0];
    for k in ["itt", "completers"] {
        assert_eq!(end30[k]["suppressed"], "fewer than 10 patients", "{k}: {end30}");
        assert!(end30[k]["x"].is_null() && end30[k]["estimate"].is_null());
        assert_eq!(end30[format!("{k}_text")], "not enough data yet");
    }
    // The sentence does not give the hidden rate away either.
    assert!(!works["answer_text"].as_str().unwrap().contains("of 9 courses"));
}
}
