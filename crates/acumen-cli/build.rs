//! Sets `cfg(pg_tests)` when `ACUMEN_TEST_PG_URL` is set at build time, and
//! `cfg(browser_tests)` when `ACUMEN_TEST_BROWSER=1` is (Chromium and the e2e
//! packages installed), so that those tests run there and are listed as
//! "ignored" (with the reason) elsewhere, instead of passing silently or
//! failing for want of a browser; and `cfg(smtp_tests)` when
//! `ACUMEN_TEST_SMTP` is set (aiosmtpd installed); and `cfg(r_tests)` when
//! `ACUMEN_TEST_R=1` is (R with metafor installed). `.ci/run` sets all four.
fn main() {
    println!("cargo:rerun-if-env-changed=ACUMEN_TEST_PG_URL");
    println!("cargo:rerun-if-env-changed=ACUMEN_TEST_BROWSER");
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rustc-check-cfg=cfg(browser_tests)");
    if std::env::var("ACUMEN_TEST_BROWSER").is_ok_and(|v| v == "1") {
        println!("cargo:rustc-cfg=browser_tests");
    }
    if std::env::var("ACUMEN_TEST_PG_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo:rustc-cfg=pg_tests");
    }
    println!("cargo:rerun-if-env-changed=ACUMEN_TEST_SMTP");
    println!("cargo::rustc-check-cfg=cfg(smtp_tests)");
    if std::env::var("ACUMEN_TEST_SMTP").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo:rustc-cfg=smtp_tests");
    }
    println!("cargo:rerun-if-env-changed=ACUMEN_TEST_R");
    println!("cargo::rustc-check-cfg=cfg(r_tests)");
    if std::env::var("ACUMEN_TEST_R").is_ok_and(|v| v == "1") {
        println!("cargo:rustc-cfg=r_tests");
    }
}
