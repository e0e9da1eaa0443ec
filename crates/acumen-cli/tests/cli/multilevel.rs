//! `acumen meta --random`: a multilevel fit with cluster-robust tests
//! through the command line (metafor's numbers from fixtures/mv_cases.json),
//! the readable report, and bad input answered in one line naming what to
//! change.

use std::io::Write;
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

fn data(name: &str) -> String {
    format!("{}/../../fixtures/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn case(name: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!("../../../../fixtures/mv_cases.json")).unwrap();
    all.as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["expected"].clone()
}

#[test]
fn cr2_through_the_command_line_gives_clubsandwichs_numbers() {
    let file = data("assink2016.csv");
    let (rc, out, err) = acumen(&[
        "meta",
        &file,
        "--random",
        "~ 1 | study/esid",
        "--robust",
        "study",
        "--cr",
        "CR2",
        "--format",
        "json",
    ]);
    assert_eq!(rc, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let want = case("assink_cr2");
    for (path, tol) in [
        ("/fit/sigma2/0", 1e-5),
        ("/fit/sigma2/1", 1e-5),
        ("/robust/se/0", 1e-5),
        ("/robust/ddf/0", 1e-4),
    ] {
        let (a, e) = (
            v.pointer(path).unwrap().as_f64().unwrap(),
            want.pointer(path).unwrap().as_f64().unwrap(),
        );
        assert!((a - e).abs() <= tol * e.abs(), "{path}: {a} vs metafor {e}");
    }
    assert_eq!(v["provenance"]["model"], "rma.mv");
    let (rc, text, _) = acumen(&["meta", &file, "--random", "~ 1 | study/esid", "--robust", "study"]);
    assert_eq!(rc, 0);
    assert!(
        text.contains("Multivariate Meta-Analysis Model (k = 100; method: REML)"),
        "{text}"
    );
    assert!(
        text.contains("Cluster-Robust Inference (CR1; 17 clusters of 'study')"),
        "{text}"
    );
}

#[test]
fn two_outcomes_per_trial_with_the_published_v_and_an_unstructured_g() {
    let (rc, out, err) = acumen(&[
        "meta",
        &data("berkey1998.csv"),
        "--V",
        &data("berkey1998_V.csv"),
        "--mods",
        "~ outcome - 1",
        "--random",
        "~ outcome | trial",
        "--struct",
        "UN",
        "--format",
        "json",
    ]);
    assert_eq!(rc, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let want = case("berkey_un");
    for path in ["/fit/tau2/0", "/fit/tau2/1", "/fit/rho/0", "/fit/b/0", "/fit/se/1"] {
        let (a, e) = (
            v.pointer(path).unwrap().as_f64().unwrap(),
            want.pointer(path).unwrap().as_f64().unwrap(),
        );
        assert!((a - e).abs() <= 1e-4 * e.abs(), "{path}: {a} vs metafor {e}");
    }
    assert_eq!(v["fit"]["struct"], "UN");
}

#[test]
fn robust_tests_of_an_rma_uni_fit() {
    let (rc, out, err) = acumen(&[
        "meta",
        &data("bcg_yivi.csv"),
        "--mods",
        "~ ablat",
        "--robust",
        "alloc",
        "--cr",
        "CR2",
        "--format",
        "json",
    ]);
    assert_eq!(rc, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let want = case("uni_bcg_ablat_cr2");
    for path in ["/robust/se/1", "/robust/ddf/1", "/robust/pval/1"] {
        let (a, e) = (
            v.pointer(path).unwrap().as_f64().unwrap(),
            want.pointer(path).unwrap().as_f64().unwrap(),
        );
        assert!((a - e).abs() <= 1e-5 * e.abs(), "{path}: {a} vs clubSandwich {e}");
    }
    let (rc, text, _) = acumen(&["meta", &data("bcg_yivi.csv"), "--mods", "~ ablat", "--robust", "alloc"]);
    assert_eq!(rc, 0);
    assert!(
        text.contains("Cluster-Robust Inference (CR1; 3 clusters of 'alloc')"),
        "{text}"
    );
}

#[test]
fn bad_multilevel_input_is_one_line_naming_what_to_change() {
    let file = data("assink2016.csv");
    let holes_path = std::env::temp_dir().join(format!("acumen-mv-holes-{}.csv", std::process::id()));
    let mut f = std::fs::File::create(&holes_path).unwrap();
    writeln!(
        f,
        "study,esid,yi,vi\n1,1,0.2,0.01\n1,2,0.3,0.02\n,3,0.1,0.03\n2,1,0.4,0.02\n3,1,0.1,0.05"
    )
    .unwrap();
    let holes = holes_path.to_str().unwrap().to_string();
    let bad_v_path = std::env::temp_dir().join(format!("acumen-mv-badv-{}.csv", std::process::id()));
    std::fs::write(&bad_v_path, "row_i,row_j,cov\n1,1,0.02\n1,2,abc\n").unwrap();
    let bad_v = bad_v_path.to_str().unwrap().to_string();
    for (args, says) in [
        (
            vec![file.as_str(), "--random", "~ log(esid) | study"],
            "must be one column name",
        ),
        (
            vec![file.as_str(), "--random", "~ 1 | study", "--struct", "UN"],
            "applies to a ~ inner | outer term",
        ),
        (
            vec![file.as_str(), "--random", "~ esid | study", "--struct", "AR1"],
            "use CS, HCS, UN, ID or DIAG",
        ),
        (
            vec![file.as_str(), "--random", "~ 1 | study", "--V", bad_v.as_str()],
            "row 3, field cov",
        ),
        (vec![file.as_str(), "--random", "1 | study"], "must start with ~"),
        (vec![file.as_str(), "--random", "~ 1 | nosuch"], "nosuch"),
        (
            vec![
                file.as_str(),
                "--random",
                "~ 1 | study/esid",
                "--robust",
                "esid",
                "--cr",
                "CR2",
            ],
            "not nested within 'esid'",
        ),
        (
            vec![
                file.as_str(),
                "--random",
                "~ 1 | study/esid",
                "--robust",
                "study",
                "--cr",
                "CR3",
            ],
            "use CR1 or CR2",
        ),
        (
            vec![file.as_str(), "--random", "~ 1 | study/esid", "--rho", "0.5"],
            "--V-cluster",
        ),
        (
            vec![
                file.as_str(),
                "--random",
                "~ 1 | study/esid",
                "--V-cluster",
                "study",
                "--rho",
                "1.5",
            ],
            "[-1, 1]",
        ),
        (
            vec![file.as_str(), "--random", "~ 1 | study/esid", "--sigma2", "0.1"],
            "2 components",
        ),
        (
            vec![file.as_str(), "--random", "~ 1 | study/esid", "--sigma2", "0.1,x"],
            "neither a number nor NA",
        ),
        (
            vec![file.as_str(), "--random", "~ 1 | study/esid", "--method", "DL"],
            "REML or ML",
        ),
        (
            vec![file.as_str(), "--random", "~ 1 | study/esid", "--leave1out"],
            "does not apply to a multilevel model",
        ),
        (vec![file.as_str(), "--cr", "CR2"], "--cr needs --robust COL"),
        (
            vec![file.as_str(), "--tau2", "0.1,NA"],
            "an rma.uni model takes one number",
        ),
        (
            vec![
                file.as_str(),
                "--random",
                "~ esid | study",
                "--struct",
                "UN",
                "--rho",
                "0.5",
            ],
            "fix every tau^2 too",
        ),
        (
            vec![
                file.as_str(),
                "--random",
                "~ esid | study",
                "--struct",
                "DIAG",
                "--rho",
                "0.5",
            ],
            "has no correlation to fix",
        ),
        (
            vec![file.as_str(), "--robust", "study", "--test", "knha"],
            "z or t test",
        ),
        (
            vec![holes.as_str(), "--random", "~ 1 | esid", "--robust", "study"],
            "row 3",
        ),
    ] {
        let mut full = vec!["meta"];
        full.extend(args.iter().copied());
        let (rc, out, err) = acumen(&full);
        assert_ne!(rc, 0, "{args:?} should fail: {out}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line, got {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
