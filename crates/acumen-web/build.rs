//! Sets `cfg(pg_tests)` when `ACUMEN_TEST_PG_URL` is set at build time, so
//! that the PostgreSQL tests run there and are listed as "ignored" (with the
//! reason) where no PostgreSQL server was given, instead of passing silently;
//! and `cfg(smtp_tests)` when `ACUMEN_TEST_SMTP` is set (a real SMTP server,
//! aiosmtpd from PyPI, is started by the follow-up tests).
fn main() {
    println!("cargo:rerun-if-env-changed=ACUMEN_TEST_PG_URL");
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    if std::env::var("ACUMEN_TEST_PG_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo:rustc-cfg=pg_tests");
    }
    println!("cargo:rerun-if-env-changed=ACUMEN_TEST_SMTP");
    println!("cargo::rustc-check-cfg=cfg(smtp_tests)");
    if std::env::var("ACUMEN_TEST_SMTP").is_ok_and(|u| !u.is_empty() && u != "0") {
        println!("cargo:rustc-cfg=smtp_tests");
    }
}
