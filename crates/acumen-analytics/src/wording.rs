//! Numbers written for people: percentages and effects with their
//! intervals, a real minus sign, and "not enough data yet" below the
//! small-number threshold.

use serde_json::{json, Value};

use crate::km::Quantile;
use crate::stats::{Mean, Proportion, Rate};

/// Figures about fewer patients than this are not shown.
pub const MIN_PATIENTS: usize = 10;

/// The words shown instead of a suppressed figure.
pub const NOT_ENOUGH: &str = "not enough data yet";

/// A number with a real minus sign and `digits` decimals.
pub fn num(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        // -0.00 reads as 0.
        return s[1..].to_string();
    }
    s.replacen('-', "−", 1)
}

/// What a suppressed figure carries in JSON.
pub const SUPPRESSED: &str = "fewer than 10 patients";

/// "62% (95% CI 51% to 72%)"; "not enough data yet" when the denominator is
/// under the small-number threshold.
pub fn pct(p: &Proportion) -> String {
    if p.n > 0 && (p.n as usize) < MIN_PATIENTS {
        return NOT_ENOUGH.into();
    }
    match (p.estimate, p.lower, p.upper) {
        (Some(e), Some(l), Some(u)) => format!(
            "{}% (95% CI {}% to {}%)",
            num(100.0 * e, 0),
            num(100.0 * l, 0),
            num(100.0 * u, 0)
        ),
        _ => "no data".into(),
    }
}

/// "12.4 per 1,000 sessions (95% CI 8.1 to 18.2)".
pub fn rate(r: &Rate) -> String {
    match (r.estimate, r.lower, r.upper) {
        (Some(e), Some(l), Some(u)) => format!(
            "{} per 1,000 sessions (95% CI {} to {})",
            num(e, 1),
            num(l, 1),
            num(u, 1)
        ),
        _ => "no data".into(),
    }
}

/// "−2.1 points (95% CI −2.6 to −1.6)"; "not enough data yet" for a mean of
/// fewer values than the small-number threshold.
pub fn mean(m: &Mean, unit: &str) -> String {
    if m.n > 0 && m.n < MIN_PATIENTS {
        return NOT_ENOUGH.into();
    }
    match (m.estimate, m.lower, m.upper) {
        (Some(e), Some(l), Some(u)) => format!("{} {unit} (95% CI {} to {})", num(e, 1), num(l, 1), num(u, 1)),
        (Some(e), _, _) => format!("{} {unit}", num(e, 1)),
        _ => "no data".into(),
    }
}

/// "6 sessions (95% CI 5 to 8)", "not reached" when the curve stays above.
pub fn quantile(q: &Quantile, unit: &str) -> String {
    let b = |v: Option<f64>| {
        v.map_or("not reached".to_string(), |v| {
            num(v, if v.fract() == 0.0 { 0 } else { 1 })
        })
    };
    match q.estimate {
        None => "not reached".into(),
        Some(_) => format!("{} {unit} (95% CI {} to {})", b(q.estimate), b(q.lower), b(q.upper)),
    }
}

/// A figure as JSON, or the suppression marker when `patients` is too small.
pub fn shown(patients: usize, value: Value) -> Value {
    if patients < MIN_PATIENTS {
        json!({"suppressed": true, "patients": null, "text": NOT_ENOUGH})
    } else {
        value
    }
}

/// The denominator of a proportion (`{x, n, estimate, lower, upper}`) or
/// the count of a mean (`{n, estimate, sd, lower, upper}`) in JSON.
fn figure_n(o: &serde_json::Map<String, Value>) -> Option<u64> {
    let is_prop = ["x", "n", "estimate", "lower", "upper"]
        .iter()
        .all(|k| o.contains_key(*k));
    let is_mean = ["n", "estimate", "sd", "lower", "upper"]
        .iter()
        .all(|k| o.contains_key(*k));
    if is_prop || is_mean {
        o.get("n").and_then(Value::as_u64)
    } else {
        None
    }
}

/// Blanks one figure: its numbers become null and it says why.
fn blank(o: &mut serde_json::Map<String, Value>) {
    for v in o.values_mut() {
        if v.is_number() {
            *v = Value::Null;
        }
    }
    o.insert("suppressed".into(), json!(SUPPRESSED));
}

/// Suppresses, anywhere in `v`, every proportion whose denominator and
/// every mean whose count is under the small-number threshold (an empty
/// figure, n = 0, stays as it is: it names nobody). Each suppressed figure's
/// sibling `<name>_text` reads "not enough data yet".
pub fn suppress_small(v: &mut Value) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(suppress_small),
        Value::Object(o) => {
            let mut hidden = Vec::new();
            for (k, child) in o.iter_mut() {
                if let Value::Object(c) = child {
                    if figure_n(c).is_some_and(|n| n > 0 && (n as usize) < MIN_PATIENTS) {
                        blank(c);
                        hidden.push(format!("{k}_text"));
                        continue;
                    }
                }
                suppress_small(child);
            }
            for t in hidden {
                if let Some(text) = o.get_mut(&t) {
                    *text = json!(NOT_ENOUGH);
                }
            }
        }
        _ => {}
    }
}

/// Every figure in `v` with its JSON path, and whether it is suppressed.
fn figures(v: &Value, path: String, out: &mut Vec<(String, bool, u64)>) {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| figures(c, format!("{path}[{i}]"), out)),
        Value::Object(o) => {
            if let Some(n) = figure_n(o) {
                out.push((path, false, n));
            } else if o.get("suppressed").is_some() && o.contains_key("estimate") {
                out.push((path, true, 0));
            } else {
                for (k, c) in o {
                    figures(c, format!("{path}.{k}"), out);
                }
            }
        }
        _ => {}
    }
}

fn at_path<'a>(v: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, idx) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        cur = cur.get_mut(key)?;
        if let Some(i) = idx {
            cur = cur.get_mut(i)?;
        }
    }
    Some(cur)
}

/// Complementary suppression over cells that add up to a shown total (the
/// conditions of a clinic): where exactly one cell hides a figure, or a
/// whole cell is hidden, the same figure is hidden in the next-smallest
/// cell too, so that no hidden value is the total minus the others. A
/// wholly suppressed cell (`{"suppressed": true}`) hides every figure.
pub fn complementary(cells: &mut [Value]) {
    let mut paths: Vec<String> = Vec::new();
    let mut per_cell: Vec<Option<Vec<(String, bool, u64)>>> = Vec::new();
    for c in cells.iter() {
        if c.get("suppressed").and_then(Value::as_bool) == Some(true) {
            per_cell.push(None);
            continue;
        }
        let mut f = Vec::new();
        figures(c, String::new(), &mut f);
        for (p, _, _) in &f {
            if !paths.contains(p) {
                paths.push(p.clone());
            }
        }
        per_cell.push(Some(f));
    }
    for p in &paths {
        let hidden = per_cell
            .iter()
            .filter(|c| c.as_ref().is_none_or(|f| f.iter().any(|(q, s, _)| q == p && *s)))
            .count();
        if hidden != 1 {
            continue;
        }
        let smallest = per_cell
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                c.as_ref()?
                    .iter()
                    .find(|(q, s, _)| q == p && !*s)
                    .map(|(_, _, n)| (i, *n))
            })
            .min_by_key(|(_, n)| *n);
        if let Some((i, _)) = smallest {
            if let Some(Value::Object(o)) = at_path(&mut cells[i], p) {
                blank(o);
            }
        }
    }
}
