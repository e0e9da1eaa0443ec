//! Every case of `fixtures/metafor_cases.json` (written by
//! `fixtures/make_fixtures.R` with R 4.2 and metafor 3.8) must match: the
//! case's `acumen meta` arguments become a [`Request`], the engine runs on
//! the CSV, and its JSON (`acumen_meta::json`) is compared with metafor's
//! within the tolerances of `acumen_meta::tolerance`.

use acumen_meta::json::{analysis_json, mh_json};
use acumen_meta::{Outcome, Request};
use serde_json::{Map, Value};

use crate::helpers::{args_of, compare, fixtures, load_cases};

/// The options that take no value.
const FLAGS: [&str; 10] = [
    "ranef",
    "all",
    "unweighted",
    "leave1out",
    "influence",
    "regtest",
    "ranktest",
    "trimfill",
    "cumul",
    "no_correct",
];

/// A case's arguments (`FILE --key value --flag ...`) as the CSV's path and a request.
pub fn request(args: &[String]) -> Result<(String, Request), String> {
    let mut it = args.iter();
    let file = it.next().ok_or("no file")?.clone();
    let mut m = Map::new();
    let mut v_file = None;
    while let Some(a) = it.next() {
        let key = a
            .strip_prefix("--")
            .ok_or_else(|| format!("'{a}' is not an option"))?
            .replace('-', "_");
        if FLAGS.contains(&key.as_str()) {
            m.insert(key, Value::Bool(true));
            continue;
        }
        let v = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        let value = match key.as_str() {
            // The command's own output option.
            "format" => continue,
            "add" | "level" | "rho" => Value::from(v.parse::<f64>().map_err(|e| format!("--{key}: {e}"))?),
            // One number for rma.uni; a list (or any value with --random) is a struct's.
            "tau2" => match v.parse::<f64>() {
                Ok(x) if !args.iter().any(|a| a == "--random") => Value::from(x),
                _ => {
                    m.insert("tau2_mv".into(), Value::String(v.clone()));
                    continue;
                }
            },
            // A file the caller reads (as `acumen meta --V` does).
            "V" => {
                v_file = Some(v.clone());
                continue;
            }
            // Repeatable.
            "random" => {
                let list = m.entry("random").or_insert_with(|| Value::Array(vec![]));
                list.as_array_mut().ok_or("random")?.push(Value::String(v.clone()));
                continue;
            }
            "maxiter" | "seed" => Value::from(v.parse::<u64>().map_err(|e| format!("--{key}: {e}"))?),
            _ => Value::String(v.clone()),
        };
        m.insert(key, value);
    }
    let mut req: Request = serde_json::from_value(Value::Object(m)).map_err(|e| e.to_string())?;
    if let Some(f) = v_file {
        let bytes = std::fs::read(fixtures().join(&f)).map_err(|e| format!("{f}: {e}"))?;
        req.v_matrix = Some(acumen_meta::mv::vfile::parse_v(&bytes, &f).map_err(|e| e.to_string())?);
    }
    Ok((file, req))
}

/// Runs a case's analysis and returns its JSON.
pub fn run(args: &[String]) -> Result<Value, String> {
    let (file, req) = request(args)?;
    let bytes = std::fs::read(fixtures().join(&file)).map_err(|e| format!("{file}: {e}"))?;
    let table = acumen_meta::csv::parse_csv(&bytes, &file)?;
    let opts = req.options().map_err(|e| e.to_string())?;
    match req.run(&table, &opts).map_err(|e| e.to_string())? {
        Outcome::Rma(a) => serde_json::to_value(analysis_json(&a)).map_err(|e| e.to_string()),
        Outcome::Mh(m) => Ok(mh_json(&m)),
        Outcome::Mv(m) => Ok(acumen_meta::mv::json::mv_json(&m)),
    }
}

/// The reference cases of `fixtures/metafor_cases.json`.
fn cases() -> Vec<Value> {
    load_cases("metafor_cases.json")
}

#[test]
fn all_metafor_cases_match() {
    let cases = cases();
    assert!(cases.len() >= 186, "the 186 reference cases");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let args = args_of(case);
        let slack = case["slack"].as_f64().unwrap_or(0.0);
        let expected = &case["expected"];
        match run(&args) {
            Err(e) => failures.push(format!("{name}: error: {e}")),
            Ok(mut actual) => {
                // The reference R has no CompQuadForm, so metafor wrote no GENQ interval;
                // it is checked against mpmath in `genq.rs`.
                if args.iter().any(|a| a == "GENQ") && expected.get("confint").is_none() {
                    actual.as_object_mut().unwrap().remove("confint");
                }
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

/// An unknown option in a request is refused, not ignored.
#[test]
fn a_request_refuses_unknown_options() {
    let e = request(&["data/smd.csv".into(), "--mesure".into(), "SMD".into()]).unwrap_err();
    assert!(e.contains("unknown field `mesure`"), "{e}");
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

/// Issue 14: under DLIT a deletion fit that does not converge leaves that
/// study's diagnostics missing; metafor 3.8 still classifies every other
/// study, and the study itself is NA (R's `NA | FALSE`), not FALSE.
#[test]
fn dlit_influence_classifies_where_a_deletion_fit_does_not_converge() {
    let cases = cases();
    let case = cases
        .iter()
        .find(|c| c["name"] == "diag_DLIT_deletion_not_converging")
        .expect("the case is in the fixtures");
    let ours = run(&args_of(case)).unwrap();
    // metafor 3.8.1: influence(rma(yi, vi, method = "DLIT"))$is.infl
    let metafor = serde_json::json!([false, false, false, null, true]);
    assert_eq!(case["expected"]["influence"]["is_infl"], metafor);
    assert_eq!(ours["influence"]["is_infl"], metafor);
    assert!(ours["influence"]["tau2_del"][3].is_null());
}
