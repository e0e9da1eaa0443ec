//! The measures added after the first eighteen (`fixtures/measure_cases.json`,
//! written by `fixtures/make_measure_fixtures.R` with metafor 3.8): PFT with
//! the harmonic-mean back-transformation, IRD, IRLN, IRS, IRFT, ROMC, MNLN,
//! CVR and VR. escalc's values are closed-form (compared without slack); the
//! fit, predictions and back-transformation within the case's REML slack.

use serde_json::Value;

use crate::helpers::{args_of, compare, load_cases};
use crate::metafor_cases::run;

#[test]
fn every_new_measure_matches_metafor() {
    let cases: Vec<Value> = load_cases("measure_cases.json");
    assert_eq!(cases.len(), 12);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let args = args_of(case);
        let slack = case["slack"].as_f64().unwrap();
        match run(&args) {
            Ok(got) => {
                let mut errs = Vec::new();
                let e = &case["expected"];
                compare(&format!("{name}.escalc"), &e["escalc"], &got["escalc"], 0.0, &mut errs);
                for block in ["fit", "predict", "predict_transf"] {
                    if !e[block].is_null() {
                        compare(&format!("{name}.{block}"), &e[block], &got[block], slack, &mut errs);
                    }
                }
                failures.extend(errs);
            }
            Err(err) => failures.push(format!("{name}: {err}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
