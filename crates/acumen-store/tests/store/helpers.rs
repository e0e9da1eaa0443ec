//! (Also included by the API tests of acumen-web, to run them on PostgreSQL.)
//!
//! The backends every conformance test runs against: a fresh SQLite file
//! always, and a fresh PostgreSQL database when `ACUMEN_TEST_PG_URL` names a
//! superuser connection (`.ci/run` starts a server and sets it; with
//! `ACUMEN_TEST_PG_REQUIRED=1` its absence fails the test instead of
//! skipping PostgreSQL).

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use acumen_store::{Actor, NewUser, PgStore, Placement, SqliteStore, Store};
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;

/// Where a new patient (or any record without a parent) hangs.
pub const NEW: Placement = Placement {
    patient_id: None,
    parent_id: None,
};

pub const KEY: &[u8] = b"conformance-audit-key-0123456789abcdef";

/// A store under test and what it is.
pub struct Backend {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    /// For PostgreSQL: the superuser options on the test database.
    pub pg_admin: Option<PgConnectOptions>,
    pub pg: Option<Arc<PgStore>>,
}

static N: AtomicU64 = AtomicU64::new(0);
/// Role creation is cluster-wide: migrations of parallel tests take turns.
pub static MIGRATE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        nanos % 100_000
    )
}

pub async fn sqlite() -> Backend {
    let dir = std::env::temp_dir().join(format!("acumen-store-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("t.db").to_str().unwrap(), KEY)
        .await
        .unwrap();
    Backend {
        name: "sqlite",
        store: Arc::new(store),
        pg_admin: None,
        pg: None,
    }
}

/// The superuser URL of the test server, if there is one.
pub fn pg_url() -> Option<String> {
    match std::env::var("ACUMEN_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("ACUMEN_TEST_PG_REQUIRED").as_deref() == Ok("1") {
                panic!("ACUMEN_TEST_PG_REQUIRED=1 but ACUMEN_TEST_PG_URL is not set");
            }
            eprintln!("PostgreSQL skipped: set ACUMEN_TEST_PG_URL=postgres://SUPERUSER@HOST:PORT/postgres");
            None
        }
    }
}

/// A fresh, migrated database and a store connected as the server login role.
pub async fn postgres(url: &str) -> Backend {
    postgres_with_key(url, KEY).await
}

/// As `postgres`, with the audit chain keyed by `key`.
pub async fn postgres_with_key(url: &str, key: &[u8]) -> Backend {
    let admin = PgConnectOptions::from_str(url).unwrap();
    let db = format!("acumen_t_{}", unique());
    let mut conn = admin.connect().await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let on_db = admin.clone().database(&db);
    {
        let _turn = MIGRATE.lock().await;
        let mut c = on_db.connect().await.unwrap();
        acumen_store::pg::MIGRATOR.run(&mut c).await.unwrap();
        sqlx::query(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'acumen_server') THEN \
             CREATE ROLE acumen_server LOGIN IN ROLE acumen_app; END IF; END $$",
        )
        .execute(&mut c)
        .await
        .unwrap();
    }
    let server = on_db.clone().username("acumen_server");
    let server_url = format!(
        "postgres://acumen_server@{}:{}/{db}",
        server.get_host(),
        server.get_port()
    );
    let store = Arc::new(PgStore::open(&server_url, key).await.unwrap());
    Backend {
        name: "postgres",
        store: store.clone(),
        pg_admin: Some(on_db),
        pg: Some(store),
    }
}

/// Every backend available here, each fresh.
pub async fn backends() -> Vec<Backend> {
    let mut v = vec![sqlite().await];
    if let Some(url) = pg_url() {
        v.push(postgres(&url).await);
    }
    v
}

/// A clinic with a practitioner; returns the practitioner as an actor.
pub async fn clinic_with_practitioner(s: &dyn Store, name: &str) -> Actor {
    let c = s.create_clinic(name, false).await.unwrap();
    let u = s
        .create_user(NewUser {
            clinic_id: c.id,
            email: format!("doc@{}.test", name.to_lowercase().replace(' ', "-")),
            name: "Doc".into(),
            role: "practitioner".into(),
            password_hash: "$argon2id$not-a-real-hash".into(),
            patient_id: None,
        })
        .await
        .unwrap();
    Actor {
        user_id: u.id,
        role: u.role,
        clinic_id: c.id,
    }
}

/// Drops every connection of the server role to the test database, as a
/// database restart does, and waits until they are gone.
pub async fn drop_server_connections(admin: &PgConnectOptions) {
    let db = admin.get_database().unwrap().to_string();
    let mut c = admin.connect().await.unwrap();
    let sql = "FROM pg_stat_activity WHERE datname = $1 AND usename = 'acumen_server'";
    let dropped: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) {sql}) t"
    ))
    .bind(&db)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert!(dropped >= 1, "the server had connections open");
    for _ in 0..250 {
        let left: i64 = sqlx::query_scalar(&format!("SELECT count(*) {sql}"))
            .bind(&db)
            .fetch_one(&mut c)
            .await
            .unwrap();
        if left == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the server's connections did not go");
}
