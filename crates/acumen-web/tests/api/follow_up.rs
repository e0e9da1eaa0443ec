//! Follow-up between visits through a real SMTP server (aiosmtpd on
//! loopback, `tests/support/smtp_sink.py`): a course starts, the baseline
//! link arrives by e-mail (its Message-ID, its link; no name, condition or
//! date of birth in it), the patient opens it with a plain HTTP client, fails
//! the date-of-birth check once, passes it, records their pain: the measure
//! is completed and no reminder follows. A second patient ignores the link:
//! reminders on days 3 and 7 (and nothing between), then it expires and no
//! more comes. A patient without consent gets nothing. The worker runs at
//! fixed instants (10:00 UTC, outside quiet hours).

use std::sync::Arc;

use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::helpers::*;
use crate::sinks::{SmsStub, SmtpSink};

fn at_ten(day: time::Date) -> OffsetDateTime {
    day.with_hms(10, 0, 0).unwrap().assume_utc()
}

/// The link in a message (`…/f/<64 hex>`), with line folding of quoted-printable undone.
fn link_in(message: &str) -> String {
    let text = message.replace("=\r\n", "").replace("=\n", "");
    let i = text.find("/f/").expect("a link in the message");
    let token: String = text[i + 3..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    assert_eq!(token.len(), 64, "{text}");
    token
}

async fn follow_up_app(sink: &SmtpSink) -> TestApp {
    let email = acumen_web::delivery::Email::new(
        &format!("smtp://127.0.0.1:{}", sink.port),
        "North Clinic <follow-up@north.test>",
        None,
    )
    .unwrap();
    let app = spawn_with_follow_up(acumen_web::delivery::Delivery {
        email: Some(Arc::new(email)),
        sms: None,
    })
    .await;
    enable_messages(&app).await;
    app
}

async fn patient_with_course(
    app: &TestApp,
    doc: &reqwest::Client,
    name: &str,
    consent: bool,
    start: time::Date,
) -> (String, String) {
    let mut p = patient_json(name);
    p["date_of_birth"] = json!("1957-04-12");
    p["follow_up"] = json!({"consent": consent, "channel": "email"});
    let r = doc.post(app.url("/patients")).json(&p).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let pid = body(r).await["id"].as_str().unwrap().to_string();
    let mut c = course_json();
    c["start"] = json!(start.to_string());
    let r = doc
        .post(app.url(&format!("/patients/{pid}/courses")))
        .json(&c)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    (pid, body(r).await["id"].as_str().unwrap().to_string())
}

#[tokio::test]
#[cfg_attr(
    not(smtp_tests),
    ignore = "needs a real SMTP server: pip install aiosmtpd, and ACUMEN_TEST_SMTP=1 when building and running (.ci/run does)"
)]
async fn the_baseline_link_arrives_by_email_and_its_answer_completes_the_measure() {
    let sink = SmtpSink::start();
    let app = follow_up_app(&sink).await;
    let doc = app.login("doc@north.test").await;
    let today = OffsetDateTime::now_utc().date();
    let (_, course) = patient_with_course(&app, &doc, "Zelda", true, today).await;
    patient_with_course(&app, &doc, "Quinn", false, today).await;
    let clinic = north_id(&app).await;
    use acumen_web::service::follow_up::run;

    // Only the patient who agreed gets the baseline link.
    let r = run(&app.state, Some(clinic), at_ten(today)).await.unwrap();
    assert_eq!((r.queued, r.sent, r.failed), (1, 1, 0), "{r:?}");
    let mail = sink.messages();
    assert_eq!(mail.len(), 1);
    let m = &mail[0];
    assert!(m.contains("Message-ID: <") && m.contains("@acumen.follow-up>"), "{m}");
    assert!(m.contains("To: zelda@mail.test"), "{m}");
    assert!(
        m.contains("Subject: North Clinic: a short question about your pain"),
        "{m}"
    );
    for private in ["Zelda", "Testpatient", "neuropathy", "diabetic", "1957-04-12"] {
        assert!(!m.contains(private), "the message shows {private:?}: {m}");
    }
    let token = link_in(m);
    // Run again the same minute: the same link is not sent twice.
    let r = run(&app.state, Some(clinic), at_ten(today)).await.unwrap();
    assert_eq!((r.queued, r.sent), (0, 0));

    // The patient follows the link with a plain HTTP client (no account).
    let web = reqwest::Client::new();
    let url = app.url(&format!("/f/{token}")).replace("/api/v1", "");
    let page = web.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("date of birth") && !page.contains("Zelda") && !page.contains("Testpatient"),
        "{page}"
    );
    let wrong = web
        .post(&url)
        .form(&[("date_of_birth", "1957-12-04")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        wrong.contains("does not match") && wrong.contains("4 more tries"),
        "{wrong}"
    );
    let form = web
        .post(&url)
        .form(&[("date_of_birth", "1957-04-12")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Your average pain in the last 24 hours"), "{form}");
    assert!(!form.contains("Since treatment began"), "no PGIC at baseline: {form}");
    let done = web
        .post(format!("{url}/answers"))
        .form(&[
            ("date_of_birth", "1957-04-12"),
            ("nrs_average", "6"),
            ("nrs_worst", "8"),
            ("sleep_interference", "3"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("Your answers are saved"), "{done}");
    let again = web.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("already in"), "{again}");

    // Recorded as the patient's baseline through its link.
    let os = body(
        doc.get(app.url(&format!("/courses/{course}/outcomes")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let rows: Vec<&Value> = os
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.get("data").unwrap_or(o))
        .collect();
    let avg = rows
        .iter()
        .find(|o| o["instrument"] == "nrs_average")
        .expect("average pain recorded");
    assert_eq!(
        (
            avg["value"].as_f64(),
            avg["timepoint"].as_str(),
            avg["scheduled"].as_str(),
            avg["source"].as_str()
        ),
        (Some(6.0), Some("baseline"), Some("baseline"), Some("patient")),
        "{os}"
    );
    assert_eq!(rows.len(), 3, "{os}");

    // Completed: no reminder on day 3 or 7.
    for d in [3, 7] {
        let r = run(&app.state, Some(clinic), at_ten(today + time::Duration::days(d)))
            .await
            .unwrap();
        assert_eq!((r.queued, r.sent), (0, 0), "day {d}");
    }
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
#[cfg_attr(
    not(smtp_tests),
    ignore = "needs a real SMTP server: pip install aiosmtpd, and ACUMEN_TEST_SMTP=1 when building and running (.ci/run does)"
)]
async fn an_ignored_link_is_reminded_on_days_3_and_7_then_expires() {
    let sink = SmtpSink::start();
    let app = follow_up_app(&sink).await;
    let doc = app.login("doc@north.test").await;
    let start = time::macros::date!(2027 - 03 - 01);
    patient_with_course(&app, &doc, "Yuri", true, start).await;
    let clinic = north_id(&app).await;
    use acumen_web::service::follow_up::run;
    let mut kinds = Vec::new();
    for day in 0..=15 {
        let r = run(&app.state, Some(clinic), at_ten(start + time::Duration::days(day)))
            .await
            .unwrap();
        assert_eq!(r.failed, 0);
        if r.sent > 0 {
            kinds.push((day, r.sent));
        }
    }
    // The link on day 0, reminders on days 3 and 7, nothing after.
    assert_eq!(kinds, vec![(0, 1), (3, 1), (7, 1)]);
    let mail = sink.messages();
    assert_eq!(mail.len(), 3);
    assert!(
        mail[1].contains("reminder") && mail[2].contains("reminder"),
        "{}",
        mail[1]
    );
    // The same link in all three; three different messages.
    let tokens: Vec<String> = mail.iter().map(|m| link_in(m)).collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    let ids: std::collections::BTreeSet<String> = mail
        .iter()
        .map(|m| m.lines().find(|l| l.starts_with("Message-ID:")).unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn the_outbox_runs_for_admins_and_says_when_follow_up_is_off() {
    let app = spawn().await;
    let doc = app.login("doc@north.test").await;
    let admin = app.login("admin@north.test").await;
    let r = doc.post(app.url("/admin/outbox/run")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = admin.post(app.url("/admin/outbox/run")).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let e = body(r).await.to_string();
    assert!(e.contains("follow-up is not configured"), "{e}");
    // A link that was never made opens nothing, and says so without a 500.
    let web = reqwest::Client::new();
    let page = web
        .get(app.url(&format!("/f/{}", "ab".repeat(32))).replace("/api/v1", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("This link does not open"));
}

async fn sms_app(stub: &SmsStub, shape: acumen_web::delivery::SmsShape) -> TestApp {
    let sms = acumen_web::delivery::Sms::with_timeout(
        &stub.url,
        shape,
        "+441234000000",
        Some(("AC123".into(), "secret-token".into())),
        std::time::Duration::from_secs(1),
    )
    .unwrap();
    let app = spawn_with_follow_up(acumen_web::delivery::Delivery {
        email: None,
        sms: Some(Arc::new(sms)),
    })
    .await;
    enable_messages(&app).await;
    app
}

async fn sms_patient(app: &TestApp, doc: &reqwest::Client, start: time::Date) {
    let mut p = patient_json("Xena");
    p["date_of_birth"] = json!("1957-04-12");
    p["follow_up"] = json!({"consent": true, "channel": "sms"});
    let pid = body(doc.post(app.url("/patients")).json(&p).send().await.unwrap()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut c = course_json();
    c["start"] = json!(start.to_string());
    let r = doc
        .post(app.url(&format!("/patients/{pid}/courses")))
        .json(&c)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn an_sms_the_provider_refuses_or_keeps_waiting_is_sent_again_later_with_the_same_identity() {
    use acumen_web::service::follow_up::run;
    // 500, then no answer within the client's 1 s, then accepted.
    let stub = SmsStub::start(vec![Some(500), None]).await;
    let app = sms_app(&stub, acumen_web::delivery::SmsShape::Webhook).await;
    let doc = app.login("doc@north.test").await;
    let start = time::macros::date!(2027 - 03 - 01);
    sms_patient(&app, &doc, start).await;
    let clinic = north_id(&app).await;
    let t0 = at_ten(start);
    let r = run(&app.state, Some(clinic), t0).await.unwrap();
    assert_eq!((r.queued, r.sent, r.failed), (1, 0, 1), "the provider answered 500");
    // Back-off: the first retry waits a minute (60 s << 0 attempts), the next two.
    let r = run(&app.state, Some(clinic), t0 + time::Duration::seconds(59))
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (0, 0), "not before a minute");
    let r = run(&app.state, Some(clinic), t0 + time::Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (0, 1), "the provider did not answer in time");
    let r = run(&app.state, Some(clinic), t0 + time::Duration::seconds(60 + 119))
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (0, 0), "the second retry waits two minutes");
    let r = run(&app.state, Some(clinic), t0 + time::Duration::seconds(60 + 120))
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (1, 0));
    let seen = stub.requests();
    assert_eq!(seen.len(), 3);
    let keys: Vec<&str> = seen
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap())
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0]) && keys[0].ends_with("@acumen.follow-up"),
        "{keys:?}"
    );
    let sent: Value = serde_json::from_str(&seen[2].1).unwrap();
    assert_eq!(
        (sent["to"].as_str(), sent["from"].as_str(), sent["id"].as_str()),
        (Some("+44 20 7946 0000"), Some("+441234000000"), Some(keys[0]))
    );
    let text = sent["body"].as_str().unwrap();
    assert!(
        text.starts_with("North Clinic: how is your pain before your first session?") && text.contains("/f/"),
        "{text}"
    );
    for private in ["Xena", "Testpatient", "neuropathy", "1957"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    // Sent: nothing more that day, whatever the worker does.
    let r = run(&app.state, Some(clinic), t0 + time::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!((r.queued, r.sent, r.failed), (0, 0, 0));
}

#[tokio::test]
async fn twilio_gets_its_form_its_idempotency_header_and_basic_authentication() {
    use acumen_web::service::follow_up::run;
    let stub = SmsStub::start(vec![]).await;
    let app = sms_app(&stub, acumen_web::delivery::SmsShape::Twilio).await;
    let doc = app.login("doc@north.test").await;
    let start = time::macros::date!(2027 - 03 - 01);
    sms_patient(&app, &doc, start).await;
    let r = run(&app.state, Some(north_id(&app).await), at_ten(start))
        .await
        .unwrap();
    assert_eq!(r.sent, 1);
    let (headers, form) = stub.requests().remove(0);
    assert!(headers["i-twilio-idempotency-token"]
        .to_str()
        .unwrap()
        .ends_with("@acumen.follow-up"));
    // Basic AC123:secret-token.
    assert_eq!(headers["authorization"], "Basic QUMxMjM6c2VjcmV0LXRva2Vu");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    assert!(
        form.contains("To=%2B44+20+7946+0000")
            && form.contains("From=%2B441234000000")
            && form.contains("Body=North+Clinic"),
        "{form}"
    );
}
