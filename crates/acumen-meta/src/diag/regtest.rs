//! Egger's regression test for funnel-plot asymmetry (metafor's `regtest`
//! with the standard error as predictor): the meta-regression version
//! (`rma`, metafor's default) and the classical weighted regression (`lm`).

use crate::design::Design;
use crate::dist::{pt, qt};
use crate::proj::Proj;
use crate::{fit, Fit, MetaError};

/// One version of the test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Egger {
    /// Test statistic of the sqrt(vi) coefficient.
    pub stat: f64,
    /// Its p-value.
    pub pval: f64,
    /// Degrees of freedom (None for a z test).
    pub ddf: Option<usize>,
    /// Limit estimate (the intercept, as the standard error goes to 0).
    pub limit_est: f64,
    /// Its confidence interval.
    pub limit_ci_lb: f64,
    /// Its confidence interval.
    pub limit_ci_ub: f64,
}

/// Both versions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegTest {
    /// sqrt(vi) added as a moderator to the same model.
    pub rma_sei: Egger,
    /// Weighted least squares of yi on sqrt(vi) with weights 1/vi.
    pub lm_sei: Egger,
}

/// Runs both versions for the model `f`.
pub fn regtest(f: &Fit) -> Result<RegTest, MetaError> {
    let (k, p) = (f.k, f.p);
    let names: Vec<String> = f.x.names.iter().cloned().chain(["sei".to_string()]).collect();
    let rows: Vec<Vec<f64>> = (0..k)
        .map(|i| f.x.row(i).iter().copied().chain([f.vi[i].sqrt()]).collect())
        .collect();
    let x = Design::from_rows(names, &rows);
    if k < p + 2 {
        return Err(MetaError::model(format!(
            "Egger's test needs at least {} studies here (k = {k})",
            p + 2
        )));
    }
    let mut o = f.refit_options();
    o.weights = f.opts.weights.clone();
    let r = fit(&f.yi, &f.vi, x.clone(), &o)?;
    if !r.dropped_coefs.is_empty() {
        return Err(MetaError::model(
            "Egger's test: sqrt(vi) is collinear with the moderators",
        ));
    }
    let limit = f.x.is_intercept_only();
    let nan = f64::NAN;
    let rma_sei = Egger {
        stat: r.stat[p],
        pval: r.pval[p],
        ddf: r.ddf,
        limit_est: if limit { r.b[0] } else { nan },
        limit_ci_lb: if limit { r.ci_lb[0] } else { nan },
        limit_ci_ub: if limit { r.ci_ub[0] } else { nan },
    };
    // Classical: lm(yi ~ X - 1, weights = 1/vi); coefficient SEs scaled by
    // the residual variance, t with k - p - 1 df.
    let w: Vec<f64> = f.vi.iter().map(|v| 1.0 / v).collect();
    let pr = Proj::new(&x, w)?;
    let b = pr.coef(&f.yi);
    let df = k - p - 1;
    let sigma2 = pr.rss(&f.yi) / df as f64;
    let se = |j: usize| (sigma2 * pr.a[(j, j)]).sqrt();
    let t = b[p] / se(p);
    let crit = qt(f.alpha / 2.0, df as f64, false);
    let lm_sei = Egger {
        stat: t,
        pval: 2.0 * pt(t.abs(), df as f64, false),
        ddf: Some(df),
        limit_est: if limit { b[0] } else { nan },
        limit_ci_lb: if limit { b[0] - crit * se(0) } else { nan },
        limit_ci_ub: if limit { b[0] + crit * se(0) } else { nan },
    };
    Ok(RegTest { rma_sei, lm_sei })
}
