//! The tau^2 estimators of metafor's `rma.uni` (3.8), step for step: the
//! same starting values, update rules, truncation and stopping rules, and
//! the same standard-error formulas.

use crate::design::Design;
use crate::dist::qchisq;
use crate::error::MetaError;
use crate::method::Method;
use crate::proj::Proj;
use crate::root::{zeroin, R_UNIROOT_TOL};
use crate::sumlog::sum_ln;

/// metafor's `threshold` for the iterative estimators.
pub const THRESHOLD: f64 = 1e-5;

/// Result of tau^2 estimation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tau2 {
    /// The estimate (truncated at 0).
    pub tau2: f64,
    /// Its standard error (NaN where metafor gives none).
    pub se: f64,
    /// Iterations used by an iterative estimator.
    pub iterations: usize,
    /// Whether the estimator met its tolerance (false only where metafor
    /// warns and goes on: PM's and PMM's root search at its iteration limit).
    pub converged: bool,
    /// For an intercept-only ML/REML fit, the weighted sums at tau^2 = 0
    /// that the check against tau^2 = 0 computed (the fit's QE reuses them).
    pub(crate) sums0: Option<IntSums>,
}

/// Inputs shared by the estimators.
pub struct Tau2Input<'a> {
    /// Mean-centred outcomes (metafor estimates tau^2 from `yi - mean(yi)`).
    pub y: &'a [f64],
    /// Sampling variances.
    pub vi: &'a [f64],
    /// Model matrix.
    pub x: &'a Design,
    /// User weights (GENQ).
    pub weights: Option<&'a [f64]>,
    /// A fixed value instead of an estimate.
    pub fixed: Option<f64>,
    /// Iteration limit.
    pub maxiter: usize,
    /// Fisher scoring's step adjustment (metafor's `stepadj`, 1 by default).
    pub stepadj: f64,
    /// The caller's cancel flag, checked at every iteration.
    pub budget: &'a crate::budget::Budget,
    /// Whether all sampling variances are positive.
    pub allvipos: bool,
    /// Whether the model is intercept-only (fast paths).
    pub int_only: bool,
}

fn weights_for(vi: &[f64], tau2: f64) -> Result<Vec<f64>, MetaError> {
    if vi.iter().any(|v| v + tau2 < 0.0) {
        return Err(MetaError::model("some marginal variances are negative"));
    }
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + tau2)).collect();
    if w.iter().any(|w| w.is_infinite()) {
        return Err(MetaError::zero_weight());
    }
    Ok(w)
}

/// `sum(wi)` and `sum(wi^2)`.
fn sums(w: &[f64]) -> (f64, f64) {
    (w.iter().sum(), w.iter().map(|w| w * w).sum())
}

/// Accumulators per chunk.
const LANES: usize = 4;
/// Inputs shorter than this are summed in one chunk on the calling thread.
const CHUNK: usize = 1 << 15;

/// Applies `f` to matching chunks of `a` and `b` (in parallel when there are
/// several) and combines the results in chunk order with `add`. A short
/// input is one chunk, summed on the calling thread without allocating.
fn chunked<T: Send>(a: &[f64], b: &[f64], f: impl Fn(&[f64], &[f64]) -> T + Sync, add: impl Fn(T, T) -> T) -> T {
    use rayon::prelude::*;
    if a.len() <= CHUNK {
        return f(a, b);
    }
    let parts: Vec<T> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| f(x, y))
        .collect();
    parts.into_iter().reduce(add).expect("at least one chunk")
}

/// Calls `add(lane, y, v)` for every pair, lane = index mod `LANES`.
fn in_lanes(y: &[f64], vi: &[f64], add: &mut impl FnMut(usize, f64, f64)) {
    let (yc, vc) = (y.chunks_exact(LANES), vi.chunks_exact(LANES));
    let (yr, vr) = (yc.remainder(), vc.remainder());
    for (ys, vs) in yc.zip(vc) {
        for j in 0..LANES {
            add(j, ys[j], vs[j]);
        }
    }
    for (j, (y, v)) in yr.iter().zip(vr).enumerate() {
        add(j, *y, *v);
    }
}

/// sum w, sum w y, any negative marginal variance, any infinite weight.
fn first_pass(y: &[f64], vi: &[f64], tau2: f64) -> (f64, f64, bool, bool) {
    let (mut w1, mut wy) = ([0.0_f64; LANES], [0.0_f64; LANES]);
    let (mut negative, mut infinite) = (false, false);
    let mut add = |j: usize, y: f64, v: f64| {
        let m = v + tau2;
        negative |= m < 0.0;
        let w = 1.0 / m;
        infinite |= w.is_infinite();
        w1[j] += w;
        wy[j] += w * y;
    };
    in_lanes(y, vi, &mut add);
    (w1.iter().sum(), wy.iter().sum(), negative, infinite)
}

/// As `first_pass` for a short input (the per-analysis case of a batch):
/// the weights go to `w` first (one loop of divisions, kept for the second
/// pass), then one accumulator per sum, which at k <= `SMALL` is faster
/// than `LANES` accumulators and as accurate.
fn first_pass_small(y: &[f64], vi: &[f64], tau2: f64, w: &mut [f64]) -> (f64, f64, bool, bool) {
    let mut negative = false;
    for (w, v) in w.iter_mut().zip(vi) {
        let m = v + tau2;
        negative |= m < 0.0;
        *w = 1.0 / m;
    }
    let infinite = w.iter().any(|w| w.is_infinite());
    let (mut w1, mut wy) = (0.0, 0.0);
    for (y, w) in y.iter().zip(w.iter()) {
        w1 += w;
        wy += w * y;
    }
    (w1, wy, negative, infinite)
}

/// sum w^2, sum w^3, sum w (y - b)^2, sum w^2 (y - b)^2.
fn second_pass(y: &[f64], vi: &[f64], tau2: f64, b: f64) -> [f64; 4] {
    let mut acc = [[0.0_f64; LANES]; 4];
    let mut add = |j: usize, y: f64, v: f64| {
        let w = 1.0 / (v + tau2);
        let e = y - b;
        let w2 = w * w;
        acc[0][j] += w2;
        acc[1][j] += w2 * w;
        acc[2][j] += w * e * e;
        acc[3][j] += w2 * e * e;
    };
    in_lanes(y, vi, &mut add);
    acc.map(|a| a.iter().sum())
}

/// Up to this many studies, the weights of the first pass are kept on the
/// stack for the second (half the divisions).
const SMALL: usize = 64;

/// Weighted sums that give, for an intercept-only model, everything the
/// Fisher scoring step needs in one pass (w = 1/(v + tau^2), P = W - ww'/sum w).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct IntSums {
    w1: f64,
    w2: f64,
    w3: f64,
    /// sum w (y - b)^2
    wyy: f64,
    /// sum w^2 (y - b)^2
    w2yy: f64,
}

impl IntSums {
    /// Two passes: weights and the pooled mean first, then centred sums (no cancellation).
    pub(crate) fn new(y: &[f64], vi: &[f64], tau2: f64) -> Result<Self, MetaError> {
        Self::with_log(y, vi, tau2, false).map(|(s, _)| s)
    }

    /// As `new`, also returning sum ln(v + tau^2) when `log` is set.
    ///
    /// Large inputs are cut into fixed chunks summed on the rayon pool and
    /// combined in chunk order, and each chunk sums in `LANES` independent
    /// accumulators: the result is the same on any number of threads, and
    /// at k = 10^6 (where these passes dominate a fit) both cores work.
    pub(crate) fn with_log(y: &[f64], vi: &[f64], tau2: f64, log: bool) -> Result<(Self, f64), MetaError> {
        let n = y.len().min(vi.len());
        let (y, vi) = (&y[..n], &vi[..n]);
        if n <= SMALL {
            let mut w = [0.0_f64; SMALL];
            let (w1, wy, negative, infinite) = first_pass_small(y, vi, tau2, &mut w[..n]);
            Self::check(negative, infinite)?;
            let b = wy / w1;
            let (mut w2, mut w3, mut wyy, mut w2yy) = (0.0, 0.0, 0.0, 0.0);
            for (y, w) in y.iter().zip(&w[..n]) {
                let e = y - b;
                let ww = w * w;
                w2 += ww;
                w3 += ww * w;
                wyy += w * e * e;
                w2yy += ww * e * e;
            }
            let slog = if log { sum_ln(vi.iter().map(|v| v + tau2)) } else { 0.0 };
            return Ok((IntSums { w1, w2, w3, wyy, w2yy }, slog));
        }
        let (w1, wy, negative, infinite) = chunked(
            y,
            vi,
            |ys, vs| first_pass(ys, vs, tau2),
            |a, b| (a.0 + b.0, a.1 + b.1, a.2 | b.2, a.3 | b.3),
        );
        Self::check(negative, infinite)?;
        let b = wy / w1;
        let [w2, w3, wyy, w2yy] = chunked(
            y,
            vi,
            |ys, vs| second_pass(ys, vs, tau2, b),
            |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]],
        );
        let s = IntSums { w1, w2, w3, wyy, w2yy };
        let slog = if log {
            chunked(vi, vi, |vs, _| sum_ln(vs.iter().map(|v| v + tau2)), |a, b| a + b)
        } else {
            0.0
        };
        Ok((s, slog))
    }
    fn check(negative: bool, infinite: bool) -> Result<(), MetaError> {
        if negative {
            return Err(MetaError::model("some marginal variances are negative"));
        }
        if infinite {
            return Err(MetaError::zero_weight());
        }
        Ok(())
    }
    /// y'Py = sum w (y - b)^2.
    pub(crate) fn rss(&self) -> f64 {
        self.wyy
    }
    /// y'PPy = sum (w (y - b))^2.
    fn rss2(&self) -> f64 {
        self.w2yy
    }
    /// tr(P).
    pub(crate) fn tr(&self) -> f64 {
        self.w1 - self.w2 / self.w1
    }
    /// tr(PP).
    fn tr_pp(&self) -> f64 {
        self.w2 - 2.0 * self.w3 / self.w1 + (self.w2 / self.w1).powi(2)
    }
}

/// Residual Q at a trial tau^2, as metafor's `.QE.func`.
pub fn qe_at(tau2: f64, y: &[f64], vi: &[f64], x: &Design) -> Result<f64, MetaError> {
    let w = weights_for(vi, tau2)?;
    Ok(Proj::new(x, w)?.rss(y))
}

/// Log-likelihood (ML or REML, without the constant `log det X'X`) used by
/// metafor's check that tau^2 = 0 is not better than the estimate; for an
/// intercept-only model also the weighted sums at `tau2`.
fn ll_check(tau2: f64, inp: &Tau2Input, reml: bool) -> Result<(f64, Option<IntSums>), MetaError> {
    let (k, p) = (inp.x.k as f64, inp.x.p as f64);
    if inp.int_only {
        let (s, slog) = IntSums::with_log(inp.y, inp.vi, tau2, true)?;
        let two_pi = 2.0 * std::f64::consts::PI;
        let ll = if reml {
            -0.5 * (k - p) * two_pi.ln() - 0.5 * slog - 0.5 * s.w1.ln() - 0.5 * s.rss()
        } else {
            -0.5 * k * two_pi.ln() - 0.5 * slog - 0.5 * s.rss()
        };
        return Ok((ll, Some(s)));
    }
    let w = weights_for(inp.vi, tau2)?;
    let pr = Proj::new(inp.x, w)?;
    let rss = pr.rss(inp.y);
    let slog = sum_ln(inp.vi.iter().map(|v| v + tau2));
    let two_pi = 2.0 * std::f64::consts::PI;
    let ll = if reml {
        -0.5 * (k - p) * two_pi.ln() - 0.5 * slog - 0.5 * pr.logdet_xtdx() - 0.5 * rss
    } else {
        -0.5 * k * two_pi.ln() - 0.5 * slog - 0.5 * rss
    };
    Ok((ll, None))
}

fn need_positive(method: Method, inp: &Tau2Input) -> Result<(), MetaError> {
    if !inp.allvipos {
        return Err(MetaError::model(format!(
            "the {method} estimator cannot be used when there are non-positive sampling variances"
        )));
    }
    Ok(())
}

/// An iterative step that left the range of doubles (variances near 1e308,
/// outcomes near 1e300): a clear error instead of a loop that cannot end.
pub(crate) fn out_of_range(what: &str) -> MetaError {
    MetaError::model(format!(
        "{what} produced a non-finite value: the outcomes or sampling variances are too large or too small to compute with (rescale them)"
    ))
}

fn not_converged(what: &str, maxiter: usize) -> MetaError {
    MetaError::NotConverged(format!(
        "{what} did not converge in {maxiter} iterations (raise --maxiter or choose another --method)"
    ))
}

/// Estimates tau^2 with `method` (not EE/FE).
pub fn estimate(method: Method, inp: &Tau2Input) -> Result<Tau2, MetaError> {
    let (k, p) = (inp.x.k, inp.x.p);
    let kf = k as f64;
    let dfr = (k - p) as f64;
    let y = inp.y;
    let vi = inp.vi;
    let pick = |est: f64| inp.fixed.unwrap_or(est);
    let clamp = |t: f64| t.max(0.0);
    let tpos = |t: f64| t.max(0.0);
    let mut iterations = 0;
    let mut converged = true;
    let mut sums0 = None;
    let (tau2, se) = match method {
        Method::EE | Method::FE => (0.0, f64::NAN),
        Method::HS | Method::HSk => {
            need_positive(method, inp)?;
            let w: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
            let (sw, _) = sums(&w);
            let pr = Proj::new(inp.x, w)?;
            let rss = pr.rss(y);
            let est = if method == Method::HS {
                (rss - kf) / sw
            } else {
                (kf / dfr * rss - kf) / sw
            };
            let t = clamp(pick(est));
            let tp = tpos(t);
            let mut se =
                (1.0 / (sw * sw) * (2.0 * dfr + 4.0 * tp * pr.tr() + 2.0 * tp * tp * pr.tr_pupu(None, None))).sqrt();
            if method == Method::HSk {
                se *= kf / dfr;
            }
            (t, se)
        }
        Method::HE => {
            let (t, pr) = he(inp)?;
            let t = clamp(t);
            let tp = tpos(t);
            let trpv = pr.tr_pu(vi);
            let se = (1.0 / (dfr * dfr)
                * (2.0 * pr.tr_pupu(Some(vi), Some(vi)) + 4.0 * tp * trpv + 2.0 * tp * tp * dfr))
                .sqrt();
            (t, se)
        }
        Method::DL => {
            need_positive(method, inp)?;
            let w: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
            let pr = Proj::new(inp.x, w)?;
            let trp = pr.tr();
            let t = clamp(pick((pr.rss(y) - dfr) / trp));
            (t, dl_se(&pr, trp, dfr, tpos(t)))
        }
        Method::DLIT => {
            let mut t = 0.0;
            let mut change = THRESHOLD + 1.0;
            let mut last = None;
            while change > THRESHOLD {
                iterations += 1;
                inp.budget.check()?;
                let old = t;
                let pr = Proj::new(inp.x, weights_for(vi, t)?)?;
                let trp = pr.tr();
                t = pick((pr.rss(y) - dfr) / trp).max(0.0);
                change = (old - t).abs();
                last = Some((pr, trp));
                if iterations > inp.maxiter {
                    return Err(not_converged("the iterative DL estimator", inp.maxiter));
                }
            }
            let (pr, trp) = last.expect("loop runs at least once");
            let t = clamp(t);
            (t, dl_se(&pr, trp, dfr, tpos(t)))
        }
        Method::GENQ => {
            let a = inp
                .weights
                .ok_or_else(|| MetaError::model("method GENQ needs --weights"))?;
            let pr = Proj::new(inp.x, a.to_vec())?;
            let trp = pr.tr();
            let trpv = pr.tr_pu(vi);
            let t = clamp(pick((pr.rss(y) - trpv) / trp));
            let tp = tpos(t);
            let se = (1.0 / (trp * trp)
                * (2.0 * pr.tr_pupu(Some(vi), Some(vi))
                    + 4.0 * tp * pr.tr_pupu(Some(vi), None)
                    + 2.0 * tp * tp * pr.tr_pupu(None, None)))
            .sqrt();
            (t, se)
        }
        Method::SJ => {
            let mean = y.iter().sum::<f64>() / kf;
            let t0 = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / kf;
            let pr = Proj::new(inp.x, weights_for(vi, t0)?)?;
            let t = clamp(pick(t0 * pr.rss(y) / dfr));
            let tp = tpos(t);
            let se = (t0 * t0 / (dfr * dfr)
                * (2.0 * pr.tr_pupu(Some(vi), Some(vi))
                    + 4.0 * tp * pr.tr_pupu(Some(vi), None)
                    + 2.0 * tp * tp * pr.tr_pupu(None, None)))
            .sqrt();
            (t, se)
        }
        Method::SJIT => {
            let mean = y.iter().sum::<f64>() / kf;
            let mut t = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / kf;
            let mut change = THRESHOLD + 1.0;
            while change > THRESHOLD {
                iterations += 1;
                inp.budget.check()?;
                let old = t;
                let pr = Proj::new(inp.x, weights_for(vi, t)?)?;
                t = pick(t * pr.rss(y) / dfr);
                change = (old - t).abs();
                if iterations > inp.maxiter {
                    return Err(not_converged("the iterative SJ estimator", inp.maxiter));
                }
            }
            let t = clamp(t);
            (t, eb_se(vi, t, kf, dfr))
        }
        Method::PM | Method::PMM => {
            need_positive(method, inp)?;
            let t = match inp.fixed {
                Some(v) => v,
                None => {
                    let (t, ok) = pm(method, inp)?;
                    converged = ok;
                    t
                }
            };
            let t = clamp(t);
            (t, eb_se(vi, t, kf, dfr))
        }
        Method::ML | Method::REML | Method::EB => {
            let int_only = inp.int_only;
            let he_t = if int_only { he_intercept(inp) } else { he(inp)?.0 };
            let mut t = he_t.max(0.0);
            let mut change = THRESHOLD + 1.0;
            while change > THRESHOLD {
                iterations += 1;
                inp.budget.check()?;
                let old = t;
                let mut adj = if int_only {
                    // One pass over the data: the same quantities from weighted sums.
                    let s = IntSums::new(y, vi, t)?;
                    match method {
                        Method::ML => (s.rss2() - s.w1) / s.w2,
                        Method::REML => (s.rss2() - s.tr()) / s.tr_pp(),
                        _ => (s.rss() * kf / dfr - kf) / s.w1,
                    }
                } else {
                    let w = weights_for(vi, t)?;
                    let (sw, sw2) = sums(&w);
                    let pr = Proj::new(inp.x, w)?;
                    match method {
                        Method::ML => (pr.rss2(y) - sw) / sw2,
                        Method::REML => (pr.rss2(y) - pr.tr()) / pr.tr_pupu(None, None),
                        _ => (pr.rss(y) * kf / dfr - kf) / sw,
                    }
                };
                if adj.is_nan() {
                    adj = 0.0;
                }
                adj *= inp.stepadj;
                if !adj.is_finite() {
                    return Err(out_of_range("the Fisher scoring algorithm"));
                }
                // Step halving; a finite step reaches t + adj >= 0 within
                // ~1,100 halvings (the exponent range of a double). From
                // t = 0 a downward step halves all the way to -0.0 (metafor's
                // loop does the same), so that case takes its end at once.
                if t == 0.0 && adj < 0.0 {
                    adj = -0.0;
                }
                let mut halvings = 0;
                while t + adj < 0.0 {
                    adj /= 2.0;
                    halvings += 1;
                    if halvings > 2_000 {
                        return Err(out_of_range("the Fisher scoring algorithm"));
                    }
                }
                t = pick(t + adj);
                change = (old - t).abs();
                if iterations > inp.maxiter {
                    return Err(not_converged("the Fisher scoring algorithm", inp.maxiter));
                }
            }
            // The sums at the final tau^2 (and at 0), when the check made them.
            let mut sums_t = None;
            if method != Method::EB && inp.allvipos && inp.fixed.is_none() && t > THRESHOLD {
                let reml = method == Method::REML;
                let (ll0, s0) = ll_check(0.0, inp, reml)?;
                let (ll, st) = ll_check(t, inp, reml)?;
                sums0 = s0;
                sums_t = st;
                if ll0 - ll > R_UNIROOT_TOL {
                    t = 0.0;
                    sums_t = s0;
                }
            }
            let t = clamp(t);
            let at_t = |sums_t: Option<IntSums>| match sums_t {
                Some(s) => Ok(s),
                None => IntSums::new(y, vi, t),
            };
            let se = match method {
                Method::ML if int_only => (2.0 / at_t(sums_t)?.w2).sqrt(),
                Method::ML => (2.0 / sums(&weights_for(vi, t)?).1).sqrt(),
                Method::REML if int_only => (2.0 / at_t(sums_t)?.tr_pp()).sqrt(),
                Method::REML => (2.0 / Proj::new(inp.x, weights_for(vi, t)?)?.tr_pupu(None, None)).sqrt(),
                _ => eb_se(vi, t, kf, dfr),
            };
            (t, se)
        }
    };
    Ok(Tau2 {
        tau2,
        se,
        iterations,
        converged,
        sums0,
    })
}

/// The Hedges (HE) estimate, untruncated, for the intercept-only model in
/// one pass: (sum (y - mean)^2 - (1 - 1/k) sum v) / (k - 1).
fn he_intercept(inp: &Tau2Input) -> f64 {
    let k = inp.y.len() as f64;
    let mean = inp.y.iter().sum::<f64>() / k;
    let rss: f64 = inp.y.iter().map(|y| (y - mean).powi(2)).sum();
    let trpv = inp.vi.iter().sum::<f64>() * (1.0 - 1.0 / k);
    inp.fixed.unwrap_or((rss - trpv) / (k - 1.0))
}

/// The Hedges (HE) estimate (untruncated) and its OLS projection.
fn he<'a>(inp: &Tau2Input<'a>) -> Result<(f64, Proj<'a>), MetaError> {
    let dfr = (inp.x.k - inp.x.p) as f64;
    let pr = Proj::new(inp.x, vec![1.0; inp.x.k])?;
    let est = (pr.rss(inp.y) - pr.tr_pu(inp.vi)) / dfr;
    Ok((inp.fixed.unwrap_or(est), pr))
}

fn dl_se(pr: &Proj, trp: f64, dfr: f64, tp: f64) -> f64 {
    (1.0 / (trp * trp) * (2.0 * dfr + 4.0 * tp * trp + 2.0 * tp * tp * pr.tr_pupu(None, None))).sqrt()
}

fn eb_se(vi: &[f64], t: f64, kf: f64, dfr: f64) -> f64 {
    let sw: f64 = vi.iter().map(|v| 1.0 / (v + t)).sum();
    (2.0 * kf * kf / dfr / (sw * sw)).sqrt()
}

/// Median absolute deviation with R's constant 1.4826.
pub fn mad(x: &[f64]) -> f64 {
    fn median(v: &mut [f64]) -> f64 {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        let n = v.len();
        if n == 0 {
            return f64::NAN;
        }
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
    let mut v = x.to_vec();
    let m = median(&mut v);
    let mut d: Vec<f64> = x.iter().map(|a| (a - m).abs()).collect();
    1.4826 * median(&mut d)
}

/// Paule-Mandel: the root of Q(tau^2) = k - p (PMM: the chi^2 median).
/// The PM/PMM root and whether the search met its tolerance.
fn pm(method: Method, inp: &Tau2Input) -> Result<(f64, bool), MetaError> {
    let dfr = (inp.x.k - inp.x.p) as f64;
    let target = if method == Method::PMM {
        qchisq(0.5, dfr, true)
    } else {
        dfr
    };
    let tau2_max = 100f64.max(10.0 * mad(inp.y).powi(2));
    let f = |t: f64| qe_at(t, inp.y, inp.vi, inp.x).map(|q| q - target);
    let f0 = f(0.0)?;
    if f0 < 0.0 {
        return Ok((0.0, true));
    }
    let fmax = f(tau2_max)?;
    if fmax > 0.0 {
        return Err(MetaError::model(format!(
            "the {method} estimate lies above the search limit tau^2 = {tau2_max}; choose another --method"
        )));
    }
    let mut err = None;
    let root = zeroin(
        |t| match f(t) {
            Ok(v) => v,
            Err(e) => {
                err = Some(e);
                f64::NAN
            }
        },
        0.0,
        tau2_max,
        f0,
        fmax,
        R_UNIROOT_TOL,
        inp.maxiter,
    );
    if let Some(e) = err {
        return Err(e);
    }
    Ok((root.x, root.converged))
}
