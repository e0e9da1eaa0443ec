//! The profile-likelihood interval for tau^2 of an `rma.uni` fit (metafor's
//! `confint(fit, type = "PL")`): the values of tau^2 where twice the drop of
//! the log-likelihood (REML for REML fits, ML otherwise, the coefficients
//! re-estimated) reaches the chi-square(1) quantile, searched in metafor's
//! `[min(0, tau^2), max(100, 10 tau^2)]` with R's uniroot stepping; tau, I^2
//! and H^2 follow from the bounds as for the Q-profile interval.

use crate::confint::{applies, interval_of, HetConfint};
use crate::dist::qchisq;
use crate::error::MetaError;
use crate::fit::{fit, Fit};
use crate::method::Method;
use crate::root::{zeroin, R_UNIROOT_TOL};

/// The profile-likelihood interval at the fit's level.
pub fn confint_pl(f: &Fit) -> Result<HetConfint, MetaError> {
    if !applies(f) || f.opts.method == Method::GENQ {
        return Err(MetaError::model(
            "a profile-likelihood interval needs an estimated tau^2 (random-effects model, k > 1, positive variances, not GENQ)",
        ));
    }
    let reml = f.opts.method == Method::REML;
    let ll_hat = if reml { f.reml.ll } else { f.ml.ll };
    let crit = qchisq(f.alpha, 1.0, false);
    let mut o = f.refit_options();
    o.weights = f.opts.weights.clone();
    let mut failure = None;
    let mut g = |t: f64| -> f64 {
        o.tau2 = Some(t);
        match fit(&f.yi, &f.vi, f.x.clone(), &o) {
            Ok(r) => -2.0 * ((if reml { r.reml.ll } else { r.ml.ll }) - ll_hat) - crit,
            Err(e) => {
                failure.get_or_insert(e);
                f64::NAN
            }
        }
    };
    let (lo, hi) = (f.tau2.min(0.0), (f.tau2 * 10.0).max(100.0));
    let at_hat = g(f.tau2);
    let (mut lb_sign, mut ub_sign) = ("", "");
    let f_lo = g(lo);
    let lb = if f_lo.is_nan() {
        f64::NAN
    } else if f_lo < 0.0 {
        if lo > 0.0 {
            lb_sign = "<";
        }
        lo
    } else {
        zeroin(&mut g, lo, f.tau2, f_lo, at_hat, R_UNIROOT_TOL, 1000).x
    };
    let f_hi = g(hi);
    let ub = if f_hi.is_nan() {
        f64::NAN
    } else if f_hi < 0.0 {
        ub_sign = ">";
        hi
    } else {
        zeroin(&mut g, f.tau2, hi, at_hat, f_hi, R_UNIROOT_TOL, 1000).x
    };
    if let (Some(e), true) = (failure, lb.is_nan() && ub.is_nan()) {
        return Err(e);
    }
    Ok(interval_of(f, lb, ub, lb_sign, ub_sign))
}
