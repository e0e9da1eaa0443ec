//! What moved between two versions' pooled results, in one line for the
//! changelog card: "pooled SMD −0.59 → −0.52; PI now crosses 0; I² 41 % →
//! 58 %; certainty unchanged: low".

use crate::grade::Certainty;

/// A version's pooled result as the card shows it (the estimate on the
/// scale it is read on; the null is `null`: 0 for differences, 1 for
/// back-transformed ratios).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The measure's name (SMD, MD, RR, ...).
    pub measure: String,
    /// Number of trials.
    pub k: usize,
    /// Pooled estimate.
    pub estimate: f64,
    /// Confidence interval.
    pub ci: (f64, f64),
    /// Prediction interval, where there is one.
    pub pi: Option<(f64, f64)>,
    /// I² in percent.
    pub i2: f64,
    /// The no-effect value on this scale.
    pub null: f64,
    /// The GRADE certainty, where rated.
    pub certainty: Option<Certainty>,
}

/// A number with a true minus sign, as the card prints it.
fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    match s.strip_prefix('-') {
        Some(r) if r.chars().any(|c| c != '0' && c != '.') => format!("−{r}"),
        Some(r) => r.to_string(),
        None => s,
    }
}

fn crosses(iv: Option<(f64, f64)>, null: f64) -> Option<bool> {
    iv.map(|(lo, hi)| lo < null && null < hi)
}

/// The line: each part only where something moved, certainty always.
pub fn what_moved(old: &Summary, new: &Summary) -> String {
    let mut parts = Vec::new();
    if old.k != new.k {
        parts.push(format!("k {} → {}", old.k, new.k));
    }
    if num(old.estimate) != num(new.estimate) || old.measure != new.measure {
        parts.push(format!(
            "pooled {} {} → {}",
            new.measure,
            num(old.estimate),
            num(new.estimate)
        ));
    }
    let null = format!("{}", new.null);
    for (what, a, b) in [
        ("CI", crosses(Some(old.ci), old.null), crosses(Some(new.ci), new.null)),
        ("PI", crosses(old.pi, old.null), crosses(new.pi, new.null)),
    ] {
        match (a, b) {
            (Some(false), Some(true)) => parts.push(format!("{what} now crosses {null}")),
            (Some(true), Some(false)) => parts.push(format!("{what} no longer crosses {null}")),
            _ => {}
        }
    }
    if format!("{:.0}", old.i2) != format!("{:.0}", new.i2) {
        parts.push(format!("I² {:.0} % → {:.0} %", old.i2, new.i2));
    }
    parts.push(match (old.certainty, new.certainty) {
        (Some(a), Some(b)) if a == b => format!("certainty unchanged: {}", a.words()),
        (Some(a), Some(b)) => format!("certainty {} → {}", a.words(), b.words()),
        (None, Some(b)) => format!("certainty now rated: {}", b.words()),
        (Some(a), None) => format!("certainty no longer rated (was {})", a.words()),
        (None, None) => "certainty not rated".into(),
    });
    parts.join("; ")
}
