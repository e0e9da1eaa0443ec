//! Every case of `fixtures/mv_cases.json` (written by
//! `fixtures/make_mv_fixtures.R` with R 4.2, metafor 3.8 and clubSandwich)
//! must match: multilevel fits (`rma.mv`) and their cluster-robust blocks
//! (`robust`, CR1 and CR2) through `acumen meta`'s arguments, within the
//! slack metafor's optimiser leaves (measured per case by the script).

use serde_json::Value;

use crate::helpers::{args_of, compare, load_cases};
use crate::metafor_cases::run;

#[test]
fn every_rma_mv_case_matches_metafor() {
    let cases: Vec<Value> = load_cases("mv_cases.json");
    assert!(cases.len() >= 42);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let args = args_of(case);
        let slack = case["slack"].as_f64().unwrap();
        match run(&args) {
            Ok(got) => {
                let mut errs = Vec::new();
                compare(name, &case["expected"], &got, slack, &mut errs);
                failures.extend(errs);
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
