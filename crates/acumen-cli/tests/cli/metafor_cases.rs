//! Every case of `fixtures/metafor_cases.json` (written by
//! `fixtures/make_fixtures.R` with metafor 3.8) must match.

use crate::helpers::{compare, root, run_json};
use serde_json::Value;

#[test]
fn all_metafor_cases_match() {
    let dir = root().join("fixtures");
    let text = std::fs::read_to_string(dir.join("metafor_cases.json")).expect("fixtures present");
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 60, "at least 60 reference cases");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let args: Vec<String> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let slack = case["slack"].as_f64().unwrap_or(0.0);
        let expected = &case["expected"];
        match run_json(&dir, &args) {
            Err(e) => failures.push(format!("{name}: error: {e}")),
            Ok(actual) => {
                let mut errs = Vec::new();
                let (ek, ak): (Vec<_>, Vec<_>) = (
                    expected.as_object().unwrap().keys().collect(),
                    actual.as_object().unwrap().keys().collect(),
                );
                if ek != ak {
                    errs.push(format!("blocks: expected {ek:?}, got {ak:?}"));
                }
                let mut exp = expected.clone();
                if let Some(n) = case["perm_n"].as_f64() {
                    // Random permutations cannot reproduce R's random numbers:
                    // p-values must agree within 3 sqrt(p (1 - p) / N).
                    check_random_permutations(&exp["permutest"], &actual["permutest"], n, &mut errs);
                    exp.as_object_mut().unwrap().remove("permutest");
                }
                compare("", &exp, &actual, slack, &mut errs);
                if !errs.is_empty() {
                    failures.push(format!(
                        "{name} ({}): {} mismatches, first: {}",
                        args.join(" "),
                        errs.len(),
                        errs[..errs.len().min(4)].join("; ")
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn check_random_permutations(e: &Value, a: &Value, n: f64, errs: &mut Vec<String>) {
    let pairs: Vec<(f64, f64)> = e["pval"]
        .as_array()
        .unwrap()
        .iter()
        .zip(a["pval"].as_array().unwrap())
        .map(|(x, y)| (x.as_f64().unwrap(), y.as_f64().unwrap()))
        .chain([(e["QMp"].as_f64().unwrap(), a["QMp"].as_f64().unwrap())])
        .collect();
    for (pe, pa) in pairs {
        let tol = 3.0 * (pe * (1.0 - pe) / n).sqrt() + 1.0 / n;
        if (pe - pa).abs() > tol {
            errs.push(format!("permutest: p = {pa} vs metafor {pe} (allowed {tol:.4})"));
        }
    }
    if e["exact"] != a["exact"] || e["n_perm"] != a["n_perm"] {
        errs.push(format!(
            "permutest: exact/n_perm {} {} vs {} {}",
            a["exact"], a["n_perm"], e["exact"], e["n_perm"]
        ));
    }
}
