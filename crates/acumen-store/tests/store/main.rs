//! The storage conformance suite: every test runs against every backend
//! (SQLite always; PostgreSQL when `ACUMEN_TEST_PG_URL` is set, as in `.ci/run`).

mod helpers;

mod accounts;
mod audit;
mod postgres;
mod records;
mod research_privacy;
mod upgrade;
