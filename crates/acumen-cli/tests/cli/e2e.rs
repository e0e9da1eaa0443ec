//! The pages in a real browser: starts `acumen serve` on a fresh demo
//! database and runs `e2e/run.mjs` (Playwright driving Debian's headless
//! Chromium, axe-core on every page). Needs `chromium` and `e2e/node_modules`:
//! `.ci/run` installs both (`apt-get install -y chromium`, `npm ci --prefix e2e`)
//! and sets `ACUMEN_TEST_BROWSER=1`; without it the test is listed as ignored.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs Chromium and the e2e packages: set ACUMEN_TEST_BROWSER=1 when building and running (.ci/run does)"
)]
fn clinic_day_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists() && root().join("e2e/node_modules/playwright-core").exists(),
        "the browser tests need Chromium and the e2e packages: apt-get install -y chromium && npm ci --prefix e2e (as .ci/run does)"
    );
    let dir = std::env::temp_dir().join(format!("acumen-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let bin = env!("CARGO_BIN_EXE_acumen");
    let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let ok = Command::new(bin)
        .args(["demo", "--db", db.to_str().unwrap(), "--patients", "12"])
        .env("ACUMEN_AUDIT_KEY", key)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(bin)
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("ACUMEN_AUDIT_KEY", key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let up = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let out = up.then(|| {
        Command::new("node")
            .arg(root().join("e2e/run.mjs"))
            .arg(format!("http://127.0.0.1:{port}"))
            .env("CHROMIUM", &chromium)
            .output()
            .unwrap()
    });
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.expect("the server did not start");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("e2e ok"), "{stdout}");
}
