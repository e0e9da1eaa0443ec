//! Confidence intervals for tau^2, tau, I^2 and H^2 (metafor's
//! `confint.rma.uni`): the Q-profile interval (type "QP"), and for
//! `method = "GENQ"` the generalized Q-profile interval (type "GENQ"), whose
//! bounds are where the generalized Q statistic's distribution — a weighted
//! sum of chi-squares ([`crate::quadform`]) — puts the observed value at the
//! 1 - alpha/2 and alpha/2 quantiles.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::dist::qchisq;
use crate::error::MetaError;
use crate::fit::Fit;
use crate::method::Method;
use crate::root::{zeroin, R_UNIROOT_TOL};
use crate::tau2::qe_at;

/// `[estimate, lower, upper]` for each heterogeneity measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HetConfint {
    /// tau^2.
    pub tau2: [f64; 3],
    /// tau.
    pub tau: [f64; 3],
    /// I^2 (percent).
    pub i2: [f64; 3],
    /// H^2.
    pub h2: [f64; 3],
    /// metafor's `lb.sign`: `"<"` or `">"` where the lower bound lies beyond
    /// the searched interval `[tau2.min, tau2.max]` (the value shown is that
    /// limit), else `""`.
    pub lb_sign: &'static str,
    /// metafor's `ub.sign`, likewise for the upper bound.
    pub ub_sign: &'static str,
}

/// Whether an interval applies to this fit (a generalized one for GENQ,
/// which needs no positive sampling variances; else the Q-profile).
pub fn applies(f: &Fit) -> bool {
    !f.opts.method.is_equal_effects() && f.k > 1 && !f.tau2_fixed && (f.allvipos || f.opts.method == Method::GENQ)
}

/// The most studies for a generalized interval: each step of its search
/// takes the eigenvalues of a k x k matrix.
pub const GENQ_MAX_K: usize = 1000;

/// Q-profile confidence intervals at the fit's level.
pub fn confint(f: &Fit) -> Result<HetConfint, MetaError> {
    if !applies(f) {
        return Err(MetaError::model(
            "a Q-profile interval needs an estimated tau^2 (random-effects model, k > 1, positive variances)",
        ));
    }
    if f.opts.method == Method::GENQ {
        return genq_confint(f);
    }
    let dfr = (f.k - f.p) as f64;
    let alpha = f.alpha;
    let crit_u = qchisq(alpha / 2.0, dfr, false);
    let crit_l = qchisq(alpha / 2.0, dfr, true);
    let tmin = f.tau2.min(0.0);
    let tmax = 100f64.max(10.0 * f.tau2).max(10.0 * tmin);
    let q = |t: f64| qe_at(t, &f.yi, &f.vi, &f.x);
    let q_max = q(tmax)?;
    let q_min = q(tmin)?;
    let solve = |target: f64| -> Result<f64, MetaError> {
        let mut err = None;
        let r = zeroin(
            |t| match q(t) {
                Ok(v) => v - target,
                Err(e) => {
                    err = Some(e);
                    f64::NAN
                }
            },
            tmin,
            tmax,
            q_min - target,
            q_max - target,
            R_UNIROOT_TOL,
            1000,
        );
        match err {
            Some(e) => Err(e),
            None => Ok(r.x),
        }
    };
    let (mut lb_sign, mut ub_sign) = ("", "");
    let ub = if q_min < crit_l {
        (lb_sign, ub_sign) = ("<", "<");
        tmin
    } else if q_max > crit_l {
        ub_sign = ">";
        tmax
    } else {
        solve(crit_l)?
    };
    let (lb, ub) = if q_max > crit_u {
        (lb_sign, ub_sign) = (">", ">");
        (tmax, tmax)
    } else if q_min < crit_u {
        if tmin > 0.0 {
            lb_sign = "<";
        }
        (tmin, ub)
    } else {
        (solve(crit_u)?, ub)
    };
    Ok(interval_of(f, lb, ub, lb_sign, ub_sign))
}

/// The interval of every heterogeneity measure from the bounds of tau^2.
/// The interval for tau^2 `[lb, ub]` with tau, I^2 and H^2 derived from it.
pub(crate) fn interval_of(f: &Fit, lb: f64, ub: f64, lb_sign: &'static str, ub_sign: &'static str) -> HetConfint {
    let i2 = |t: f64| 100.0 * t / (f.vt + t);
    let h2 = |t: f64| t / f.vt + 1.0;
    let sq = |t: f64| if t >= 0.0 { t.sqrt() } else { f64::NAN };
    HetConfint {
        tau2: [f.tau2, lb, ub],
        tau: [sq(f.tau2), sq(lb), sq(ub)],
        i2: [f.i2, i2(lb), i2(ub)],
        h2: [f.h2, h2(lb), h2(ub)],
        lb_sign,
        ub_sign,
    }
}

/// uniroot of `h` on `[lo, hi]`, where it is `h_lo` and `h_hi` (R's stepping
/// and tolerance), the first error kept.
fn solve(
    h: &dyn Fn(f64) -> Result<f64, MetaError>,
    (lo, h_lo): (f64, f64),
    (hi, h_hi): (f64, f64),
) -> Result<f64, MetaError> {
    let mut err = None;
    let r = zeroin(
        |t| match h(t) {
            Ok(v) => v,
            Err(e) => {
                err.get_or_insert(e);
                f64::NAN
            }
        },
        lo,
        hi,
        h_lo,
        h_hi,
        R_UNIROOT_TOL,
        1000,
    );
    match err {
        Some(e) => Err(e),
        None => Ok(r.x),
    }
}

/// metafor's generalized Q-profile interval (type "GENQ"). With A the
/// diagonal of the GENQ weights and P = A - A X (X'AX)^-1 X'A, the
/// statistic Q = y'Py is, at a given tau^2, distributed as the sum of
/// lambda_j chi^2_1 over the k - p largest eigenvalues of S P S, S =
/// diag(sqrt(vi + tau^2)). The area to the right of Q grows with tau^2: the
/// upper bound is where it reaches 1 - alpha/2, the lower where it reaches
/// alpha/2, searched on the same [tau2.min, tau2.max] as the Q-profile and
/// marked `<`/`>` beyond it, as metafor 3.8 does.
fn genq_confint(f: &Fit) -> Result<HetConfint, MetaError> {
    let (k, p) = (f.k, f.p);
    if k > GENQ_MAX_K {
        return Err(MetaError::model(format!(
            "the generalized Q-profile interval takes the eigenvalues of a k x k matrix at each step; k = {k} is more than {GENQ_MAX_K}"
        )));
    }
    let w = f
        .opts
        .weights
        .as_ref()
        .ok_or_else(|| MetaError::model("method GENQ needs user weights (--weights COL)"))?;
    let x = DMatrix::from_fn(k, p, |i, j| f.x.row(i)[j]);
    let a = DMatrix::from_diagonal(&DVector::from_column_slice(w));
    let inv = (x.transpose() * &a * &x)
        .try_inverse()
        .ok_or_else(|| MetaError::model("X'AX of the GENQ weights is singular"))?;
    let pm = &a - &a * &x * inv * x.transpose() * &a;
    let y = DVector::from_column_slice(&f.yi);
    let q = (y.transpose() * &pm * &y)[(0, 0)];
    // The area to the right of Q when tau^2 = t.
    let right = |t: f64| -> Result<f64, MetaError> {
        f.opts.budget.check()?;
        let s: Vec<f64> = f.vi.iter().map(|v| (v + t).sqrt()).collect();
        if s.iter().any(|v| !v.is_finite()) {
            return Err(MetaError::model("some marginal variances are negative"));
        }
        let sps = DMatrix::from_fn(k, k, |i, j| s[i] * pm[(i, j)] * s[j]);
        let mut lambda: Vec<f64> = SymmetricEigen::new(sps).eigenvalues.iter().copied().collect();
        lambda.sort_by(|a, b| b.total_cmp(a));
        lambda.truncate(k - p);
        crate::quadform::upper_tail(q, &lambda)
    };
    let alpha = f.alpha;
    let tmin = f.tau2.min(0.0);
    let tmax = 100f64.max(10.0 * f.tau2).max(10.0 * tmin);
    let (g_min, g_max) = (right(tmin)?, right(tmax)?);
    let (mut lb_sign, mut ub_sign) = ("", "");
    // The upper bound (both bounds lie below tau2.min when even there the
    // observed Q is too far right).
    let mut ub = if g_min > 1.0 - alpha / 2.0 {
        (lb_sign, ub_sign) = ("<", "<");
        tmin
    } else if g_max < 1.0 - alpha / 2.0 {
        ub_sign = ">";
        tmax
    } else {
        // The ends are known already: each evaluation is an eigen decomposition.
        let h = |g: f64| (1.0 - g) - alpha / 2.0;
        solve(&|t| Ok(h(right(t)?)), (tmin, h(g_min)), (tmax, h(g_max)))?
    };
    // The lower bound (both lie above tau2.max when even there Q is too far left).
    let lb = if g_max < alpha / 2.0 {
        (lb_sign, ub_sign) = (">", ">");
        ub = tmax;
        tmax
    } else if g_min > alpha / 2.0 {
        if tmin > 0.0 {
            lb_sign = "<";
        }
        tmin
    } else {
        let h = |g: f64| g - alpha / 2.0;
        solve(&|t| Ok(h(right(t)?)), (tmin, h(g_min)), (tmax, h(g_max)))?
    };
    Ok(interval_of(f, lb, ub, lb_sign, ub_sign))
}
