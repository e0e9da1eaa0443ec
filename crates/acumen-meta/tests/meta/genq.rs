//! The generalized Q-profile interval of tau^2 (`--method GENQ`) against
//! `fixtures/genq_cases.json`, written by `fixtures/make_genq_fixtures.py`
//! (mpmath, 40 digits: Imhof's inversion for the weighted sum of
//! chi-squares, exact roots for the bounds). metafor gets the probabilities
//! from CompQuadForm's Farebrother algorithm, which Debian does not package.

use acumen_meta::quadform::upper_tail;
use acumen_meta::root::R_UNIROOT_TOL;
use acumen_meta::{Outcome, Request};
use serde_json::Value;

use crate::helpers::fixtures;

fn cases() -> Value {
    let text = std::fs::read_to_string(fixtures().join("genq_cases.json")).expect("fixtures present");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn weighted_chi_square_tails_match_imhof() {
    let c = cases();
    let tails = c["upper_tail"].as_array().unwrap();
    assert!(tails.len() >= 6);
    for t in tails {
        let lambda: Vec<f64> = t["lambda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let (q, want) = (t["q"].as_f64().unwrap(), t["upper"].as_f64().unwrap());
        let got = upper_tail(q, &lambda).unwrap();
        assert!((got - want).abs() < 1e-10, "lambda {lambda:?}, q {q}: {got} vs {want}");
    }
    // A single weight is a scaled chi-square with 1 df: P(chi2_1 > 3.8415) = 0.05.
    assert!((upper_tail(3.841458820694124, &[1.0]).unwrap() - 0.05).abs() < 1e-12);
    assert!(upper_tail(1.0, &[1.0, -0.5]).is_err());
}

#[test]
fn generalized_q_profile_bounds_match_the_exact_roots() {
    let c = cases();
    for case in c["confint"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let file = case["file"].as_str().unwrap();
        let mods: Vec<&str> = case["mods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        let req = Request {
            method: "GENQ".into(),
            weights: Some("w".into()),
            mods: (!mods.is_empty()).then(|| format!("~ {}", mods.join(" + "))),
            all: true,
            ..Default::default()
        };
        let bytes = std::fs::read(fixtures().join(file)).unwrap();
        let table = acumen_meta::csv::parse_csv(&bytes, file).unwrap();
        let opts = req.options().unwrap();
        let Outcome::Rma(a) = req.run(&table, &opts).unwrap() else {
            panic!("{name}: not an rma fit")
        };
        let ci = a.confint.as_ref().unwrap_or_else(|| panic!("{name}: no interval"));
        assert_eq!(ci.lb_sign, case["lb_sign"].as_str().unwrap(), "{name}");
        assert_eq!(ci.ub_sign, case["ub_sign"].as_str().unwrap(), "{name}");
        // The engine stops where R's uniroot would, within its tolerance of the exact root.
        for (i, key) in [(1, "lb"), (2, "ub")] {
            let want = case[key].as_f64().unwrap();
            assert!(
                (ci.tau2[i] - want).abs() <= R_UNIROOT_TOL,
                "{name} {key}: {} vs exact {want}",
                ci.tau2[i]
            );
        }
    }
}
