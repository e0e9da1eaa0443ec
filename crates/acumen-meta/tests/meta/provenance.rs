//! Provenance (issue 19): the data's SHA-256 as parsed, the options in
//! force, the steps, and the fallback chain REML → half steps → PM → DL.

use acumen_meta::provenance::data_sha256;
use acumen_meta::tolerance::close;
use acumen_meta::{MetaError, Outcome, Request};

use crate::helpers::fixtures;

fn table(csv: &str) -> acumen_meta::Table {
    acumen_meta::csv::parse_csv(csv.as_bytes(), "t.csv").unwrap()
}

/// The hash is SHA-256 of the JSON array of the header and each row's
/// cells as parsed: `printf '%s' '[["study","yi","vi"],["A","0.1","0.2"],["B \"x\"",""," 3"]]' | sha256sum`.
#[test]
fn the_data_hash_is_of_the_cells_as_parsed() {
    let expected = "4b252624f28b93ffe162871443111a27f8a44b5fc387aec93e478e6529345ff9";
    assert_eq!(
        data_sha256(&table("study,yi,vi\nA,0.1,0.2\n\"B \"\"x\"\"\",, 3\n")),
        expected
    );
    // The same cells written differently (quotes, CRLF line ends): the same hash.
    assert_eq!(
        data_sha256(&table(
            "\"study\",\"yi\",\"vi\"\r\n\"A\",\"0.1\",0.2\r\n\"B \"\"x\"\"\",\"\", 3\r\n"
        )),
        expected
    );
    // One cell changed: another hash.
    assert_ne!(
        data_sha256(&table("study,yi,vi\nA,0.1,0.25\n\"B \"\"x\"\"\",, 3\n")),
        expected
    );
}

fn bcg() -> acumen_meta::Table {
    let bytes = std::fs::read(fixtures().join("data/bcg_yivi.csv")).unwrap();
    acumen_meta::csv::parse_csv(&bytes, "bcg_yivi.csv").unwrap()
}

fn request(json: serde_json::Value) -> Request {
    serde_json::from_value(json).unwrap()
}

#[test]
fn provenance_names_every_option_and_the_iterations() {
    let req = request(serde_json::json!({"all": true}));
    let opts = req.options().unwrap();
    let (out, p) = req.run_traced(&bcg(), &opts).unwrap();
    let Outcome::Rma(a) = out else { panic!("rma") };
    assert_eq!(p.engine, "acumen-meta");
    assert_eq!(p.model, "rma.uni");
    assert_eq!(p.method, "REML");
    assert_eq!(p.data.rows, 13);
    // Defaults written out, including those metafor resolves itself.
    assert_eq!(p.options["method"], "REML");
    assert_eq!(p.options["test"], "z");
    assert_eq!(p.options["level"], 95.0);
    assert_eq!(p.options["maxiter"], 100);
    assert_eq!(p.options["drop00"], false);
    assert_eq!(p.control.threshold, 1e-5);
    assert_eq!(p.control.stepadj, 1.0);
    // REML on dat.bcg: 3 Fisher scoring steps (metafor converges with
    // maxiter = 3 and stops with maxiter = 2: fixtures r_scripts test).
    let tau2 = &p.steps[0];
    assert_eq!((tau2.step, tau2.iterations, tau2.converged), ("tau2", Some(3), true));
    assert_eq!(a.fit.iterations, 3);
    let steps: Vec<&str> = p.steps.iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        ["tau2", "confint", "leave1out", "influence", "cumul", "trimfill"]
    );
    assert!(p.fallback.is_empty() && p.banner().is_none());
    assert!(p.footer().contains("REML, 3 iterations"), "{}", p.footer());
}

#[test]
fn the_fallback_chain_is_tried_in_order_and_recorded() {
    let t = bcg();
    // Without --fallback a fit that stops at its limit stays an error.
    let plain = request(serde_json::json!({"maxiter": 2}));
    let e = plain.run_traced(&t, &plain.options().unwrap()).err().unwrap();
    assert!(
        matches!(&e, MetaError::NotConverged(m) if m.contains("did not converge in 2 iterations")),
        "{e}"
    );
    // With it: REML stops, REML with half steps stops, PM's root search
    // stops at 2 iterations (metafor warns), DL is shown.
    let req = request(serde_json::json!({"maxiter": 2, "fallback": true}));
    let (out, p) = req.run_traced(&t, &req.options().unwrap()).unwrap();
    let tried: Vec<(&str, f64, bool)> = p
        .fallback
        .iter()
        .map(|a| (a.method.as_str(), a.stepadj, a.converged))
        .collect();
    assert_eq!(
        tried,
        [
            ("REML", 1.0, false),
            ("REML", 0.5, false),
            ("PM", 1.0, false),
            ("DL", 1.0, true)
        ]
    );
    assert_eq!(p.method, "DL");
    assert_eq!(
        p.banner().unwrap(),
        "REML did not converge in 2 iterations; showing DL (DerSimonian-Laird)"
    );
    // DL's numbers are metafor's DL on dat.bcg (fixture method_DL_hetero).
    let Outcome::Rma(a) = out else { panic!("rma") };
    assert!(close(a.fit.tau2, 0.308760262862377, 0.0), "{}", a.fit.tau2);
    assert!(close(a.fit.b[0], -0.714117222073227, 0.0), "{}", a.fit.b[0]);
    // With 3 iterations REML converges: no fallback is taken.
    let req = request(serde_json::json!({"maxiter": 3, "fallback": true}));
    let (_, p) = req.run_traced(&t, &req.options().unwrap()).unwrap();
    assert_eq!(p.method, "REML");
    assert_eq!(p.fallback.len(), 1);
    assert!(p.banner().is_none());
}

#[test]
fn fallback_is_refused_for_estimators_that_do_not_iterate() {
    let e = request(serde_json::json!({"method": "DL", "fallback": true}))
        .options()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "--fallback applies to the iterative ML, REML and EB estimators, not --method DL"
    );
}

/// PM that stops at its limit without --fallback: the numbers are metafor's
/// (it warns and goes on), and the banner says so.
#[test]
fn a_root_search_at_its_limit_is_flagged() {
    let req = request(serde_json::json!({"method": "PM", "maxiter": 2}));
    let (_, p) = req.run_traced(&bcg(), &req.options().unwrap()).unwrap();
    assert!(!p.steps[0].converged);
    assert!(
        p.banner()
            .unwrap()
            .starts_with("tau2: PM did not converge in 2 iterations"),
        "{:?}",
        p.banner()
    );
}
