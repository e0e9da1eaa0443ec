//! Sets `cfg(pg_tests)` when `ACUMEN_TEST_PG_URL` is set at build time, so
//! that the PostgreSQL tests run there and are listed as "ignored" (with the
//! reason) where no PostgreSQL server was given, instead of passing silently.
fn main() {
    println!("cargo:rerun-if-env-changed=ACUMEN_TEST_PG_URL");
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    if std::env::var("ACUMEN_TEST_PG_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo:rustc-cfg=pg_tests");
    }
}
