//! The audit chain's limits as an attacker with the database folder would
//! probe them: a deleted tail with its checkpoint gone is reported, a tail
//! deleted with a forged checkpoint is caught by an anchor kept elsewhere,
//! and a key beside the database is warned about until it is moved.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn acumen(key: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_acumen"));
    c.env_remove("ACUMEN_AUDIT_KEY").env_remove("ACUMEN_AUDIT_KEY_FILE");
    if let Some(k) = key {
        c.env("ACUMEN_AUDIT_KEY", k);
    }
    c.env("ACUMEN_ADMIN_PASSWORD", "operator password 1");
    c
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("acumen-audit-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn verify(db: &Path, anchors: &[&str]) -> Output {
    let mut c = acumen(Some(KEY));
    c.args(["audit", "verify", "--db", db.to_str().unwrap()]);
    for a in anchors {
        c.args(["--anchor", a]);
    }
    c.output().unwrap()
}

#[tokio::test]
async fn a_deleted_tail_is_found_with_or_without_its_checkpoint() {
    let d = dir("tail");
    let db = d.join("clinic.db");
    let out = acumen(Some(KEY))
        .args(["demo", "--db", db.to_str().unwrap(), "--patients", "20", "--seed", "3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let head = acumen(Some(KEY))
        .args(["audit", "head", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    let anchor = text(&head).trim().strip_prefix("audit head ").unwrap().to_string();
    let (head_id, _) = anchor.split_once(':').unwrap();
    let head_id: i64 = head_id.parse().unwrap();
    assert!(head_id > 150, "{anchor}");
    let ok = verify(&db, &[&anchor]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("1 anchor(s) found"));

    // Delete the last 100 entries and the checkpoint, as someone with the folder could.
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .connect()
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit WHERE id > ?")
        .bind(head_id - 100)
        .execute(&mut conn)
        .await
        .unwrap();
    let cut: (i64, String) = sqlx::query_as("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    drop(conn);
    let checkpoint = PathBuf::from(format!("{}.audit-head", db.display()));
    std::fs::remove_file(&checkpoint).unwrap();
    let missing = verify(&db, &[]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("audit checkpoint missing"),
        "{}",
        text(&missing)
    );

    // A forged checkpoint that matches the cut log fools the checkpoint, not the anchor.
    std::fs::write(&checkpoint, format!("{} {}\n", cut.0, cut.1)).unwrap();
    let forged = verify(&db, &[]);
    assert!(forged.status.success(), "the file alone cannot tell: {}", text(&forged));
    let anchored = verify(&db, &[&anchor]);
    assert_eq!(anchored.status.code(), Some(2));
    assert!(
        text(&anchored).contains(&format!("does not hold the anchored head {head_id}")),
        "{}",
        text(&anchored)
    );

    // An older checkpoint put back is reported as one.
    std::fs::write(&checkpoint, format!("{} {}\n", cut.0 - 5, "0".repeat(64))).unwrap();
    let older = verify(&db, &[]);
    assert!(
        text(&older).contains("audit checkpoint is older than the log"),
        "{}",
        text(&older)
    );
}

#[test]
fn a_key_beside_the_database_is_warned_about_until_moved() {
    let d = dir("key");
    let db = d.join("clinic.db");
    let elsewhere = dir("key-safe");
    let out = acumen(None)
        .args([
            "admin",
            "create-clinic",
            "--name",
            "K",
            "--admin-email",
            "k@k.test",
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let beside = PathBuf::from(format!("{}.audit-key", db.display()));
    assert!(beside.exists());
    // Inside the database's folder: refused.
    let move_key = |to: &Path| {
        let args = [
            "admin",
            "move-audit-key",
            "--db",
            db.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
        ];
        acumen(None).args(args).output().unwrap()
    };
    let same = move_key(&d.join("k2"));
    assert_eq!(same.status.code(), Some(2), "{}", text(&same));
    assert!(text(&same).contains("in the database's folder"));
    // Serving warns at start while the key sits beside the database.
    let serve_text = |port: u16| {
        let mut c = acumen(None);
        c.args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ]);
        let log = d.join(format!("serve-{port}.log"));
        let mut child = crate::helpers::start_server(c, port, &log);
        child.kill().unwrap();
        child.wait().unwrap();
        std::fs::read_to_string(&log).unwrap()
    };
    let log = serve_text(crate::helpers::free_port());
    assert!(
        log.contains("WARNING: the audit key") && log.contains("move-audit-key"),
        "{log}"
    );
    let target = elsewhere.join("audit.key");
    let moved = move_key(&target);
    assert!(moved.status.success(), "{}", text(&moved));
    assert!(!beside.exists() && target.exists());
    let log = serve_text(crate::helpers::free_port());
    assert!(!log.contains("WARNING: the audit key"), "{log}");
    // The chain still verifies with the moved key (found through the note the move left).
    let ok = acumen(None)
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", text(&ok));
    // Without the key anywhere, an existing database is refused rather than given a new key.
    std::fs::remove_file(format!("{}.audit-key-location", db.display())).unwrap();
    let lost = acumen(None)
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(lost.status.code(), Some(2));
    assert!(text(&lost).contains("no audit key found"), "{}", text(&lost));
}

#[test]
fn serving_beyond_loopback_needs_a_public_url() {
    let d = dir("listen");
    let db = d.join("clinic.db");
    let out = acumen(Some(KEY))
        .args(["serve", "--db", db.to_str().unwrap(), "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("give --public-url"), "{}", text(&out));
}
