//! What only PostgreSQL adds: row-level security under the server role, the
//! privileges each role holds, and a server role that may not own the tables.

use acumen_store::PgStore;
use serde_json::json;
use std::str::FromStr;

use sqlx::{ConnectOptions, Connection};

use crate::helpers::{clinic_with_practitioner, drop_server_connections, pg_url, postgres, unique, KEY, MIGRATE, NEW};

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
async fn row_level_security_limits_the_server_role_to_the_named_clinic() {
    let Some(url) = pg_url() else { return };
    let b = postgres(&url).await;
    let s = b.store.as_ref();
    let north = clinic_with_practitioner(s, "North").await;
    let south = clinic_with_practitioner(s, "South").await;
    let at = NEW;
    for actor in [&north, &north, &south] {
        s.insert_record(actor, "patient", at, json!({"given_name": "P"}), None)
            .await
            .unwrap();
    }
    let pool = b.pg.as_ref().unwrap().pool();
    let count = |clinic: Option<i64>| async move {
        let mut tx = pool.begin().await.unwrap();
        if let Some(c) = clinic {
            sqlx::query("SELECT set_config('acumen.clinic_id', $1, true)")
                .bind(c.to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        // No clinic condition in the query: only the policy filters.
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM records")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let v: i64 = sqlx::query_scalar("SELECT count(*) FROM record_versions")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        (n, v)
    };
    assert_eq!(count(None).await, (0, 0));
    assert_eq!(count(Some(north.clinic_id)).await, (2, 2));
    assert_eq!(count(Some(south.clinic_id)).await, (1, 1));
    // Writing a row for another clinic than the one named is refused by the policy.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('acumen.clinic_id', $1, true)")
        .bind(north.clinic_id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query(
        "INSERT INTO records (clinic_id, kind, version, data, created_at, updated_at) VALUES ($1, 'patient', 1, '{}', '', '')",
    )
    .bind(south.clinic_id)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
async fn the_server_cannot_delete_or_rewrite_history_and_research_sees_only_views() {
    let Some(url) = pg_url() else { return };
    let b = postgres(&url).await;
    let s = b.store.as_ref();
    let doc = clinic_with_practitioner(s, "North").await;
    let at = NEW;
    s.insert_record(&doc, "patient", at, json!({"given_name": "P"}), None)
        .await
        .unwrap();
    let pool = b.pg.as_ref().unwrap().pool();
    for sql in [
        "DELETE FROM records",
        "DELETE FROM record_versions",
        "UPDATE audit SET action = 'nothing'",
        "DELETE FROM audit",
        "TRUNCATE audit",
        "DROP TABLE audit",
    ] {
        let err = sqlx::query(sql).execute(pool).await.unwrap_err().to_string();
        assert!(
            err.contains("permission denied") || err.contains("must be owner"),
            "{sql}: {err}"
        );
    }
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE acumen_research")
        .execute(&mut *tx)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM research_courses")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let err = sqlx::query("SELECT count(*) FROM records")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
async fn the_server_refuses_to_run_as_the_table_owner_or_on_an_unmigrated_database() {
    let Some(url) = pg_url() else { return };
    let b = postgres(&url).await;
    let admin = b.pg_admin.clone().unwrap();
    let owner_url = format!(
        "postgres://{}@{}:{}/{}",
        admin.get_username(),
        admin.get_host(),
        admin.get_port(),
        admin.get_database().unwrap()
    );
    let err = PgStore::open(&owner_url, KEY).await.err().unwrap().to_string();
    assert!(err.contains("does not own the tables"), "{err}");
    let mut c = admin.connect().await.unwrap();
    let empty = format!("{}_empty", admin.get_database().unwrap());
    sqlx::query(&format!("CREATE DATABASE {empty}"))
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let err = PgStore::open(
        &format!(
            "postgres://acumen_server@{}:{}/{empty}",
            admin.get_host(),
            admin.get_port()
        ),
        KEY,
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("acumen admin migrate"), "{err}");
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
async fn an_owner_that_is_not_a_superuser_migrates_as_docs_operations_says() {
    let Some(url) = pg_url() else { return };
    let admin = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap();
    let db = format!("acumen_owner_{}", unique());
    let (host, port) = (admin.get_host().to_string(), admin.get_port());
    {
        let _turn = MIGRATE.lock().await;
        let mut c = admin.connect().await.unwrap();
        sqlx::query(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'acumen_owner_t') THEN \
             CREATE ROLE acumen_owner_t LOGIN CREATEROLE; END IF; \
             IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'acumen_server') THEN \
             CREATE ROLE acumen_server LOGIN; END IF; END $$",
        )
        .execute(&mut c)
        .await
        .unwrap();
        sqlx::query(&format!("CREATE DATABASE {db} OWNER acumen_owner_t"))
            .execute(&mut c)
            .await
            .unwrap();
        PgStore::migrate(&format!("postgres://acumen_owner_t@{host}:{port}/{db}"))
            .await
            .unwrap();
        sqlx::query("GRANT acumen_app TO acumen_server")
            .execute(&mut c)
            .await
            .unwrap();
    }
    let store = PgStore::open(&format!("postgres://acumen_server@{host}:{port}/{db}"), KEY)
        .await
        .unwrap();
    let doc = clinic_with_practitioner(&store, "North").await;
    let at = NEW;
    let (p, _) = acumen_store::Store::insert_record(&store, &doc, "patient", at, json!({}), None)
        .await
        .unwrap();
    assert_eq!(
        acumen_store::Store::record(&store, &doc, "patient", p.id)
            .await
            .unwrap()
            .id,
        p.id
    );
    let agg = acumen_store::Store::research_aggregates(&store, 1).await.unwrap();
    assert_eq!(agg["cells"].as_array().unwrap().len(), 0);
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
async fn after_the_database_drops_the_servers_connections_writes_resume() {
    let Some(url) = pg_url() else { return };
    let b = postgres(&url).await;
    let s = b.store.as_ref();
    let doc = clinic_with_practitioner(s, "North").await;
    let at = NEW;
    // What a restart does to the server: every connection of its role dropped.
    drop_server_connections(b.pg_admin.as_ref().unwrap()).await;
    let mut written = 0;
    for i in 0..3 {
        match s.insert_record(&doc, "patient", at, json!({"i": i}), None).await {
            Ok(_) => written += 1,
            // The write that found the connection gone: refused as unavailable, nothing written.
            Err(e) => assert!(e.is_unavailable(), "{e}"),
        }
    }
    // One write meets the dropped connection; the writer reconnects for the next.
    assert_eq!(written, 2);
    assert_eq!(s.patients(&doc, "").await.unwrap().len(), written);
    let log = s.audit_log(Some(doc.clinic_id)).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "create").count(), written);
}
