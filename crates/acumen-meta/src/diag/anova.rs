//! Model comparisons (metafor's `anova`): a Wald test of chosen
//! coefficients, and the likelihood-ratio test of a reduced model against
//! the full one (both fitted by maximum likelihood).

use crate::design::Design;
use crate::dist::pchisq;
use crate::fit::omnibus;
use crate::method::Method;
use crate::proj::Proj;
use crate::{fit, Fit, FitStats, MetaError};

/// A Wald test of the coefficients `btt` (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Wald {
    /// Coefficients tested.
    pub btt: Vec<usize>,
    /// Test statistic (chi^2, or F for t tests).
    pub qm: f64,
    /// Its p-value.
    pub qm_p: f64,
    /// Degrees of freedom.
    pub qm_df: (usize, Option<usize>),
}

/// Wald test of `btt` in the fitted model, leaving the fit's own QM alone.
pub fn wald(f: &Fit, btt: &[usize]) -> Result<Wald, MetaError> {
    let mut b: Vec<usize> = btt.iter().copied().filter(|&j| j >= 1 && j <= f.p).collect();
    b.sort_unstable();
    b.dedup();
    if b.is_empty() {
        return Err(MetaError::model(format!(
            "--wald names no existing coefficient (1 to {})",
            f.p
        )));
    }
    let (qm, qm_p, qm_df) = omnibus(&f.b, &f.vb, &b, f.ddf);
    Ok(Wald {
        btt: b,
        qm,
        qm_p,
        qm_df,
    })
}

/// The likelihood-ratio test of a reduced model.
#[derive(Debug, Clone, PartialEq)]
pub struct Lrt {
    /// Likelihood-ratio statistic.
    pub lrt: f64,
    /// Its p-value.
    pub pval: f64,
    /// Parameters of the full model.
    pub df_full: usize,
    /// Parameters of the reduced model.
    pub df_reduced: usize,
    /// QE of the full model.
    pub qe_full: f64,
    /// QE of the reduced model.
    pub qe_reduced: f64,
    /// Proportion of tau^2 (or residual variance) accounted for, percent.
    pub r2: f64,
    /// ML fit statistics, full model.
    pub stats_full: FitStats,
    /// ML fit statistics, reduced model.
    pub stats_reduced: FitStats,
}

/// Fits the full (`f`'s design) and reduced designs by ML (EE stays EE) and
/// compares them.
pub fn lrt(f: &Fit, reduced: Design) -> Result<Lrt, MetaError> {
    let mut o = f.refit_options();
    o.weights = f.opts.weights.clone();
    if !o.method.is_equal_effects() {
        o.method = Method::ML;
    }
    let full = fit(&f.yi, &f.vi, f.x.clone(), &o)?;
    let red = fit(&f.yi, &f.vi, reduced, &o)?;
    let parms = |r: &Fit| r.p + usize::from(!(r.opts.method.is_equal_effects() || r.tau2_fixed));
    let (pf_, pr_) = (parms(&full), parms(&red));
    if pf_ == pr_ {
        return Err(MetaError::model(
            "the full and reduced models have the same number of parameters",
        ));
    }
    let (full, red, pf_, pr_) = if pf_ < pr_ {
        (red, full, pr_, pf_)
    } else {
        (full, red, pf_, pr_)
    };
    let lrt = (red.ml.dev - full.ml.dev).max(0.0);
    let r2 = if o.method.is_equal_effects() {
        let s2 = |r: &Fit| -> Result<f64, MetaError> {
            let w: Vec<f64> = match (&r.opts.weights, r.opts.weighted) {
                (_, false) => vec![1.0; r.k],
                (Some(w), true) => w.clone(),
                (None, true) => r.vi.iter().map(|v| 1.0 / v).collect(),
            };
            Ok(Proj::new(&r.x, w)?.rss(&r.yi) / (r.k - r.p) as f64)
        };
        let (sf, sr) = (s2(&full)?, s2(&red)?);
        100.0 * ((sr - sf) / sr).max(0.0)
    } else if red.tau2 == 0.0 {
        0.0
    } else {
        100.0 * ((red.tau2 - full.tau2) / red.tau2).max(0.0)
    };
    Ok(Lrt {
        lrt,
        pval: pchisq(lrt, (pf_ - pr_) as f64, false),
        df_full: pf_,
        df_reduced: pr_,
        qe_full: full.qe,
        qe_reduced: red.qe,
        r2,
        stats_full: full.ml,
        stats_reduced: red.ml,
    })
}
