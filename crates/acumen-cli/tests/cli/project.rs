//! `acumen project`: the bundled project offline (metafor's numbers from
//! acumen-evidence's fixtures), the changelog against another version's
//! file, the metafor script, the import preview, and bad input in one line.

use std::process::Command;

use serde_json::Value;

fn acumen(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acumen")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn fixture(name: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!(
        "../../../acumen-evidence/tests/evidence/fixtures/project_fixtures.json"
    ))
    .unwrap();
    all[name].clone()
}

#[test]
fn the_bundled_project_offline_with_its_changelog_and_script() {
    let (rc, out, err) = acumen(&["project", "--bundled", "--format", "json"]);
    assert_eq!(rc, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["hash"],
        acumen_evidence::version::version_hash(acumen_evidence::bundled::bundled())
    );
    let (b, want) = (
        v["analysis"]["fit"]["b"][0].as_f64().unwrap(),
        fixture("all")["b"].as_f64().unwrap(),
    );
    assert!((b - want).abs() < 1e-7, "{b} vs metafor {want}");

    // An edited copy: the changelog against the bundled version, and the script.
    let dir = std::env::temp_dir().join(format!("acumen-project-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = serde_json::to_value(acumen_evidence::bundled::bundled()).unwrap();
    c["trials"][0]["row"]["n1i"] = "18".into();
    let file = dir.join("edited.json");
    std::fs::write(&file, c.to_string()).unwrap();
    let script = dir.join("edited.R");
    let (rc, out, err) = acumen(&[
        "project",
        file.to_str().unwrap(),
        "--against",
        "bundled",
        "--r-script",
        script.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        out.contains("pooled SMD −0.02 → −0.01; certainty unchanged: very low"),
        "{out}"
    );
    assert!(out.contains("GRADE: certainty very low"), "{out}");
    assert!(std::fs::read_to_string(&script).unwrap().contains("library(metafor)"));

    // Leave one out, from the sensitivity reruns.
    let (rc, out, _) = acumen(&["project", "--bundled", "--subset", "without:Lu2020"]);
    assert_eq!(rc, 0);
    assert!(out.contains("pooled SMD 0.378"), "{out}");
}

#[test]
fn bad_input_is_one_line_naming_what_to_change() {
    let dir = std::env::temp_dir().join(format!("acumen-project-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = serde_json::to_value(acumen_evidence::bundled::bundled()).unwrap();
    c["trials"][1]["risk"] = "low".into();
    let file = dir.join("unknown.json");
    std::fs::write(&file, c.to_string()).unwrap();
    let (rc, _, err) = acumen(&["project", file.to_str().unwrap()]);
    assert_eq!(rc, 2);
    assert!(
        err.starts_with("error: ") && err.contains("unknown.json: trials[1].risk: unknown field `risk`"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    let (rc, _, err) = acumen(&["project", "--bundled", "--subset", "best"]);
    assert_eq!(rc, 2);
    assert!(err.contains("--subset: 'best' is not a subset"), "{err}");
    let csv = dir.join("trials.csv");
    std::fs::write(&csv, "study,citation,yi,vi\nA,A et al.,-0.5,x\n").unwrap();
    let (rc, out, _) = acumen(&["project", "--import", csv.to_str().unwrap()]);
    assert_eq!(rc, 0);
    assert!(
        out.contains("0 trial(s) read") && out.contains("trials.csv: row 1, vi: 'x' is not a number"),
        "{out}"
    );
}
