//! The HTML pages: every form answers a refusal (422) or a redirect for the
//! inputs a browser can send — never a 500 — and keeps what was typed; the
//! pages need a session and send anonymous visitors to the login page.

use reqwest::{redirect::Policy, Client};

use crate::helpers::*;

async fn browser(app: &TestApp, email: &str) -> Client {
    let c = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(page(app, "/login"))
        .header("Origin", app.base.trim_end_matches("/api/v1"))
        .form(&[("clinic", clinic_of(email)), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login {email}");
    c
}

fn page(app: &TestApp, path: &str) -> String {
    format!("{}{}", app.base.trim_end_matches("/api/v1"), path)
}

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
    let post = |path: &str, form: Vec<(&str, &str)>| {
        let req = doc.post(page(&app, path)).header("Origin", origin.clone()).form(&form);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
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
    assert_eq!(status, 422);
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
    assert_eq!(status, 422);
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
    assert_eq!(status, 303);
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
    assert_eq!(status, 422);
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
        ],
    )
    .await;
    assert_eq!(status, 303);
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
        .public_id.clone();
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
    assert_eq!(status, 422);
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
    assert_eq!(status, 422);
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
    assert_eq!(status, 303);
    let (status, _) = post("/evidence", vec![("dataset", "bcg")]).await;
    assert!(
        status == 400 || status == 415 || status == 422,
        "a non-multipart post is refused: {status}"
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
