//! The bundled evidence: which trials may be pooled and why, and the pool
//! of the eligible trial with two added ones against metafor.

use acumen_analytics::evidence::{added_trials, decisions, pool, published_row, source};
use acumen_meta::Table;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/analytics_cases.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all["evidence_pool"].clone()
}

#[test]
fn published_result_of_the_article() {
    let f2 = published_row("F2").unwrap();
    assert_eq!((f2.k_trials, f2.n_participants), (Some(8), Some(338)));
    assert_eq!(
        (f2.estimate, f2.ci_low, f2.ci_high),
        (Some(-0.59), Some(-0.95), Some(-0.23))
    );
    assert_eq!(published_row("F3").unwrap().estimate, Some(-0.54), "vs sham");
    assert_eq!(published_row("F4").unwrap().ci_high, Some(0.61), "vs conventional");
    assert!(source(&f2.source_id).unwrap().citation.starts_with("Feng et al. 2023"));
}

#[test]
fn only_complete_randomised_pain_outcomes_are_pooled() {
    let d = decisions(&[]);
    let included: Vec<&str> = d.iter().filter(|d| d.included).map(|d| d.row.as_str()).collect();
    // Lu 2020 BPI-SF pain severity (mean change, SDs and arm sizes) is the only one.
    assert_eq!(included, ["T1"]);
    let why = |row: &str| d.iter().find(|d| d.row == row).unwrap().reason.clone();
    assert!(why("T2").starts_with("not a pain outcome"), "PNQ sensory score");
    assert!(why("T4").contains("not reported"), "Bao 2020: no SDs");
    assert_eq!(why("T19"), "not a randomised trial");
    let r = fixture();
    let t1 = d.iter().find(|d| d.row == "T1").unwrap().smd.unwrap();
    assert!((t1.0 - r["yi"][0].as_f64().unwrap()).abs() < 1e-12);
    assert!((t1.1 - r["vi"][0].as_f64().unwrap()).abs() < 1e-12);
    assert!(pool(&d).is_none(), "one trial is not a meta-analysis");
}

#[test]
fn added_trials_are_pooled_as_metafor_does() {
    let csv = "study,m1i,sd1i,n1i,m2i,sd2i,n2i,scores\nSmith 2024,-2.0,2.1,30,-0.8,2.0,30,change\nLee 2025,-1.5,1.9,25,-1.0,1.8,24,\nOld 2001,5.1,2.0,20,5.5,2.2,20,final\n";
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let head: Vec<String> = csv.lines().next().unwrap().split(',').map(str::to_string).collect();
    let t = Table::from_rows(head, &rows);
    let added = added_trials(&t).unwrap();
    let d = decisions(&added);
    let old = d.iter().find(|d| d.trial == "Old 2001").unwrap();
    assert!(!old.included && old.reason.contains("not mixed"), "{}", old.reason);
    let p = pool(&d).unwrap();
    let r = fixture();
    assert_eq!(p.k, 3);
    assert_eq!(p.n, 20.0 + 20.0 + 60.0 + 49.0);
    for (got, key) in [(p.estimate, "estimate"), (p.ci_low, "ci_low"), (p.ci_high, "ci_high")] {
        let want = r[key].as_f64().unwrap();
        assert!((got - want).abs() < 1e-6, "{key}: {got} vs metafor {want}");
    }
    // metafor's REML stops at tau^2 ~ 1e-6 here; both are zero for practical purposes.
    assert!((p.tau2 - r["tau2"].as_f64().unwrap()).abs() < 1e-5);

    let bad = Table::from_rows(vec!["m1i".into(), "sd1i".into()], &[vec!["1".into(), "x".into()]]);
    let e = added_trials(&bad).unwrap_err().to_string();
    assert!(e.contains("n1i") && e.contains("m2i"), "{e}");
}
