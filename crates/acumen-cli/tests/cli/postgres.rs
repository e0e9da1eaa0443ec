//! The registry on PostgreSQL as an operator runs it: `migrate-db` moves a
//! clinic (verified, and never into a non-empty database), `serve` refuses the
//! table owner, and a SIGKILL during concurrent writes loses no acknowledged
//! write. Runs when `ACUMEN_TEST_PG_URL` names a superuser connection (as in
//! `.ci/run`; `ACUMEN_TEST_PG_REQUIRED=1` makes its absence a failure).

use std::process::Command;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;

use crate::helpers::{free_port, start_server};

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn pg_url() -> Option<String> {
    match std::env::var("ACUMEN_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert_ne!(
                std::env::var("ACUMEN_TEST_PG_REQUIRED").as_deref(),
                Ok("1"),
                "ACUMEN_TEST_PG_URL is not set"
            );
            eprintln!("PostgreSQL skipped: set ACUMEN_TEST_PG_URL");
            None
        }
    }
}

fn acumen(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_acumen"));
    c.env("ACUMEN_AUDIT_KEY", KEY).args(args);
    c
}

fn run(args: &[&str]) -> std::process::Output {
    acumen(args).output().unwrap()
}

fn serve(db: &str, port: u16, log: &std::path::Path) -> std::process::Child {
    start_server(
        acumen(&["serve", "--db", db, "--listen", &format!("127.0.0.1:{port}")]),
        port,
        log,
    )
}

async fn login(base: &str) -> reqwest::Client {
    let c = crate::helpers::browser(base);
    let r = c
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": "practitioner@demo.acumen.test", "password": "demo-password-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
async fn a_clinic_moves_to_postgres_and_survives_sigkill_during_concurrent_writes() {
    let Some(url) = pg_url() else { return };
    let admin = PgConnectOptions::from_str(&url).unwrap();
    let db = format!("acumen_cli_{}", std::process::id());
    let mut conn = admin.connect().await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {db}"))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (host, port) = (admin.get_host().to_string(), admin.get_port());
    let owner = format!("postgres://{}@{host}:{port}/{db}", admin.get_username());
    let server_url = format!("postgres://acumen_server@{host}:{port}/{db}");

    let dir = std::env::temp_dir().join(format!("acumen-pgcli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = dir.join("demo.db");
    let out = run(&["demo", "--db", sqlite.to_str().unwrap(), "--patients", "12"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let from = format!("sqlite:{}", sqlite.display());
    let out = run(&["migrate-db", "--from", &from, "--to", &owner]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("all 14 tables match"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("records ") && l.ends_with("yes")),
        "{text}"
    );
    let again = run(&["migrate-db", "--from", &from, "--to", &owner]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    let mut c = PgConnectOptions::from_str(&owner).unwrap().connect().await.unwrap();
    sqlx::query(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'acumen_server') THEN \
         CREATE ROLE acumen_server LOGIN IN ROLE acumen_app; END IF; END $$",
    )
    .execute(&mut c)
    .await
    .unwrap();

    // The owner may migrate, never serve.
    let log = dir.join("serve.log");
    let out = run(&["serve", "--db", &owner, "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not own the tables"));

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let mut server = serve(&server_url, port, &log);
    let client = login(&base).await;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, acked) = (client.clone(), base.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let body = json!({"given_name": format!("W{w}n{i}"), "family_name": "Durable",
                                  "year_of_birth": 1960, "sex": "female"});
                match client.post(format!("{base}/patients")).json(&body).send().await {
                    Ok(r) if r.status().is_success() => {
                        let id = r.json::<serde_json::Value>().await.unwrap()["id"]
                            .as_str()
                            .unwrap()
                            .to_string();
                        acked.lock().unwrap().push(id);
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    let started = std::time::Instant::now();
    while acked.lock().unwrap().len() < 80 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "writes did not get through"
        );
        assert!(!writers.iter().all(|w| w.is_finished()), "every writer stopped");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL, with writes in flight
    server.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let mut server = serve(&server_url, port, &log);
    let client = login(&base).await;
    for id in &acked {
        let r = client.get(format!("{base}/patients/{id}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged patient {id} lost");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let out = run(&["audit", "verify", "--db", &server_url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The head anchors the PostgreSQL chain too: the server logged it at start,
    // `audit head` prints it, and `verify --anchor` finds it (and not a made-up one).
    let head = String::from_utf8_lossy(&run(&["audit", "head", "--db", &server_url]).stdout).to_string();
    let anchor = head.trim().strip_prefix("audit head ").unwrap().to_string();
    let out = run(&["audit", "verify", "--db", &server_url, "--anchor", &anchor]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (id, _) = anchor.split_once(':').unwrap();
    let forged = format!("{id}:{}", "0".repeat(64));
    let out = run(&["audit", "verify", "--db", &server_url, "--anchor", &forged]);
    assert_eq!(out.status.code(), Some(2), "a head the log does not hold");
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains("audit head at start"),
        "the server anchors the head in its log"
    );
    assert!(!logs.contains("Durable"), "patient data in the server log");
}
