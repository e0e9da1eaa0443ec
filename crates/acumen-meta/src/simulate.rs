//! Monte Carlo studies of meta-analytic methods (`acumen simulate`): each
//! replicate draws k two-arm trials, computes Hedges' g exactly as
//! `escalc`, fits the model exactly as `fit`, and scores the estimate, the
//! confidence interval and the prediction interval against the truth.
//! Replicates run in parallel, each on its own seeded random stream, so a
//! seed gives the same answer whatever the thread count.

use rand::{RngExt, SeedableRng};
use rand_distr::{ChiSquared, Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::design::Design;
use crate::error::MetaError;
use crate::escalc::{smd, VType};
use crate::fit::fit;
use crate::method::FitOptions;
use crate::predict::predict;

/// The simulated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Studies per meta-analysis.
    pub k: usize,
    /// Smallest per-arm sample size.
    pub n_min: u32,
    /// Largest per-arm sample size.
    pub n_max: u32,
    /// True mean effect (standardized mean difference).
    pub effect: f64,
    /// True between-study variance.
    pub tau2: f64,
    /// Replicates.
    pub reps: usize,
    /// Seed.
    pub seed: u64,
    /// Model settings.
    pub fit: FitOptions,
}

/// Performance of the method over the replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Replicates that gave a fit.
    pub converged: usize,
    /// Replicates whose fit failed (e.g. no convergence).
    pub nonconverged: usize,
    /// Mean of the pooled estimates.
    pub mean_estimate: f64,
    /// Mean estimate minus the true effect.
    pub bias: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Share of confidence intervals containing the true effect.
    pub ci_coverage: f64,
    /// Share of prediction intervals containing a new study's true effect.
    pub pi_coverage: f64,
    /// Mean tau^2 estimate.
    pub mean_tau2: f64,
    /// tau^2 quantiles at 2.5, 25, 50, 75 and 97.5% (R's type 7).
    pub tau2_quantiles: [f64; 5],
}

struct Rep {
    est: f64,
    covered: bool,
    pi_covered: bool,
    tau2: f64,
}

fn one(s: &Scenario, i: u64) -> Option<Rep> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(crate::seed::stream_seed(s.seed, i));
    let std_normal = Normal::new(0.0, 1.0).ok()?;
    let mut yi = Vec::with_capacity(s.k);
    let mut vi = Vec::with_capacity(s.k);
    for _ in 0..s.k {
        let theta = s.effect + s.tau2.sqrt() * std_normal.sample(&mut rng);
        let n1 = rng.random_range(s.n_min..=s.n_max) as f64;
        let n2 = rng.random_range(s.n_min..=s.n_max) as f64;
        // Sample means and SDs from their exact sampling distributions.
        let m1 = theta + std_normal.sample(&mut rng) / n1.sqrt();
        let m2 = std_normal.sample(&mut rng) / n2.sqrt();
        let sd1 = (ChiSquared::new(n1 - 1.0).ok()?.sample(&mut rng) / (n1 - 1.0)).sqrt();
        let sd2 = (ChiSquared::new(n2 - 1.0).ok()?.sample(&mut rng) / (n2 - 1.0)).sqrt();
        let (y, v) = smd(m1, sd1, n1, m2, sd2, n2, VType::LS);
        yi.push(y);
        vi.push(v);
    }
    let f = fit(&yi, &vi, Design::intercept(s.k), &s.fit).ok()?;
    let p = predict(&f, None).ok()?;
    let theta_new = s.effect + s.tau2.sqrt() * std_normal.sample(&mut rng);
    Some(Rep {
        est: f.b[0],
        covered: f.ci_lb[0] <= s.effect && s.effect <= f.ci_ub[0],
        pi_covered: p.pi_lb[0] <= theta_new && theta_new <= p.pi_ub[0],
        tau2: f.tau2,
    })
}

/// R's type-7 quantile of sorted data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Runs the study; `progress` is called with the number of finished replicates.
pub fn simulate(s: &Scenario, progress: &(dyn Fn(u64) + Sync)) -> Result<Summary, MetaError> {
    if s.k < 2 || s.reps == 0 || s.n_min < 2 || s.n_max < s.n_min || !(s.tau2 >= 0.0) || !s.effect.is_finite() {
        return Err(MetaError::model(
            "simulate needs k >= 2, reps >= 1, 2 <= n_min <= n_max, tau2 >= 0 and a finite effect",
        ));
    }
    let done = std::sync::atomic::AtomicU64::new(0);
    let reps: Vec<Option<Rep>> = (0..s.reps as u64)
        .into_par_iter()
        .map(|i| {
            let r = one(s, i);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n % 256 == 0 {
                progress(n);
            }
            r
        })
        .collect();
    progress(s.reps as u64);
    let ok: Vec<&Rep> = reps.iter().flatten().collect();
    let n = ok.len() as f64;
    let mean = |f: &dyn Fn(&Rep) -> f64| ok.iter().map(|r| f(r)).sum::<f64>() / n;
    let mean_estimate = mean(&|r| r.est);
    let mut t2: Vec<f64> = ok.iter().map(|r| r.tau2).collect();
    t2.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Ok(Summary {
        converged: ok.len(),
        nonconverged: s.reps - ok.len(),
        mean_estimate,
        bias: mean_estimate - s.effect,
        rmse: mean(&|r| (r.est - s.effect).powi(2)).sqrt(),
        ci_coverage: mean(&|r| f64::from(u8::from(r.covered))),
        pi_coverage: mean(&|r| f64::from(u8::from(r.pi_covered))),
        mean_tau2: mean(&|r| r.tau2),
        tau2_quantiles: [0.025, 0.25, 0.5, 0.75, 0.975].map(|q| quantile(&t2, q)),
    })
}

/// `k` outcomes with variances uniform in [0.01, 0.51] and yi ~ N(-0.5, vi + 0.1), from a
/// xorshift generator seeded by `seed` (benchmark and profiling data).
pub fn synthetic_yivi(k: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut s = seed.max(1);
    let mut r = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let vi: Vec<f64> = (0..k).map(|_| 0.01 + 0.5 * r()).collect();
    let yi = vi
        .iter()
        .map(|v| {
            let z = (-2.0 * (1.0 - r()).ln()).sqrt() * (2.0 * std::f64::consts::PI * r()).cos();
            -0.5 + z * (v + 0.1f64).sqrt()
        })
        .collect();
    (yi, vi)
}
