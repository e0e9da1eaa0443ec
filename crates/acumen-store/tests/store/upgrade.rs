//! An SQLite registry made before the hardening migrations (schema version
//! 2) opens under this version: its accounts, sessions, keys and audit chain
//! carry over, and the rebuilt users table keeps every foreign key.

use acumen_store::audit::verify;
use acumen_store::{SqliteStore, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const KEY: &[u8] = b"upgrade-test-key-0123456789abcdef0123456789";

#[tokio::test]
async fn a_version_2_database_upgrades_with_its_data() {
    let dir = std::env::temp_dir().join(format!("acumen-upgrade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("old.db");
    {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true)
                    .foreign_keys(true),
            )
            .await
            .unwrap();
        let all = sqlx::migrate!("./migrations/sqlite");
        let old = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(all.migrations[..2].to_vec()),
            ..sqlx::migrate!("./migrations/sqlite")
        };
        old.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO clinics (id, name, demo, created_at) VALUES (1, 'North Clinic', 0, '2026-01-01T00:00:00Z')",
            "INSERT INTO clinics (id, name, demo, created_at) VALUES (2, 'Demo', 1, '2026-01-01T00:00:00Z')",
            "INSERT INTO users (id, clinic_id, email, name, role, password_hash, created_at) VALUES (7, 1, 'doc@north.test', 'Doc', 'practitioner', 'h', '2026-01-01T00:00:00Z')",
            "INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen) VALUES ('s', 7, 100, 100)",
            "INSERT INTO api_tokens (id, user_id, token_hash, name, created_at) VALUES (3, 7, 't', 'script', '2026-01-01T00:00:00Z')",
            "INSERT INTO login_failures (account, address, at) VALUES ('doc@north.test', '10.0.0.1', 50)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let s = SqliteStore::open(path.to_str().unwrap(), KEY).await.unwrap();
    let north = s.clinic_by_code("clinic1").await.unwrap();
    assert_eq!((north.id, north.name.as_str()), (1, "North Clinic"));
    assert_eq!(s.clinic_by_code("demo").await.unwrap().id, 2);
    let doc = s.user_by_email(1, "doc@north.test").await.unwrap();
    assert_eq!(doc.id, 7);
    assert_eq!(s.session_user("s", 200, 1800, 12 * 3600).await.unwrap().0.id, 7);
    assert_eq!(s.token_user("t").await.unwrap().id, 7);
    assert_eq!(s.login_failures("doc@north.test", "10.0.0.1", 0).await.unwrap(), (1, 1));
    // The audit chain starts and verifies after the upgrade.
    s.audit(None, "upgraded", None, None).await.unwrap();
    let log = s.audit_log(None).await.unwrap();
    assert_eq!(
        verify(KEY, &log, s.read_checkpoint()),
        acumen_store::audit::Verdict::Intact { entries: 1 }
    );
}

/// A version-5 registry's safety profiles (written when an item left out or
/// null meant "no") open as recorded: every such item becomes its "no"
/// value in the record and its versions; a recorded yes stays yes.
#[tokio::test]
async fn a_version_5_database_keeps_its_safety_profiles_recorded() {
    let dir = std::env::temp_dir().join(format!("acumen-upgrade5-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("old.db");
    let opts = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .unwrap();
        let all = sqlx::migrate!("./migrations/sqlite");
        let old = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(all.migrations[..5].to_vec()),
            ..sqlx::migrate!("./migrations/sqlite")
        };
        old.run(&pool).await.unwrap();
        // Patient 1 as the demo wrote it (items left out), patient 2 as the
        // API wrote it (every item, null for no bleeding disorder or
        // chemotherapy), patient 3 with no profile at all.
        let p1 = r#"{"given_name":"A","family_name":"B","year_of_birth":1960,"sex":"female","safety":{"pregnancy":"no","diabetes":true,"anticoagulant":false,"reduced_sensation":["feet"]}}"#;
        let p2 = r#"{"given_name":"C","family_name":"D","year_of_birth":1970,"sex":"male","safety":{"pregnancy":null,"pregnancy_date":null,"anticoagulant":true,"bleeding_disorder":null,"implanted_device":false,"diabetes":false,"reduced_sensation":[],"platelets":null,"platelets_date":null,"chemotherapy":null,"lymphoedema":["left_arm"]}}"#;
        let p3 = r#"{"given_name":"E","family_name":"F","year_of_birth":1980,"sex":"other"}"#;
        sqlx::query(
            "INSERT INTO clinics (id, name, demo, created_at) VALUES (1, 'North Clinic', 0, '2026-01-01T00:00:00Z')",
        )
        .execute(&pool)
        .await
        .unwrap();
        for (id, data) in [(1, p1), (2, p2), (3, p3)] {
            sqlx::query("INSERT INTO records (id, clinic_id, kind, version, data, created_at, updated_at, public_id) VALUES (?, 1, 'patient', 1, ?, 'x', 'x', ?)")
                .bind(id)
                .bind(data)
                .bind(format!("{id:032x}"))
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES (?, 1, ?, 1, 'x')")
                .bind(id)
                .bind(data)
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    }
    let s = SqliteStore::open(path.to_str().unwrap(), KEY).await.unwrap();
    drop(s);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap();
    for table in ["records", "record_versions"] {
        let id_col = if table == "records" { "id" } else { "record_id" };
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!("SELECT {id_col}, data FROM {table} ORDER BY {id_col}"))
            .fetch_all(&pool)
            .await
            .unwrap();
        let profiles: Vec<acumen_domain::SafetyProfile> = rows
            .iter()
            .map(|(_, d)| {
                let v: serde_json::Value = serde_json::from_str(d).unwrap();
                serde_json::from_value(v["safety"].clone()).unwrap()
            })
            .collect();
        let no = acumen_domain::SafetyProfile::all_no();
        // Pregnancy is left as it was (null stays not recorded).
        assert_eq!(
            profiles[0],
            acumen_domain::SafetyProfile {
                diabetes: Some(true),
                reduced_sensation: Some(vec!["feet".into()]),
                ..no.clone()
            },
            "{table}"
        );
        assert_eq!(
            profiles[1],
            acumen_domain::SafetyProfile {
                pregnancy: None,
                anticoagulant: Some(true),
                lymphoedema: Some(vec!["left_arm".into()]),
                ..no.clone()
            },
            "{table}"
        );
        assert_eq!(profiles[1].not_recorded(), ["pregnancy"], "{table}");
        assert_eq!(
            profiles[2],
            acumen_domain::SafetyProfile {
                pregnancy: None,
                ..no.clone()
            },
            "{table}"
        );
    }
}
