//! Regression tests of the engine's edges (issue 14): each is named after
//! what was found, and its expected value is metafor's behaviour or a hand
//! calculation written out here.

use serde_json::Value;

/// Runs `acumen meta FILE ARGS` on `csv`; returns exit code, stdout, stderr.
fn meta(name: &str, csv: &str, args: &[&str]) -> (i32, String, String) {
    let out = crate::helpers::run_meta_csv("edges", name, csv, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn refused(name: &str, csv: &str, args: &[&str], needle: &str) {
    let (code, _, err) = meta(name, csv, args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "{err:?} should say {needle:?}");
}

fn json(name: &str, csv: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = meta(name, csv, &a);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// Five studies with equal sampling variances (equal arm sizes).
const EQUAL_VI: &str = "yi,vi\n0.1,0.04\n0.3,0.04\n-0.2,0.04\n0.5,0.04\n0.4,0.04\n";

#[test]
fn trimfill_with_equal_variances_is_refused_not_a_panic() {
    // metafor 3.8 stops too: regressing yi on sqrt(vi) drops the collinear
    // predictor and trimfill() fails on the missing slope.
    refused("eqvi", EQUAL_VI, &["--trimfill"], "sampling variances are all equal");
}

#[test]
fn all_with_equal_variances_leaves_out_trimfill_and_keeps_the_rest() {
    let v = json("eqvi_all", EQUAL_VI, &["--all"]);
    assert!(v.get("trimfill").is_none());
    // Equal weights: the estimate is the plain mean (0.1+0.3-0.2+0.5+0.4)/5.
    let b = v["fit"]["b"][0].as_f64().unwrap();
    assert!((b - 1.1 / 5.0).abs() < 1e-12, "{b}");
    assert!(v.get("leave1out").is_some() && v.get("cumul").is_some());
}

#[test]
fn variances_near_the_top_of_the_double_range_end_in_a_clear_error() {
    // REML/ML stepped forever here (step halving of an infinite step).
    let csv = "yi,vi\n0.1,1e308\n0.3,1e308\n-0.2,1e300\n0.5,1e307\n";
    for m in ["REML", "ML"] {
        refused("huge", csv, &["--method", m, "--maxiter", "5"], "non-finite");
    }
}

#[test]
fn mh_and_peto_refuse_diagnostics_metafor_does_not_have() {
    let bcg = std::fs::read_to_string(crate::helpers::root().join("fixtures/data/bcg.csv")).unwrap();
    for (method, measure) in [("MH", "OR"), ("PETO", "PETO")] {
        for flag in [&["--influence"][..], &["--trimfill"], &["--permutations", "10"]] {
            let mut a = vec!["--measure", measure, "--method", method];
            a.extend(flag);
            refused("bcg_mh", &bcg, &a, "not available for --method");
        }
        refused(
            "bcg_mh",
            &bcg,
            &["--measure", measure, "--method", method, "--test", "knha"],
            "does not apply",
        );
    }
}

#[test]
fn mh_leave1out_leaves_out_one_table() {
    // Two tables; leaving out the first pools the second alone, whose MH OR
    // is its own odds ratio (a d)/(b c) = (10 * 30)/(20 * 5) = 3.
    let csv = "ai,bi,ci,di\n4,16,8,12\n10,20,5,30\n";
    let v = json("mh2", csv, &["--measure", "OR", "--method", "MH", "--leave1out"]);
    let est = v["leave1out"]["estimate"][0].as_f64().unwrap();
    assert!((est - 3f64.ln()).abs() < 1e-12, "{est}");
    // And the second left out: (4 * 12)/(16 * 8) = 0.375.
    let est = v["leave1out"]["estimate"][1].as_f64().unwrap();
    assert!((est - 0.375f64.ln()).abs() < 1e-12, "{est}");
    assert!(
        v["leave1out"]["tau2"][0].is_null(),
        "an equal-effects model has no tau^2"
    );
}

#[test]
fn mh_fit_yi_has_one_entry_per_row_and_escalc_drops_nothing() {
    // Row 2 is a double-zero table: MH drops it from yi.f (NA), escalc()
    // keeps it (with 1/2 added: log((0.5*10.5)/(10.5*0.5)) = 0).
    let csv = "ai,bi,ci,di\n4,16,8,12\n0,10,0,10\n10,20,5,30\n";
    let v = json("mh00", csv, &["--measure", "OR", "--method", "MH"]);
    let yi = v["fit"]["yi"].as_array().unwrap();
    assert_eq!(yi.len(), 3);
    assert!(yi[1].is_null());
    assert!(v["escalc"]["yi"][1].as_f64().unwrap().abs() < 1e-15);
    // MH weights b c / N: 16*8/40 = 3.2, 0, 20*5/65; in percent of their sum.
    let w = [3.2, 0.0, 100.0 / 65.0];
    let s: f64 = w.iter().sum();
    for (i, wi) in w.iter().enumerate() {
        let got = v["fit"]["weights_pct"][i].as_f64().unwrap();
        assert!((got - wi / s * 100.0).abs() < 1e-12, "{i}: {got}");
    }
}

#[test]
fn equal_effects_predict_has_no_prediction_interval() {
    let v = json("ee", EQUAL_VI, &["--method", "EE", "--all"]);
    assert!(v["predict"]["pi_lb"][0].is_null() && v["predict"]["pi_ub"][0].is_null());
    // EE: mean 0.22, se = sqrt(0.04 / 5).
    let se = v["predict"]["se"][0].as_f64().unwrap();
    assert!((se - (0.04f64 / 5.0).sqrt()).abs() < 1e-12);
    assert!(v["leave1out"]["tau2"][0].is_null());
}

#[test]
fn newmods_accepts_a_leading_minus() {
    // yi = 1 + 2 x exactly, equal variances: the EE fit is b = (1, 2), so
    // the prediction at x = -1 is 1 - 2 = -1 and at x = 0.5 it is 2.
    let csv = "yi,vi,x\n1,0.1\n3,0.1\n5,0.1\n"
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                format!("{l},{}", i - 1)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let v = json(
        "newmods",
        &csv,
        &["--method", "EE", "--mods", "~ x", "--newmods", "-1;0.5"],
    );
    let p = &v["predict"]["pred"];
    assert!((p[0].as_f64().unwrap() + 1.0).abs() < 1e-9, "{p}");
    assert!((p[1].as_f64().unwrap() - 2.0).abs() < 1e-9, "{p}");
}

#[test]
fn the_table_format_prints_every_computed_block() {
    let data = crate::helpers::root().join("fixtures/data");
    let bcg = std::fs::read_to_string(data.join("bcg.csv")).unwrap();
    let (code, out, err) = meta("bcg_table", &bcg, &["--measure", "RR", "--all"]);
    assert_eq!(code, 0, "{err}");
    for block in [
        "Leave-one-out analysis",
        "Influence Diagnostics",
        "Regression Test for Funnel Plot Asymmetry",
        "Rank Correlation Test",
        "Trim-and-fill",
        "Cumulative meta-analysis",
        "Heterogeneity confidence intervals",
    ] {
        assert!(out.contains(block), "table lacks {block}");
    }
    // metafor: predict(res, transf = exp) gives 0.4894 [0.3441, 0.6962] for the bcg RR model.
    assert!(
        out.contains("Back-transformed (exp): estimate 0.4894  ci [0.3441, 0.6962]"),
        "{out}"
    );
    // MH leave-one-out: metafor's leave1out(rma.mh(...)) row 8 is -0.8333 (se 0.0552).
    let (code, out, _) = meta("bcg_mh_table", &bcg, &["--measure", "OR", "--method", "MH", "--all"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Leave-one-out analysis") && out.contains("-0.8333    0.0552"),
        "{out}"
    );
    assert!(out.contains("prediction interval: —"));
    // k = 2: the Q-profile upper bound lies beyond tau2.max = 100 (metafor prints >100.0000).
    let k2 = std::fs::read_to_string(data.join("k2.csv")).unwrap();
    let (_, out, _) = meta("k2_table", &k2, &["--all"]);
    assert!(out.contains("[0.0000, >100.0000]"), "{out}");
}
