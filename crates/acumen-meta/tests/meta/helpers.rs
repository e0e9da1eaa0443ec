//! Shared helpers of the acumen-meta tests: where the fixtures are, and
//! comparing JSON with the reference within the crate's tolerances.

use std::path::PathBuf;

use acumen_meta::tolerance::close;
use serde_json::Value;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Compares `actual` with `expected`, collecting mismatches. Keys missing
/// from `expected` objects are not checked, except at the top level.
pub fn compare(path: &str, expected: &Value, actual: &Value, slack: f64, errs: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, Value::Null) => {}
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (e.as_f64().unwrap(), a.as_f64().unwrap());
            if !close(a, e, slack) {
                errs.push(format!(
                    "{path}: expected {e:e}, got {a:e} (rel diff {:.2e})",
                    (a - e).abs() / e.abs().max(1e-300)
                ));
            }
        }
        (Value::String(e), Value::String(a)) if e == a => {}
        (Value::Bool(e), Value::Bool(a)) if e == a => {}
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                errs.push(format!("{path}: expected {} elements, got {}", e.len(), a.len()));
                return;
            }
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                compare(&format!("{path}[{i}]"), x, y, slack, errs);
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                match a.get(k) {
                    Some(w) => compare(&format!("{path}.{k}"), v, w, slack, errs),
                    None => errs.push(format!("{path}.{k}: missing")),
                }
            }
        }
        _ => errs.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// The cases of a committed fixture file (`fixtures/NAME`).
pub fn load_cases(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixtures present");
    serde_json::from_str(&text).unwrap()
}

/// A case's `acumen meta` arguments.
pub fn args_of(case: &Value) -> Vec<String> {
    case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}
