//! The registry as an operator runs it: `acumen serve` killed with SIGKILL
//! mid-write loses no acknowledged write; an online backup taken during
//! writes is consistent; no patient data reaches the log.

use std::process::{Child, Command};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{free_port, start_server};

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const PASSWORD: &str = "operator password 1";

pub(crate) fn acumen() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_acumen"));
    c.env("ACUMEN_AUDIT_KEY", KEY).env("ACUMEN_ADMIN_PASSWORD", PASSWORD);
    c
}

fn temp_db(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("acumen-reg-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("r.db")
}

fn start(db: &std::path::Path, port: u16, log: &std::path::Path) -> Child {
    spawn_server(&["--db", db.to_str().unwrap()], port, log)
}

/// `acumen serve ARGS --listen 127.0.0.1:PORT`.
pub(crate) fn serve_cmd(args: &[&str], port: u16) -> Command {
    let mut c = acumen();
    c.arg("serve")
        .args(args)
        .args(["--listen", &format!("127.0.0.1:{port}")]);
    c
}

/// Starts the server and waits until it accepts connections.
fn spawn_server(args: &[&str], port: u16, log: &std::path::Path) -> Child {
    start_server(serve_cmd(args, port), port, log)
}

pub(crate) fn setup(tag: &str) -> (std::path::PathBuf, u16, std::path::PathBuf) {
    let db = temp_db(tag);
    let out = acumen()
        .args([
            "admin",
            "create-clinic",
            "--name",
            "Op Clinic",
            "--admin-email",
            "op@clinic.test",
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = db.with_extension("log");
    (db, free_port(), log)
}

pub(crate) async fn login(base: &str) -> reqwest::Client {
    let c = crate::helpers::browser(base);
    let r = c
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": "op@clinic.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    c
}

fn patient(i: usize) -> serde_json::Value {
    json!({"given_name": format!("Quentin{i}"), "family_name": "Crashwell", "email": format!("q{i}@secret.test"), "year_of_birth": 1960, "sex": "male"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_write() {
    let (db, port, log) = setup("kill");
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let mut server = start(&db, port, &log);
    let c = login(&base).await;
    let mut acked = Vec::new();
    let mut i = 0;
    let killer_at = 40;
    loop {
        i += 1;
        if acked.len() == killer_at {
            server.kill().unwrap(); // SIGKILL
            server.wait().unwrap();
        }
        match c.post(format!("{base}/patients")).json(&patient(i)).send().await {
            Ok(r) if r.status().is_success() => acked.push(
                r.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            ),
            Ok(r) => panic!("unexpected status {}", r.status()),
            Err(_) => break, // the server is gone
        }
        assert!(i < 1000);
    }
    assert!(acked.len() >= killer_at);
    let mut server = start(&db, port, &log);
    let c = login(&base).await;
    for id in &acked {
        let r = c.get(format!("{base}/patients/{id}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged patient {id} lost");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let backup = db.with_extension("check.db");
    let out = acumen()
        .args(["backup", "--db", db.to_str().unwrap(), "--to", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("integrity ok"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = acumen()
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let logs = std::fs::read_to_string(&log).unwrap();
    for phi in ["Quentin", "Crashwell", "secret.test", PASSWORD] {
        assert!(!logs.contains(phi), "{phi} appeared in the server log");
    }
    assert!(logs.contains("request"), "the server logs requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_during_writes_is_consistent_and_restores() {
    let (db, port, log) = setup("backup");
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let mut server = start(&db, port, &log);
    let c = login(&base).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (c, base, stop) = (c.clone(), base.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && n < 20_000 {
                let r = c
                    .post(format!("{base}/patients"))
                    .json(&patient(n))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success());
                n += 1;
            }
            n as i64
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let backup = db.with_extension("bak.db");
    let out = acumen()
        .args(["backup", "--db", db.to_str().unwrap(), "--to", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let total = writer.await.unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    // The backup is a consistent moment: as many patients as audited creations, each with its first version.
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&backup)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(ok, "ok");
    let patients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE kind = 'patient'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let created: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'create' AND record_kind = 'patient'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM record_versions")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        patients > 0 && patients < total,
        "the backup was taken mid-stream ({patients} of {total})"
    );
    assert_eq!(patients, created);
    assert_eq!(patients, versions);
    // Restore into a new file.
    let restored = db.with_extension("restored.db");
    let restore = || {
        let args = [
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--db",
            restored.to_str().unwrap(),
        ];
        acumen().args(args).output().unwrap()
    };
    let out = restore();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = restore();
    assert_eq!(again.status.code(), Some(2), "restore never overwrites");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_never_reaches_researchers_or_logs() {
    let db = temp_db("demo");
    let out = acumen()
        .args(["demo", "--db", db.to_str().unwrap(), "--patients", "60", "--seed", "7"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Collect every demo patient's identifying text straight from the file.
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let phi: Vec<String> = sqlx::query_scalar(
        "SELECT json_extract(data, '$.family_name') FROM records WHERE kind = 'patient' UNION \
         SELECT json_extract(data, '$.email') FROM records WHERE kind = 'patient'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(phi.len() >= 60);
    let port = free_port();
    let log = db.with_extension("log");
    let mut server = spawn_server(&["--demo", "--db", db.to_str().unwrap()], port, &log);
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let c = crate::helpers::browser(&base);
    let r = c
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": "researcher@demo.acumen.test", "password": "demo-password-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let agg = c.get(format!("{base}/research/aggregates")).send().await.unwrap();
    assert_eq!(agg.headers()["x-acumen-data"], "SIMULATED");
    let text = agg.text().await.unwrap();
    assert!(text.contains("\"cells\""));
    server.kill().unwrap();
    server.wait().unwrap();
    let logs = std::fs::read_to_string(&log).unwrap();
    for p in &phi {
        assert!(!text.contains(p.as_str()), "{p} in a researcher response");
        assert!(!logs.contains(p.as_str()), "{p} in the server log");
    }
}

#[test]
fn demo_never_touches_a_real_database() {
    let (db, port, _log) = setup("real");
    let before = std::fs::read(&db).unwrap();
    let out = serve_cmd(&["--demo", "--db", db.to_str().unwrap()], port)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a demo database"));
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
    let out = acumen().args(["demo", "--db", db.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "demo refuses an existing file");
}
