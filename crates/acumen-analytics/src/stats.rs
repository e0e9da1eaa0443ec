//! Interval estimates as R computes them: Wilson score intervals
//! (`prop.test(x, n, correct = FALSE)`), exact binomial intervals
//! (`binom.test`), exact Poisson rate intervals (`poisson.test`) and the
//! t interval of a mean (`t.test`). Distribution functions come from
//! `acumen_meta::dist`, which is tested against R.

use acumen_meta::dist::{qbeta, qchisq, qnorm, qt};
use serde::Serialize;

/// The confidence level of every interval in this crate.
pub const LEVEL: f64 = 0.95;

/// A proportion with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    /// Numerator.
    pub x: u64,
    /// Denominator.
    pub n: u64,
    /// x / n (None when n = 0).
    pub estimate: Option<f64>,
    /// Lower bound.
    pub lower: Option<f64>,
    /// Upper bound.
    pub upper: Option<f64>,
}

impl Proportion {
    fn with_bounds(x: u64, n: u64, bounds: Option<(f64, f64)>) -> Proportion {
        Proportion {
            x,
            n,
            estimate: (n > 0).then(|| x as f64 / n as f64),
            lower: bounds.map(|b| b.0),
            upper: bounds.map(|b| b.1),
        }
    }
}

/// Wilson score interval, as `prop.test(x, n, correct = FALSE)$conf.int`.
pub fn wilson(x: u64, n: u64) -> Proportion {
    if n == 0 {
        return Proportion::with_bounds(x, n, None);
    }
    let (xf, nf) = (x as f64, n as f64);
    let p = xf / nf;
    let z = qnorm((1.0 + LEVEL) / 2.0, true);
    let z22n = z * z / (2.0 * nf);
    let half = z * (p * (1.0 - p) / nf + z22n / (2.0 * nf)).sqrt();
    let lower = if x > 0 {
        (p + z22n - half) / (1.0 + 2.0 * z22n)
    } else {
        0.0
    };
    let upper = if x < n {
        (p + z22n + half) / (1.0 + 2.0 * z22n)
    } else {
        1.0
    };
    Proportion::with_bounds(x, n, Some((lower.max(0.0), upper.min(1.0))))
}

/// Exact (Clopper-Pearson) interval, as `binom.test(x, n)$conf.int`.
pub fn clopper_pearson(x: u64, n: u64) -> Proportion {
    if n == 0 {
        return Proportion::with_bounds(x, n, None);
    }
    let (xf, nf) = (x as f64, n as f64);
    let a = (1.0 - LEVEL) / 2.0;
    let lower = if x == 0 { 0.0 } else { qbeta(a, xf, nf - xf + 1.0) };
    let upper = if x == n { 1.0 } else { qbeta(1.0 - a, xf + 1.0, nf - xf) };
    Proportion::with_bounds(x, n, Some((lower, upper)))
}

/// An event rate per `per` units of exposure with its exact interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Events.
    pub events: u64,
    /// Exposure (sessions).
    pub exposure: u64,
    /// Events per `per` units.
    pub per: u64,
    /// The rate (None without exposure).
    pub estimate: Option<f64>,
    /// Lower bound.
    pub lower: Option<f64>,
    /// Upper bound.
    pub upper: Option<f64>,
}

/// Exact Poisson interval of a rate, as `poisson.test(x, exposure / per)$conf.int`.
pub fn poisson_rate(events: u64, exposure: u64, per: u64) -> Rate {
    if exposure == 0 {
        return Rate {
            events,
            exposure,
            per,
            estimate: None,
            lower: None,
            upper: None,
        };
    }
    let t = exposure as f64 / per as f64;
    let x = events as f64;
    let a = (1.0 - LEVEL) / 2.0;
    // qgamma(p, shape) = qchisq(p, 2 * shape) / 2.
    let lower = if events == 0 {
        0.0
    } else {
        qchisq(a, 2.0 * x, true) / 2.0 / t
    };
    let upper = qchisq(1.0 - a, 2.0 * (x + 1.0), true) / 2.0 / t;
    Rate {
        events,
        exposure,
        per,
        estimate: Some(x / t),
        lower: Some(lower),
        upper: Some(upper),
    }
}

/// A mean with its t interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mean {
    /// Number of values.
    pub n: usize,
    /// Mean (None for no values).
    pub estimate: Option<f64>,
    /// Standard deviation (None for fewer than 2 values).
    pub sd: Option<f64>,
    /// Lower bound (None for fewer than 2 values).
    pub lower: Option<f64>,
    /// Upper bound.
    pub upper: Option<f64>,
}

/// Mean, SD and t interval, as `t.test(x)`.
pub fn mean_ci(x: &[f64]) -> Mean {
    let n = x.len();
    if n == 0 {
        return Mean {
            n,
            estimate: None,
            sd: None,
            lower: None,
            upper: None,
        };
    }
    let m = x.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Mean {
            n,
            estimate: Some(m),
            sd: None,
            lower: None,
            upper: None,
        };
    }
    let sd = (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let half = qt((1.0 + LEVEL) / 2.0, (n - 1) as f64, true) * sd / (n as f64).sqrt();
    Mean {
        n,
        estimate: Some(m),
        sd: Some(sd),
        lower: Some(m - half),
        upper: Some(m + half),
    }
}

/// Pearson correlation (None for fewer than 3 pairs or no spread).
pub fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 3 || y.len() != n {
        return None;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n as f64, y.iter().sum::<f64>() / n as f64);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}
