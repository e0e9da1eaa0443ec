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
    let hi = if vc <= f64::EPSILON.sqrt() { 10.0 } else { (vc * 100.0).max(10.0) };
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
        .map(|&j| if pr.free[j] && pr.kinds[j] == Kind::Var { one(pr, opt, j, alpha).map(Some) } else { Ok(None) })
        .collect()
}
