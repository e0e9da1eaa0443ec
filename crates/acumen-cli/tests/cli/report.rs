//! `acumen report`: the answers of a demo clinic as JSON and HTML, trials
//! added to the evidence and pooled as metafor does, and clear refusals.

use std::process::Command;

use serde_json::Value;

fn acumen(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acumen"))
        .env(
            "ACUMEN_AUDIT_KEY",
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        )
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn report_of_a_demo_clinic_with_added_trials() {
    let dir = std::env::temp_dir().join(format!("acumen-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let db = db.to_str().unwrap();
    let (rc, _, err) = acumen(&["demo", "--db", db, "--patients", "40"]);
    assert_eq!(rc, 0, "{err}");

    // The same two trials the fixture script adds to Lu 2020 before metafor pools them.
    let trials = dir.join("added.csv");
    std::fs::write(
        &trials,
        "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,-2.0,2.1,30,-0.8,2.0,30\nB,-1.5,1.9,25,-1.0,1.8,24\n",
    )
    .unwrap();
    let (rc, out, err) = acumen(&[
        "report",
        "--db",
        db,
        "--format",
        "json",
        "--add-trials",
        trials.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    let a: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(a["simulated"], true);
    assert_eq!(a["questions"].as_array().unwrap().len(), 6);
    let works = &a["questions"][0];
    assert_eq!(works["clinic_figures"]["patients"], 40);
    let pool = &works["trial_evidence"]["bundled_pool"];
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/analytics_cases.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(pool["k"], 3);
    let want = fixture["evidence_pool"]["estimate"].as_f64().unwrap();
    assert!(
        (pool["estimate"].as_f64().unwrap() - want).abs() < 1e-6,
        "{pool} vs metafor {want}"
    );

    let html = dir.join("answers.html");
    let (rc, out, err) = acumen(&["report", "--db", db, "-o", html.to_str().unwrap()]);
    assert_eq!((rc, out.as_str()), (0, ""), "{err}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains("<svg") && page.contains("SIMULATED DATA"));
    assert!(
        !page.contains("<script") && !page.contains("http://cdn"),
        "self-contained"
    );

    // Refusals name the problem.
    let (rc, _, err) = acumen(&["report", "--db", dir.join("none.db").to_str().unwrap()]);
    assert_eq!(rc, 2);
    assert!(err.contains("no such database"), "{err}");
    std::fs::write(&trials, "study,m1i,sd1i\nA,1,x\n").unwrap();
    let (rc, _, err) = acumen(&["report", "--db", db, "--add-trials", trials.to_str().unwrap()]);
    assert_eq!(rc, 2);
    assert!(err.contains("added.csv") && err.contains("n1i"), "{err}");
    let (rc, _, err) = acumen(&["report", "--db", db, "--clinic", "99"]);
    assert_eq!(rc, 2);
    assert!(err.contains("no clinic 99"), "{err}");
}
