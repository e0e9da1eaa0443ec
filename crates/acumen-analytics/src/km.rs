//! Kaplan-Meier curves with log-transformed Greenwood intervals and their
//! quantiles, computed as R's `survival::survfit(..., conf.type = "log")`
//! and `quantile.survfit` do (times where the curve is flat at the
//! probability give the midpoint, as survival's `findq`).

use acumen_meta::dist::qnorm;
use serde::Serialize;

use crate::stats::LEVEL;

/// One subject: follow-up time and whether the event happened then
/// (false: censored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// Time (sessions or days).
    pub time: f64,
    /// Event (true) or censoring (false).
    pub event: bool,
}

/// One distinct time of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Step {
    /// Time.
    pub time: f64,
    /// At risk just before.
    pub n_risk: usize,
    /// Events at this time.
    pub n_event: usize,
    /// Censored at this time.
    pub n_censor: usize,
    /// Survival (here: still without the event) after this time.
    pub surv: f64,
    /// Greenwood standard error of log survival (None once survival is 0).
    pub std_err: Option<f64>,
    /// Lower bound (log-transformed interval).
    pub lower: Option<f64>,
    /// Upper bound, at most 1.
    pub upper: Option<f64>,
}

/// A quantile of the time to event with its interval; None is "not reached".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    /// Probability of the event by then (0.5: the median).
    pub prob: f64,
    /// Estimate.
    pub estimate: Option<f64>,
    /// Lower bound.
    pub lower: Option<f64>,
    /// Upper bound.
    pub upper: Option<f64>,
}

/// A Kaplan-Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaplanMeier {
    /// Subjects.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// The curve at each distinct time (event or censoring).
    pub steps: Vec<Step>,
}

/// Fits the curve.
pub fn kaplan_meier(obs: &[Observation]) -> KaplanMeier {
    let mut sorted: Vec<Observation> = obs.iter().copied().filter(|o| o.time.is_finite()).collect();
    sorted.sort_by(|a, b| a.time.total_cmp(&b.time));
    let z = qnorm((1.0 + LEVEL) / 2.0, true);
    let mut steps = Vec::new();
    let (mut at_risk, mut surv, mut greenwood) = (sorted.len(), 1.0_f64, 0.0_f64);
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].time;
        let same = sorted[i..].iter().take_while(|o| o.time == t).count();
        let d = sorted[i..i + same].iter().filter(|o| o.event).count();
        let (n, df) = (at_risk as f64, d as f64);
        surv *= 1.0 - df / n;
        if d > 0 && at_risk > d {
            greenwood += df / (n * (n - df));
        }
        let (std_err, lower, upper) = if surv > 0.0 {
            let se = greenwood.sqrt();
            (
                Some(se),
                Some(surv * (-z * se).exp()),
                Some((surv * (z * se).exp()).min(1.0)),
            )
        } else {
            (None, None, None)
        };
        steps.push(Step {
            time: t,
            n_risk: at_risk,
            n_event: d,
            n_censor: same - d,
            surv,
            std_err,
            lower,
            upper,
        });
        at_risk -= same;
        i += same;
    }
    KaplanMeier {
        n: sorted.len(),
        events: sorted.iter().filter(|o| o.event).count(),
        steps,
    }
}

/// survival's `findq`: the time at which the cumulative event curve `y`
/// (None where undefined) first reaches `p`, midpoints on flat stretches.
fn findq(x: &[f64], y: &[Option<f64>], p: f64) -> Option<f64> {
    let tol = f64::EPSILON.sqrt();
    let max = y.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
    if max < p {
        return None;
    }
    if p == 0.0 {
        return x.first().copied();
    }
    let xmax = *x.last()?;
    // Drop repeated y values (keeping the first), as `duplicated` does.
    let mut xs = Vec::new();
    let mut ys: Vec<Option<f64>> = Vec::new();
    for (xi, yi) in x.iter().zip(y) {
        if !ys.contains(yi) {
            xs.push(*xi);
            ys.push(*yi);
        }
    }
    // approx(y + shift, 1:n, p, "constant", f = 1): the first index whose
    // shifted y is at least p, within the range of the defined points.
    let index = |shift: f64| -> Option<usize> {
        let defined: Vec<(usize, f64)> = ys
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v + shift)))
            .collect();
        let (first, last) = (defined.first()?.1, defined.last()?.1);
        if p < first || p > last {
            return None;
        }
        defined.iter().find(|(_, v)| *v >= p).map(|(i, _)| *i)
    };
    let (i1, i2) = (index(tol)?, index(-tol));
    if let Some(Some(last)) = ys.last() {
        if (p - last).abs() < tol {
            return Some((xs[i1] + xmax) / 2.0);
        }
    }
    Some((xs[i1] + xs[i2?]) / 2.0)
}

impl KaplanMeier {
    /// The time by which a share `prob` has had the event, with its interval
    /// (`quantile.survfit`).
    pub fn quantile(&self, prob: f64) -> Quantile {
        let mut x = vec![0.0];
        x.extend(self.steps.iter().map(|s| s.time));
        let curve = |f: &dyn Fn(&Step) -> Option<f64>| -> Vec<Option<f64>> {
            std::iter::once(Some(0.0))
                .chain(self.steps.iter().map(|s| f(s).map(|v| 1.0 - v)))
                .collect()
        };
        Quantile {
            prob,
            estimate: findq(&x, &curve(&|s| Some(s.surv)), prob),
            lower: findq(&x, &curve(&|s| s.lower), prob),
            upper: findq(&x, &curve(&|s| s.upper), prob),
        }
    }
}
