//! Q-profile confidence intervals for tau^2, tau, I^2 and H^2
//! (metafor's `confint.rma.uni`, type "QP").

use crate::dist::qchisq;
use crate::error::MetaError;
use crate::fit::Fit;
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

/// Whether the Q-profile interval applies to this fit.
pub fn applies(f: &Fit) -> bool {
    !f.opts.method.is_equal_effects()
        && f.k > 1
        && !f.tau2_fixed
        && f.allvipos
        && f.opts.method != crate::method::Method::GENQ
}

/// Q-profile confidence intervals at the fit's level.
pub fn confint(f: &Fit) -> Result<HetConfint, MetaError> {
    if !applies(f) {
        return Err(MetaError::model(
            "a Q-profile interval needs an estimated tau^2 (random-effects model, k > 1, positive variances)",
        ));
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
    let i2 = |t: f64| 100.0 * t / (f.vt + t);
    let h2 = |t: f64| t / f.vt + 1.0;
    let sq = |t: f64| if t >= 0.0 { t.sqrt() } else { f64::NAN };
    Ok(HetConfint {
        tau2: [f.tau2, lb, ub],
        tau: [sq(f.tau2), sq(lb), sq(ub)],
        i2: [f.i2, i2(lb), i2(ub)],
        h2: [f.h2, h2(lb), h2(ub)],
        lb_sign,
        ub_sign,
    })
}
