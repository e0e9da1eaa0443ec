//! The HTML pages: every form answers a refusal (shown again after a
//! redirect to itself) or a redirect onwards for the
//! inputs a browser can send — never a 500 — and keeps what was typed; the
//! pages need a session and send anonymous visitors to the login page.

use reqwest::{redirect::Policy, Client};

use crate::helpers::*;

on_both! {
async fn forms_refuse_nonsense_without_losing_input_and_never_fail(app) {
    let anon = Client::builder().redirect(Policy::none()).build().unwrap();
    let r = anon.get(page(&app, "/patients")).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/login?next=/patients")
    );

    let doc = browser(&app, "doc@north.test").await;
    let origin = app.base.trim_end_matches("/api/v1").to_string();
    // A refused form answers 303 back to its own address (post/redirect/get)
    // and that GET shows the messages and what was typed, once: reported here
    // as "refused" with the page. A saved form answers 303 elsewhere: "saved".
    let post = |path: &str, form: Vec<(&str, &str)>| {
        let req = doc.post(page(&app, path)).header("Origin", origin.clone()).form(&form);
        let (doc, path, url) = (doc.clone(), path.to_string(), page(&app, path));
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            match (status, to) {
                (303, Some(to)) if to == path => {
                    let html = doc.get(&url).send().await.unwrap().text().await.unwrap();
                    let again = doc.get(&url).send().await.unwrap().text().await.unwrap();
                    assert!(!again.contains("Not saved"), "the refusal is shown once");
                    ("refused", html)
                }
                (303, Some(to)) => ("saved", to),
                (s, _) => (if s >= 500 { "failed" } else { "other" }, format!("{s}")),
            }
        }
    };
    for path in ["/", "/patients", "/patients/new", "/evidence", "/answers"] {
        assert_eq!(doc.get(page(&app, path)).send().await.unwrap().status(), 200, "{path}");
    }
    // Text in number fields, an unknown option, a pain score of 11: refused next to the fields.
    let (status, html) = post(
        "/patients/new",
        vec![
            ("given_name", "Zoë <script>"),
            ("year_of_birth", "old"),
            ("sex", "robot"),
            ("safety.pregnancy", "yes"),
        ],
    )
    .await;
    assert_eq!(status, "refused");
    assert!(html.contains("must be a whole number"), "{html}");
    assert!(
        html.contains("value=\"Zoë &#60;script&#62;\""),
        "typed value kept, escaped: {html}"
    );
    let (status, html) = post(
        "/patients/new",
        vec![
            ("given_name", "Zoë"),
            ("family_name", "Test"),
            ("year_of_birth", "1970"),
            ("sex", "robot"),
        ],
    )
    .await;
    assert_eq!(status, "refused");
    assert!(html.contains("must be one of female, male, other, unknown"));
    let (status, _) = post(
        "/patients/new",
        vec![
            ("given_name", "Zoë"),
            ("family_name", "Test"),
            ("year_of_birth", "1970"),
            ("sex", "female"),
        ],
    )
    .await;
    assert_eq!(status, "saved");
    let patient = app
        .store
        .patients(
            &acumen_store::Actor {
                user_id: 2,
                role: "practitioner".into(),
                clinic_id: 1,
            },
            "Zoë",
        )
        .await
        .unwrap()[0]
        .clone();
    let (status, _) = post(
        &format!("/patients/{}/courses/new", patient.public_id),
        vec![
            ("condition", "diabetic_polyneuropathy"),
            ("style", "tcm"),
            ("intent", "treatment"),
            ("planned_sessions", "many"),
        ],
    )
    .await;
    assert_eq!(status, "refused");
    // The course's own schedule: words where numbers belong are refused in words.
    let (status, html) = post(
        &format!("/patients/{}/courses/new", patient.public_id),
        vec![
            ("condition", "diabetic_polyneuropathy"),
            ("style", "tcm"),
            ("intent", "treatment"),
            ("planned_sessions", "8"),
            ("sessions_per_week", "1"),
            ("start", "2026-11-01"),
            ("consent_version", "v1"),
            ("follow_up_schedule.pgic_sessions", "four"),
        ],
    )
    .await;
    assert_eq!(status, "refused");
    assert!(html.contains("must be session numbers separated by commas, e.g. 4, 8; got") && html.contains("value=\"four\""), "{html}");
    let (status, _) = post(
        &format!("/patients/{}/courses/new", patient.public_id),
        vec![
            ("condition", "diabetic_polyneuropathy"),
            ("style", "tcm"),
            ("intent", "treatment"),
            ("planned_sessions", "8"),
            ("sessions_per_week", "1"),
            ("start", "2026-11-01"),
            ("consent_version", "v1"),
            ("follow_up_schedule.pgic_sessions", "4, 8"),
            ("follow_up_schedule.follow_ups", "6W"),
        ],
    )
    .await;
    assert_eq!(status, "saved");
    let course = app
        .store
        .children(
            &acumen_store::Actor {
                user_id: 2,
                role: "practitioner".into(),
                clinic_id: 1,
            },
            "course",
            patient.id,
        )
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(course.data["follow_up_schedule"], serde_json::json!({"pgic_sessions": [4, 8], "follow_ups": ["6w"]}));
    let course = course.public_id;
    let (status, html) = post(
        &format!("/courses/{course}/outcomes/new"),
        vec![
            ("instrument", "nrs_average"),
            ("value", "11"),
            ("recall", "24h"),
            ("timepoint", "session"),
            ("session_number", "1"),
            ("date", "2026-11-02"),
        ],
    )
    .await;
    assert_eq!(status, "refused");
    assert!(html.contains("0 (none) to 10") && html.contains("value=\"11\""));
    let (status, html) = post(
        &format!("/courses/{course}/sessions/new"),
        vec![
            ("at", "2026-11-02"),
            ("number", "1"),
            ("points", "ZZ9 sideways x"),
            ("stimulation", "manual"),
        ],
    )
    .await;
    assert_eq!(status, "refused");
    assert!(html.contains("ZZ9 sideways x"), "typed points kept");
    let (status, _) = post(
        &format!("/courses/{course}/sessions/new"),
        vec![
            ("at", "2026-11-02"),
            ("number", "1"),
            ("points", "ST36 bilateral\nLR3 left 5 perpendicular"),
            ("stimulation", "manual"),
            ("skin_check", "none"),
        ],
    )
    .await;
    assert_eq!(status, "saved");
    let actor = acumen_store::Actor {
        user_id: 2,
        role: "practitioner".into(),
        clinic_id: 1,
    };
    let course_id = app.store.record_key(&actor, &course).await.unwrap();
    let session = app.store.children(&actor, "session", course_id).await.unwrap()[0].public_id.clone();
    // The adverse-event form has no default: a missing causality is refused in words.
    let (status, html) = post(
        &format!("/sessions/{session}/adverse-events/new"),
        vec![
            ("type", "bleeding_haematoma"),
            ("severity", "mild"),
            ("ctcae_grade", "1"),
            ("causality", ""),
            ("outcome", "recovered"),
            ("onset", "2026-11-02"),
        ],
    )
    .await;
    assert_eq!(status, "refused");
    assert!(html.contains("Causality must be chosen."), "{html}");
    assert!(html.contains("Bruising or bleeding"), "types in plain words");
    assert!(!html.contains("missing field"), "no parser text");
    // LV3 is LR3, stored as the WHO code.
    let (status, _) = post(
        &format!("/courses/{course}/sessions/new"),
        vec![
            ("at", "2026-11-09"),
            ("number", "2"),
            ("points", "LV3 left\nSt 36"),
            ("stimulation", "manual"),
            ("skin_check", "none"),
        ],
    )
    .await;
    assert_eq!(status, "saved");
    let second = app.store.children(&actor, "session", course_id).await.unwrap();
    let codes: Vec<&str> = second
        .iter()
        .find(|s| s.data["number"] == 2)
        .unwrap()
        .data["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["LR3", "ST36"]);
    // A code that is no point is refused with the nearest one, never applied.
    let (status, html) = post(
        &format!("/courses/{course}/sessions/new"),
        vec![("at", "2026-11-16"), ("number", "3"), ("points", "LR33"), ("stimulation", "manual")],
    )
    .await;
    assert_eq!(status, "refused");
    assert!(html.contains("did you mean LR3?"), "{html}");
    // A completed course takes no session until it is reopened.
    let c = app.store.record(&actor, "course", course_id).await.unwrap();
    let mut done = c.data.clone();
    done["status"] = "completed".into();
    done["end"] = "2026-11-20".into();
    app.store.update_record(&actor, "course", course_id, c.version, done).await.unwrap();
    let form = vec![("at", "2026-11-23"), ("number", "3"), ("points", "LI4"), ("stimulation", "manual"), ("skin_check", "none")];
    let (status, code) = post(&format!("/courses/{course}/sessions/new"), form.clone()).await;
    assert_eq!((status, code.as_str()), ("other", "409"));
    let r = doc.get(page(&app, &format!("/courses/{course}/sessions/new"))).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("This course is completed; reopen it"));
    let (status, to) = post(&format!("/courses/{course}/reopen"), vec![]).await;
    assert_eq!((status, to), ("saved", format!("/patients/{}", patient.public_id)));
    let (status, _) = post(&format!("/courses/{course}/sessions/new"), form).await;
    assert_eq!(status, "saved");
    let chart = doc.get(page(&app, &format!("/patients/{}", patient.public_id))).send().await.unwrap().text().await.unwrap();
    assert!(chart.contains("Session 3 of 8 planned"), "progress at a glance");
    assert!(chart.contains("class=\"banner\""), "the patient banner");

    let (status, code) = post("/evidence", vec![("dataset", "bcg")]).await;
    assert!(
        status == "other" && ["400", "415", "422"].contains(&code.as_str()),
        "a non-multipart post is refused: {code}"
    );
    // Another clinic's patient is not found.
    let south = browser(&app, "doc@south.test").await;
    assert_eq!(
        south
            .get(page(&app, &format!("/patients/{}", patient.public_id)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
}

on_both! {
async fn patients_are_found_by_name_year_record_number_or_phone(app) {
    let doc = app.login("doc@north.test").await;
    let a = new_patient(&app, &doc, "Mei").await;
    let mut b_json = patient_json("Mei");
    b_json["year_of_birth"] = 1980.into();
    b_json["phone"] = "07700 900-123".into();
    b_json["email"] = "mei2@mail.test".into();
    let b = new_patient_from(&app, &doc, &b_json).await;
    let ids = |q: &str| {
        let req = doc.get(app.url("/patients")).query(&[("q", q)]);
        async move {
            let list = body(req.send().await.unwrap()).await;
            list.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("1980").await, vec![b.clone()], "year of birth");
    assert_eq!(ids("900123").await, vec![b.clone()], "phone digits, spaces and dashes ignored");
    assert_eq!(ids("7946 0000").await, vec![a.clone()], "phone as written");
    assert_eq!(ids(&b[..8]).await, vec![b.clone()], "record number");
    let both = ids("testpatient mei").await;
    assert_eq!(both.len(), 2, "family name first");
    // The page tells the two apart: year of birth and record number on each row.
    let browser = app.browser_client().build().unwrap();
    let r = browser
        .post(format!("{}/login", app.origin()))
        .header("Origin", app.origin())
        .form(&[("clinic", clinic_of("doc@north.test")), ("email", "doc@north.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    let html = browser
        .get(format!("{}/patients?q=Mei&sort=born", app.origin()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("2 patients."), "{html}");
    let (i57, i80) = (html.find(">1957<").unwrap(), html.find(">1980<").unwrap());
    assert!(i57 < i80, "sorted by year of birth");
    assert!(html.contains(&a[..8]) && html.contains(&b[..8]), "record numbers shown");
}
}

on_both! {
async fn a_patient_corrects_todays_diary_entry(app) {
    let doc = app.login("doc@north.test").await;
    let pid = new_patient(&app, &doc, "Dia").await;
    let cid = new_course(&app, &doc, &pid).await;
    let admin = app.login("admin@north.test").await;
    let r = admin
        .post(app.url("/users"))
        .json(&serde_json::json!({"email": "dia@portal.test", "name": "Dia", "role": "patient", "password": PASSWORD, "patient_id": pid}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let me = browser(&app, "dia@portal.test").await;
    let origin = app.origin();
    let save = |v: &'static str| {
        let req = me.post(page(&app, "/diary")).header("Origin", origin.clone()).form(&[("nrs_average", v)]);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.headers()["location"].to_str().unwrap().to_string())
        }
    };
    // A saved entry redirects (post/redirect/get) and says what was kept.
    assert_eq!(save("5").await, (303, "/diary?saved=1".to_string()));
    let html = me.get(page(&app, "/diary?saved=1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Saved 1 answer for today"), "{html}");
    assert!(html.contains("value=\"5\" checked"), "today's answer is shown: {html}");
    assert!(html.contains("id=\"my-course\""), "the patient sees their course");
    // A second answer the same day corrects the first: one outcome, version 2.
    assert_eq!(save("3").await.0, 303);
    let outcomes = body(doc.get(app.url(&format!("/courses/{cid}/outcomes"))).send().await.unwrap()).await;
    let mine: Vec<&serde_json::Value> = outcomes
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["data"]["instrument"] == "nrs_average" && o["data"]["source"] == "patient")
        .collect();
    assert_eq!(mine.len(), 1, "{outcomes}");
    assert_eq!((mine[0]["data"]["value"].as_f64(), mine[0]["version"].as_i64()), (Some(3.0), Some(2)));
    // An 11 is refused (back to the diary, the reason shown once) and nothing changes.
    let r = me.post(page(&app, "/diary")).header("Origin", origin.clone()).form(&[("nrs_average", "11")]).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/diary"));
    let html = me.get(page(&app, "/diary")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("0 (none) to 10"), "{html}");
    let again = me.get(page(&app, "/diary")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("0 (none) to 10"), "shown once");
    let after = body(doc.get(app.url(&format!("/courses/{cid}/outcomes"))).send().await.unwrap()).await;
    assert_eq!(after, outcomes, "nothing written");
}
}

on_both! {
async fn an_admin_invites_users_publishes_answers_and_reads_the_audit_log(app) {
    let admin = browser(&app, "admin@north.test").await;
    let origin = app.origin();
    let doc = browser(&app, "doc@north.test").await;
    assert_eq!(doc.get(page(&app, "/admin")).send().await.unwrap().status(), 403, "admins only");
    let html = admin.get(page(&app, "/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("doc@north.test") && html.contains("Audit log"), "{html}");
    // The follow-up texts patients would get, with the clinic's name and nothing about a patient.
    assert!(html.contains("This server sends follow-up links <strong>off: this server was started without --smtp"), "{html}");
    assert!(html.contains("For this clinic they are <strong>off until you enable the texts below"), "{html}");
    assert!(html.contains("North Clinic: a short question about your pain"), "{html}");
    assert!(html.contains("North Clinic: a reminder: a short question about your pain"), "{html}");
    assert!(html.contains("North Clinic: how is your pain 4 weeks after your course?"), "{html}");
    // An invitation link for the practitioner, shown once.
    let users = body(app.login("admin@north.test").await.get(app.url("/users")).send().await.unwrap()).await;
    let doc_id = users.as_array().unwrap().iter().find(|u| u["email"] == "doc@north.test").unwrap()["id"].as_str().unwrap().to_string();
    let r = admin.post(page(&app, &format!("/admin/users/{doc_id}/invite"))).header("Origin", origin.clone()).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/admin"));
    let html = admin.get(page(&app, "/admin")).send().await.unwrap().text().await.unwrap();
    let token: String = html.split("/reset?token=").nth(1).expect("the link is shown").chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(token.len(), 64);
    let again = admin.get(page(&app, "/admin")).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("/reset?token="), "shown once");
    // The link sets a password once.
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("token", token.as_str()), ("password", "a-chosen-password-2026")];
    let r = anon.post(page(&app, "/reset")).header("Origin", origin.clone()).form(&form).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/login?reset=done"));
    let r = anon.post(page(&app, "/reset")).header("Origin", origin.clone()).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422, "used once");
    let r = anon
        .post(app.url("/auth/login"))
        .json(&login_body("doc@north.test", "a-chosen-password-2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the new password works");
    // The answers page made public, as the API reports it.
    let r = admin.post(page(&app, "/admin/answers")).header("Origin", origin.clone()).form(&[("public", "yes")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let c = body(app.login("admin@north.test").await.get(app.url("/clinic")).send().await.unwrap()).await;
    assert_eq!(c["answers_public"], true, "{c}");
    // A new staff user through the form; a missing role is refused in words.
    let r = admin
        .post(page(&app, "/admin/users/new"))
        .header("Origin", origin.clone())
        .form(&[("name", "Nurse"), ("email", "nurse@north.test"), ("role", ""), ("password", "first-password-2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/admin/users/new");
    let html = admin.get(page(&app, "/admin/users/new")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Role must be chosen."), "{html}");
    let r = admin
        .post(page(&app, "/admin/users/new"))
        .header("Origin", origin.clone())
        .form(&[("name", "Nurse"), ("email", "nurse@north.test"), ("role", "practitioner"), ("password", "first-password-2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/admin");
    let html = admin.get(page(&app, "/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("nurse@north.test"));
    // The follow-up texts: a wrong time zone and a text without its stop link are
    // refused in words with what was typed kept; then saved, and enabled as shown.
    let form = |zone: &'static str, sms: &'static str| {
        vec![("display_name", "North"), ("time_zone", zone), ("quiet_from", "21"), ("quiet_to", "8"),
             ("email_subject", "{clinic}: {again}how are you?"),
             ("email_body", "Hello,\r\n\r\n{again}{clinic} asks how you are {when}: {link}\r\n\r\nStop: {stop}"),
             ("sms_body", sms)]
    };
    let r = admin.post(page(&app, "/admin/follow-up")).header("Origin", origin.clone())
        .form(&form("Europe/Lundon", "{clinic}: how are you? {link}")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/admin/follow-up");
    let html = admin.get(page(&app, "/admin/follow-up")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Time zone must be an IANA time zone name"), "{html}");
    assert!(html.contains("must contain {stop}"), "{html}");
    assert!(html.contains("value=\"Europe/Lundon\""), "what was typed is kept: {html}");
    let r = admin.post(page(&app, "/admin/follow-up")).header("Origin", origin.clone())
        .form(&form("Europe/London", "{clinic}: how are you? {link} Stop: {stop}")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/admin#h-follow-up");
    let html = admin.get(page(&app, "/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Europe/London time, never from 21:00 to 8:00"), "{html}");
    assert!(html.contains("North: how are you? https://…/f/LINK Stop: https://…/f/LINK/stop"), "{html}");
    assert!(html.contains("Hello,\n\nA reminder: North asks how you are 4 weeks after your course"), "{html}");
    let revision: String = html.split("name=\"revision\" value=\"").nth(1).unwrap().chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(revision, "2");
    let r = admin.post(page(&app, "/admin/follow-up/enable")).header("Origin", origin.clone())
        .form(&[("revision", "2")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = admin.get(page(&app, "/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("For this clinic they are <strong>on</strong>") && html.contains("Stop sending follow-up messages"), "{html}");
}
}
