//! Never lost, never two different messages: `acumen serve` with a real SMTP
//! server (aiosmtpd) and an SMS provider stub, 500 baseline links falling due
//! at once (250 by e-mail, 250 by SMS), the server killed with SIGKILL in the
//! middle of the burst and started again. Every message arrives, counted by
//! its identity (the e-mail's Message-ID, the SMS idempotency key): exactly
//! 500 distinct ones; a repeat of one identity is allowed only for what was in
//! flight at the kill (at most the one message being sent).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::start_server;
use crate::registry::{login, serve_cmd, setup};
use crate::sinks::{SmsStub, SmtpSink};

const N: usize = 500;

fn message_ids(mail: &[String]) -> Vec<String> {
    mail.iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_string)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(smtp_tests),
    ignore = "needs a real SMTP server: pip install aiosmtpd, and ACUMEN_TEST_SMTP=1 when building and running (.ci/run does)"
)]
async fn a_burst_of_500_due_messages_survives_sigkill_each_delivered_once_by_identity() {
    let sink = SmtpSink::start();
    let stub = SmsStub::start(vec![]).await;
    let (db, port, log) = setup("burst");
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let args = [
        "--db",
        db.to_str().unwrap(),
        "--smtp",
        &smtp,
        "--sms-webhook",
        &stub.url,
        "--time-zone",
        "UTC",
        "--quiet-hours",
        "none",
    ];
    let mut server = start_server(serve_cmd(&args, port), port, &log);
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let c = login(&base).await;
    // The clinic's admin enables its texts as shown.
    let shown: serde_json::Value = c
        .get(format!("{base}/admin/follow-up"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = c
        .post(format!("{base}/admin/follow-up/enable"))
        .json(&json!({"revision": shown["revision"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    for i in 0..N {
        let sms = i % 2 == 1;
        let p = json!({"given_name": format!("Burst{i}"), "family_name": "Patient", "email": format!("b{i}@mail.test"),
                       "phone": format!("+44 20 7946 {i:04}"), "year_of_birth": 1960, "sex": "female",
                       "date_of_birth": "1960-05-01", "follow_up": {"consent": true, "channel": if sms { "sms" } else { "email" }}});
        let r = c.post(format!("{base}/patients")).json(&p).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let pid = r.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let course = json!({"condition": "diabetic_polyneuropathy", "style": "tcm", "intent": "treatment", "planned_sessions": 8,
                            "sessions_per_week": 1, "start": today, "consent_version": "v2"});
        let r = c
            .post(format!("{base}/patients/{pid}/courses"))
            .json(&course)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // The burst: plan and send now (the request dies with the server).
    let run = tokio::spawn({
        let (c, base) = (c.clone(), base.clone());
        async move { c.post(format!("{base}/admin/outbox/run")).send().await }
    });
    let arrived = || sink.messages().len() + stub.requests().len();
    let t = Instant::now();
    while arrived() < 100 {
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "the burst did not start: {} arrived",
            arrived()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL, in the middle of the burst
    server.wait().unwrap();
    let at_kill = arrived();
    let _ = run.await;
    assert!(
        at_kill < N,
        "the kill came after the burst ({at_kill}); make the burst bigger"
    );

    // Started again: the worker's first run sends what is left.
    let mut server = start_server(serve_cmd(&args, port), port, &log);
    let t = Instant::now();
    loop {
        let ids: BTreeSet<String> = message_ids(&sink.messages()).into_iter().collect();
        let keys: BTreeSet<String> = stub
            .requests()
            .iter()
            .map(|(h, _)| h["idempotency-key"].to_str().unwrap().to_string())
            .collect();
        if ids.len() + keys.len() >= N {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(180),
            "only {} of {N} arrived after the restart",
            ids.len() + keys.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let a straggler show itself, then count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let mail = message_ids(&sink.messages());
    let sms: Vec<String> = stub
        .requests()
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap().to_string())
        .collect();
    let distinct_mail: BTreeSet<&String> = mail.iter().collect();
    let distinct_sms: BTreeSet<&String> = sms.iter().collect();
    assert_eq!(
        (distinct_mail.len(), distinct_sms.len()),
        (N / 2, N / 2),
        "every message delivered"
    );
    let repeats = (mail.len() - distinct_mail.len()) + (sms.len() - distinct_sms.len());
    assert!(
        repeats <= 1,
        "{repeats} repeated deliveries: only the one in flight at the kill may repeat"
    );
    let logs = std::fs::read_to_string(&log).unwrap();
    for private in ["Burst1", "mail.test", "/f/", "+44 20"] {
        assert!(!logs.contains(private), "{private} appeared in the server log");
    }
}
