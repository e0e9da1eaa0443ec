//! Profile-likelihood intervals of the variance components (metafor's
//! `confint.rma.mv`): for each estimated component, the values where twice
//! the drop of the (restricted) log-likelihood, with every other component
//! re-estimated, reaches the chi-square(1) quantile. The search interval
//! and the root finder (R's `uniroot` stepping, metafor's tolerance) are
//! metafor's, so the bounds land where metafor's do.

use crate::dist::qchisq;
use crate::error::MetaError;
use crate::mv::reml::{maximise, Kind, Optimum, Problem};
use crate::root::{zeroin, R_UNIROOT_TOL};

/// `[estimate, lower, upper]`, or `None` for a fixed (or unprofiled) component.
pub type Bounds = Option<[f64; 3]>;

/// The interval of parameter `j` of the optimum `opt` of `pr`.
fn one(pr: &Problem, opt: &Optimum, j: usize, alpha: f64) -> Result<[f64; 3], MetaError> {
    let ll = |e: &crate::mv::reml::Eval| if pr.reml { e.ll_reml } else { e.ll_ml };
    let ll_hat = ll(&opt.eval);
    let crit = qchisq(alpha, 1.0, false);
    let vc = opt.theta[j];
    let mut free = pr.free.to_vec();
    free[j] = false;
    let sub = Problem { free: &free, ..*pr };
    let mut failure = None;
    let mut f = |v: f64| -> f64 {
        let mut start = opt.theta.clone();
        start[j] = v;
        if !(pr.valid)(&start) {
            for (l, k) in pr.kinds.iter().enumerate() {
                if *k == Kind::Cov {
                    start[l] = 0.0;
                }
            }
        }
        match maximise(&sub, &start) {
            Ok(o) => -2.0 * (ll(&o.eval) - ll_hat) - crit,
            Err(e) => {
                failure.get_or_insert(e);
                f64::NAN
            }
        }
    };
    let lo = 0.0;
    let hi = if vc <= f64::EPSILON.sqrt() {
        10.0
    } else {
        (vc * 100.0).max(10.0)
    };
    let f_vc = -crit;
    let f_lo = f(lo);
    let lb = if f_lo.is_nan() {
        f64::NAN
    } else if f_lo < 0.0 {
        lo
    } else {
        zeroin(&mut f, lo, vc, f_lo, f_vc, R_UNIROOT_TOL, 1000).x
    };
    let f_hi = f(hi);
    let ub = if f_hi.is_nan() {
        f64::NAN
    } else if f_hi < 0.0 {
        hi
    } else {
        zeroin(&mut f, vc, hi, f_vc, f_hi, R_UNIROOT_TOL, 1000).x
    };
    if let (Some(e), true) = (failure, lb.is_nan() && ub.is_nan()) {
        return Err(e);
    }
    Ok([vc, lb, ub])
}

/// Intervals for the parameters `which` (indices into the optimum's
/// parameters; fixed ones give `None`) at confidence `level` (percent).
pub fn intervals(pr: &Problem, opt: &Optimum, which: &[usize], level: f64) -> Result<Vec<Bounds>, MetaError> {
    let alpha = crate::method::alpha_of_level(level);
    which
        .iter()
        .map(|&j| {
            if pr.free[j] && pr.kinds[j] == Kind::Var {
                one(pr, opt, j, alpha).map(Some)
            } else {
                Ok(None)
            }
        })
        .collect()
}

/// The interval of a CS structure's rho (parameters `nc` = variance, `nc +
/// 1` = covariance): with rho fixed, `M = V + ... + tau2 (B_var + rho B_cov)`
/// is linear in the remaining parameters, so each profile point is one
/// more fit. metafor's search interval is [-1, 1], moved towards the
/// estimate in tenths where a bound cannot be fitted.
pub fn rho_cs(pr: &Problem, opt: &Optimum, nc: usize, level: f64) -> Result<Bounds, MetaError> {
    let ll = |e: &crate::mv::reml::Eval| if pr.reml { e.ll_reml } else { e.ll_ml };
    let ll_hat = ll(&opt.eval);
    let crit = qchisq(crate::method::alpha_of_level(level), 1.0, false);
    let (a, c) = (opt.theta[nc], opt.theta[nc + 1]);
    if a <= 0.0 {
        return Ok(None);
    }
    let rho_hat = c / a;
    let free: Vec<bool> = pr.free[..=nc].to_vec();
    let kinds: Vec<Kind> = pr.kinds[..=nc].to_vec();
    let always = |_: &[f64]| true;
    let mut start = opt.theta[..=nc].to_vec();
    let mut f = |rho: f64| -> f64 {
        let blocks: Vec<crate::mv::blocks::Block> = pr
            .blocks
            .iter()
            .map(|b| {
                let mut nb = b.clone();
                let combined = &b.a[nc] + &b.a[nc + 1] * rho;
                nb.a.truncate(nc);
                nb.a.push(combined);
                nb
            })
            .collect();
        let sub = Problem {
            blocks: &blocks,
            free: &free,
            kinds: &kinds,
            valid: &always,
            ..*pr
        };
        match maximise(&sub, &start) {
            Ok(o) => {
                start = o.theta.clone();
                -2.0 * (ll(&o.eval) - ll_hat) - crit
            }
            Err(_) => f64::NAN,
        }
    };
    let f_hat = -crit;
    let search = |f: &mut dyn FnMut(f64) -> f64, edge: f64| -> f64 {
        let step = (edge - rho_hat) / 10.0;
        let mut at = edge;
        for _ in 0..10 {
            let fe = f(at);
            if fe.is_nan() {
                at -= step;
                continue;
            }
            if fe < 0.0 {
                return at;
            }
            let (lo, hi, flo, fhi) = if at < rho_hat {
                (at, rho_hat, fe, f_hat)
            } else {
                (rho_hat, at, f_hat, fe)
            };
            return zeroin(&mut *f, lo, hi, flo, fhi, R_UNIROOT_TOL, 1000).x;
        }
        f64::NAN
    };
    let lb = search(&mut f, -1.0);
    let ub = search(&mut f, 1.0);
    Ok(Some([rho_hat, lb, ub]))
}
