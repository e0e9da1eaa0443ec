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

/// "62% (95% CI 51% to 72%)".
pub fn pct(p: &Proportion) -> String {
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

/// "−2.1 points (95% CI −2.6 to −1.6)".
pub fn mean(m: &Mean, unit: &str) -> String {
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
