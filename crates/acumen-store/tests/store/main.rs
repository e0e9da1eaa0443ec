//! The storage conformance suite: every test runs against every backend
//! (SQLite always; PostgreSQL when `ACUMEN_TEST_PG_URL` is set, as in `.ci/run`).

mod helpers;

mod accounts;
mod audit;
mod corrections;
mod follow_up;
mod generations;
mod postgres;
mod projects;
mod records;
mod research_privacy;
mod upgrade;

/// Every conformance test above runs on SQLite and, where a server is given,
/// on PostgreSQL; this line says in the summary when PostgreSQL was skipped.
#[test]
#[cfg_attr(
    not(pg_tests),
    ignore = "needs PostgreSQL: the conformance suite ran on SQLite only; set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
)]
fn postgres_backend_is_tested() {
    assert!(
        helpers::pg_url().is_some(),
        "built for PostgreSQL tests but ACUMEN_TEST_PG_URL is not set"
    );
}
