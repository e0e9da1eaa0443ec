//! Storage guarantees: pragmas, the audit chain detecting an edited row, a
//! deleted row and a deleted tail, and (PostgreSQL) a 503 while the database
//! is gone, then writes again.

use acumen_store::audit::{verify, Verdict};
use acumen_store::Store;

use crate::helpers::*;

#[tokio::test]
async fn sqlite_is_durable_and_checks_foreign_keys() {
    let app = spawn().await;
    let pool = app.sqlite().write_pool();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(pool).await.unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(pool).await.unwrap();
    assert_eq!(fk, 1);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn audit_chain_detects_edits_deletions_and_truncation() {
    let app = spawn().await;
    let doc = app.login("doc@north.test").await;
    for n in ["A", "B", "C"] {
        doc.post(app.url("/patients"))
            .json(&patient_json(n))
            .send()
            .await
            .unwrap();
    }
    let check = |app: &TestApp| {
        let store = app.sqlite.clone().expect("an SQLite test app");
        async move {
            let entries = store.audit_log(None).await.unwrap();
            verify(KEY, &entries, store.read_checkpoint())
        }
    };
    let n = match check(&app).await {
        Verdict::Intact { entries } => entries,
        v => panic!("fresh chain should verify: {v:?}"),
    };
    assert_eq!(n, 4, "the login and three creates are audited");
    let pool = app.sqlite().write_pool();
    // An edited row.
    sqlx::query("UPDATE audit SET action = 'read' WHERE id = 3")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(check(&app).await, Verdict::Broken { id: 3 });
    // A deleted row in the middle.
    let app2 = spawn().await;
    let doc2 = app2.login("doc@north.test").await;
    for n in ["A", "B"] {
        doc2.post(app2.url("/patients"))
            .json(&patient_json(n))
            .send()
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM audit WHERE id = 2")
        .execute(app2.sqlite().write_pool())
        .await
        .unwrap();
    assert_eq!(check(&app2).await, Verdict::Broken { id: 3 });
    // A deleted tail: the checkpoint outside the database notices.
    let app3 = spawn().await;
    let doc3 = app3.login("doc@north.test").await;
    doc3.post(app3.url("/patients"))
        .json(&patient_json("A"))
        .send()
        .await
        .unwrap();
    let last: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit")
        .fetch_one(app3.sqlite().write_pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit WHERE id = ?")
        .bind(last)
        .execute(app3.sqlite().write_pool())
        .await
        .unwrap();
    assert_eq!(
        check(&app3).await,
        Verdict::TailMissing {
            expected_head: last,
            found_head: last - 1
        }
    );
}

#[tokio::test]
async fn sessions_end_after_30_idle_minutes() {
    let app = spawn().await;
    let north = app.store.clinic_by_code("north-clinic").await.unwrap();
    let user = app.store.user_by_email(north.id, "doc@north.test").await.unwrap();
    app.store.create_session("h1", user.id, 1_000).await.unwrap();
    assert!(app
        .store
        .session_user("h1", 1_000 + 29 * 60, 30 * 60, 12 * 3600)
        .await
        .is_ok());
    // Refreshed at 29 minutes: still alive 29 minutes later, gone after 31 idle minutes.
    assert!(app
        .store
        .session_user("h1", 1_000 + 58 * 60, 30 * 60, 12 * 3600)
        .await
        .is_ok());
    assert!(app
        .store
        .session_user("h1", 1_000 + 89 * 60, 30 * 60, 12 * 3600)
        .await
        .is_err());
}

#[tokio::test]
async fn openapi_describes_every_body() {
    let app = spawn().await;
    let spec: serde_json::Value = reqwest::get(app.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let text = spec.to_string();
    // Every reference resolves.
    for part in text.split("#/components/schemas/").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(schemas.contains_key(&name), "unresolved schema {name}");
    }
    let paths = spec["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 53);
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if method == "post" || method == "put" {
                let bodiless = [
                    "/api/v1/auth/logout",
                    "/api/v1/users/{id}/reset-link",
                    "/api/v1/admin/outbox/run",
                    "/api/v1/versions/{hash}/review",
                    "/api/v1/versions/{hash}/publish",
                ];
                assert!(
                    op["requestBody"].is_object() || bodiless.contains(&path.as_str()),
                    "{method} {path} has no request body"
                );
            }
            for (code, resp) in op["responses"].as_object().unwrap() {
                assert!(
                    code == "204" || resp["content"].is_object(),
                    "{method} {path} {code} has no body schema"
                );
            }
        }
    }
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
async fn a_write_the_database_cannot_take_is_503_with_retry_after_and_the_next_succeeds() {
    let Some(app) = spawn_pg().await else { return };
    let doc = app.login("doc@north.test").await;
    store_helpers::drop_server_connections(app.pg_admin.as_ref().unwrap()).await;
    let r = doc
        .post(app.url("/patients"))
        .json(&patient_json("A"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let refusal = body(r).await;
    assert_eq!(refusal["error"], "unavailable");
    assert!(
        !refusal.to_string().contains("pg_"),
        "no database detail reaches the client: {refusal}"
    );
    let r = doc
        .post(app.url("/patients"))
        .json(&patient_json("B"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let list = body(doc.get(app.url("/patients")).send().await.unwrap()).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "only the acknowledged write is there"
    );
}

/// The document served is the one committed in `docs/openapi.json`, so a
/// change to the API shows as a diff in review. Write it anew with
/// `ACUMEN_BLESS_OPENAPI=1 cargo test -p acumen-web --test api openapi_document`.
#[tokio::test]
async fn openapi_document_is_the_committed_one() {
    let app = spawn().await;
    let served: serde_json::Value = reqwest::get(app.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("ACUMEN_BLESS_OPENAPI").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&served).unwrap() + "\n").unwrap();
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("docs/openapi.json is committed")).unwrap();
    assert!(
        served == committed,
        "the served OpenAPI document differs from docs/openapi.json; if the change is meant, bless it (see the test's doc)"
    );
}
