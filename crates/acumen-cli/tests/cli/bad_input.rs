//! Bad input: a one-line error naming the file, row and column, exit code 2,
//! never a panic.

use std::process::Command;

fn run(csv: &str, args: &[&str]) -> (i32, String) {
    // One file per input: the tests of this module run in parallel.
    let name = format!("in{:016x}", {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (csv, args).hash(&mut h);
        h.finish()
    });
    let out = crate::helpers::run_meta_csv("bad", &name, csv, args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    (out.status.code().unwrap_or(-1), err)
}

fn assert_error(csv: &str, args: &[&str], needles: &[&str]) {
    let (code, err) = run(csv, args);
    assert_eq!(code, 2, "exit code for {args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "error {err:?} should mention {n:?}");
    }
}

const MEANS: &str = "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,1,1,10,0,1,10\nB,2,1,12,1,1.5,11\n";

#[test]
fn missing_or_misspelled_column() {
    assert_error(
        "study,m1i,sd1i,n1i,m2i,sd_2i,n2i\nA,1,1,10,0,1,10\n",
        &["--measure", "SMD"],
        &[".csv", "sd2i"],
    );
    assert_error("study,effect,var\nA,1,0.1\n", &[], &["yi", "vi (or sei)"]);
}

#[test]
fn text_in_a_number_field() {
    assert_error(
        &MEANS.replace("B,2,1,12", "B,2,1,twelve"),
        &["--measure", "SMD"],
        &["row 2", "n1i", "twelve", "not a number"],
    );
}

#[test]
fn impossible_values() {
    assert_error(
        &MEANS.replace("A,1,1,10", "A,1,1,1"),
        &["--measure", "SMD"],
        &["row 1", "n1i", ">= 2"],
    );
    assert_error(
        &MEANS.replace("B,2,1,12,1,1.5", "B,2,1,12,1,0"),
        &["--measure", "MD"],
        &["row 2", "sd2i", "> 0"],
    );
    assert_error("study,yi,vi\nA,0.1,0.02\nB,0.3,-0.01\n", &[], &["row 2", "vi", ">= 0"]);
    assert_error(
        "study,xi,ni\nA,3,10\nB,12,10\n",
        &["--measure", "PR"],
        &["row 2", "xi", "[0, 1]"],
    );
    assert_error(
        "study,ri,ni\nA,1.3,20\n",
        &["--measure", "ZCOR"],
        &["row 1", "ri", "[-1, 1]"],
    );
}

#[test]
fn unknown_options() {
    assert_error(MEANS, &["--measure", "HEDGES"], &["measure", "HEDGES", "SMD"]);
    assert_error(
        MEANS,
        &["--measure", "SMD", "--method", "BAYES"],
        &["method", "BAYES", "REML"],
    );
    assert_error(
        MEANS,
        &["--measure", "SMD", "--mods", "~ dose"],
        &["dose", "unknown column"],
    );
    assert_error(MEANS, &["--measure", "SMD", "--test", "f"], &["test", "knha"]);
}

#[test]
fn nothing_left_to_fit() {
    assert_error("study,yi,vi\nA,,0.1\nB,NA,0.2\n", &[], &["k = 0", "missing yi"]);
    assert_error("study,yi,vi\n", &[], &["k = 0"]);
}

#[test]
fn non_convergence_is_an_error() {
    let csv = std::fs::read_to_string(crate::helpers::root().join("fixtures/data/bcg_yivi.csv")).unwrap();
    assert_error(
        &csv,
        &["--method", "DLIT", "--maxiter", "5"],
        &["did not converge", "--maxiter"],
    );
}

#[test]
fn wrong_separators() {
    assert_error("study;yi;vi\nA;0,1;0,02\n", &[], &["';'", "comma-separated"]);
    assert_error("study,yi,vi\nA,\"0,1\",0.02\n", &[], &["row 1", "yi", "decimal comma"]);
    assert_error("study,yi,vi\nA,0.1\n", &[], &["row 1", "fields"]);
}

#[test]
fn byte_order_mark_is_accepted() {
    let (code, err) = run("\u{feff}study,yi,vi\nA,0.1,0.02\nB,0.3,0.01\n", &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn diagnostics_that_do_not_apply() {
    let yivi = "study,yi,vi,x\nA,0.1,0.02,1\nB,0.3,0.01,2\nC,-0.2,0.05,3\nD,0.4,0.03,4\n";
    assert_error(
        "study,yi,vi\nA,0.1,0.02\n",
        &["--permutations", "exact"],
        &["permutation", "k = 1"],
    );
    assert_error(
        yivi,
        &["--mods", "~ x", "--trimfill"],
        &["trim-and-fill", "without moderators"],
    );
    assert_error(
        yivi,
        &["--mods", "~ x", "--leave1out"],
        &["leave-one-out", "without moderators"],
    );
    assert_error(MEANS, &["--measure", "SMD", "--method", "MH"], &["MH", "OR, RR or RD"]);
    assert_error(MEANS, &["--measure", "SMD", "--method", "PETO"], &["PETO"]);
    assert_error(yivi, &["--method", "MH"], &["--measure"]);
    assert_error(yivi, &["--permutations", "many"], &["permutations", "exact"]);
    assert_error(yivi, &["--mods", "~ x", "--wald", "7"], &["--wald", "coefficient"]);
    assert_error(
        yivi,
        &["--mods", "~ x", "--reduced-mods", "~ x"],
        &["same number of parameters"],
    );
}

#[test]
fn forest_plot_prints_the_fitted_numbers() {
    let dir = std::env::temp_dir().join(format!("acumen-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("f.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_acumen"))
        .args([
            "meta",
            crate::helpers::root().join("examples/bcg.csv").to_str().unwrap(),
            "--measure",
            "RR",
        ])
        .args(["--forest", svg.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = std::fs::read_to_string(&svg).unwrap();
    let (b, lb, ub) = (
        j["fit"]["b"][0].as_f64().unwrap(),
        j["fit"]["ci_lb"][0].as_f64().unwrap(),
        j["fit"]["ci_ub"][0].as_f64().unwrap(),
    );
    // metafor: exp(-0.7145) = 0.49 [0.34, 0.70]
    let text = format!("{:.2} [{:.2}, {:.2}]", b.exp(), lb.exp(), ub.exp());
    assert_eq!(text, "0.49 [0.34, 0.70]");
    assert!(s.contains(&text));
    assert_eq!(s.matches("class=\"study\"").count(), 13);
    let bad = Command::new(env!("CARGO_BIN_EXE_acumen"))
        .args([
            "meta",
            crate::helpers::root().join("examples/bcg.csv").to_str().unwrap(),
            "--measure",
            "RR",
        ])
        .args(["--forest", dir.join("f.pdf").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".svg or .png"));
}
