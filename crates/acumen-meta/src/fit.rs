//! Fitting the fixed- or random-effects (meta-regression) model, as
//! metafor's `rma.uni`: coefficients and their tests, heterogeneity, fit
//! statistics, weights, fitted values and standardized residuals.

use nalgebra::DMatrix;

use crate::design::Design;
use crate::dist::{pchisq, pf, pnorm, pt, qnorm, qt};
use crate::error::MetaError;
use crate::method::{alpha_of_level, FitOptions, Method, Test};
use crate::proj::{quad_form, spd_inverse, xtux, xtuy, Proj};
use crate::tau2::{estimate, Tau2Input};

/// Log-likelihood, deviance and information criteria.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitStats {
    /// Log-likelihood.
    pub ll: f64,
    /// Deviance.
    pub dev: f64,
    /// AIC.
    pub aic: f64,
    /// BIC.
    pub bic: f64,
    /// AICc.
    pub aicc: f64,
}

/// A fitted model. NaN stands for NA.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Number of studies used.
    pub k: usize,
    /// Number of coefficients.
    pub p: usize,
    /// The model matrix of the studies used.
    pub x: Design,
    /// Outcomes of the studies used.
    pub yi: Vec<f64>,
    /// Sampling variances of the studies used.
    pub vi: Vec<f64>,
    /// The options after metafor's adjustments (k = 1 forces the z test).
    pub opts: FitOptions,
    /// Coefficients.
    pub b: Vec<f64>,
    /// Standard errors.
    pub se: Vec<f64>,
    /// z or t statistics.
    pub stat: Vec<f64>,
    /// p-values.
    pub pval: Vec<f64>,
    /// Lower confidence bounds.
    pub ci_lb: Vec<f64>,
    /// Upper confidence bounds.
    pub ci_ub: Vec<f64>,
    /// Variance-covariance matrix of the coefficients.
    pub vb: DMatrix<f64>,
    /// tau^2.
    pub tau2: f64,
    /// Standard error of tau^2.
    pub se_tau2: f64,
    /// Whether tau^2 was fixed by the user.
    pub tau2_fixed: bool,
    /// I^2 (percent).
    pub i2: f64,
    /// H^2.
    pub h2: f64,
    /// Typical within-study variance.
    pub vt: f64,
    /// Residual heterogeneity statistic.
    pub qe: f64,
    /// Its p-value.
    pub qe_p: f64,
    /// Omnibus test statistic of the `btt` coefficients.
    pub qm: f64,
    /// Its p-value.
    pub qm_p: f64,
    /// Numerator and (for F tests) denominator degrees of freedom.
    pub qm_df: (usize, Option<usize>),
    /// 1-based coefficients tested by QM.
    pub btt: Vec<usize>,
    /// Denominator degrees of freedom of t tests.
    pub ddf: Option<usize>,
    /// Knapp-Hartung scale (1 unless knha).
    pub s2w: f64,
    /// Two-sided alpha.
    pub alpha: f64,
    /// Critical value of the confidence intervals.
    pub crit: f64,
    /// Pseudo-R^2 in percent (models with an intercept and moderators).
    pub r2: Option<f64>,
    /// Weights in percent.
    pub weights_pct: Vec<f64>,
    /// Fitted values.
    pub fitted: Vec<f64>,
    /// Marginal residuals, their standard errors and standardized values.
    pub rstandard: (Vec<f64>, Vec<f64>, Vec<f64>),
    /// ML fit statistics.
    pub ml: FitStats,
    /// REML fit statistics.
    pub reml: FitStats,
    /// Whether all sampling variances are positive.
    pub allvipos: bool,
    /// Iterations of the tau^2 estimator.
    pub iterations: usize,
    /// Whether the tau^2 estimator met its tolerance (see [`crate::tau2::Tau2::converged`]).
    pub tau2_converged: bool,
    /// Redundant moderators that were dropped.
    pub dropped_coefs: Vec<String>,
}

/// Critical value for a two-sided interval with `alpha`.
pub fn critical_value(test: Test, alpha: f64, ddf: Option<usize>) -> f64 {
    match (test, ddf) {
        (Test::Z, _) => qnorm(alpha / 2.0, false),
        (_, Some(d)) if d > 0 => qt(alpha / 2.0, d as f64, false),
        _ => f64::NAN,
    }
}

/// Fits the model for outcomes `yi` with variances `vi` and model matrix `x`.
pub fn fit(yi: &[f64], vi: &[f64], mut x: Design, opts: &FitOptions) -> Result<Fit, MetaError> {
    opts.budget.check()?;
    let k = yi.len();
    if k == 0 {
        return Err(MetaError::model("no studies left to analyse (k = 0)"));
    }
    if vi.len() != k || x.k != k {
        return Err(MetaError::model("yi, vi and the model matrix differ in length"));
    }
    if let Some(i) = vi.iter().position(|v| *v < 0.0 || !v.is_finite()) {
        return Err(MetaError::model(format!(
            "sampling variance {} of study {} is not >= 0",
            vi[i],
            i + 1
        )));
    }
    let mut opts = opts.clone();
    if let Some(w) = &opts.weights {
        if w.len() != k {
            return Err(MetaError::model("weights and yi differ in length"));
        }
        if w.iter().any(|w| *w < 0.0 || !w.is_finite()) {
            return Err(MetaError::model("weights must be finite and >= 0"));
        }
    }
    if let Some(t) = opts.tau2 {
        if !(t >= 0.0) || !t.is_finite() {
            return Err(MetaError::model(format!("a fixed tau^2 must be >= 0, got {t}")));
        }
    }
    if opts.method == Method::GENQ && opts.weights.is_none() {
        return Err(MetaError::model("method GENQ needs user weights (--weights COL)"));
    }
    let dropped_coefs = x.drop_redundant();
    let p = x.p;
    if p == 0 {
        return Err(MetaError::model("the model has no coefficients"));
    }
    let allvipos = vi.iter().all(|v| *v > 0.0);
    if k == 1 {
        opts.test = Test::Z;
    }
    let int_incl = x.has_intercept();
    let int_only = x.p == 1 && int_incl;
    let needed = if opts.method.is_equal_effects() || opts.tau2.is_some() {
        p
    } else {
        p + 1
    };
    if !(int_only && k == 1) && needed > k {
        return Err(MetaError::model(format!(
            "the model has more parameters ({needed}) than studies (k = {k})"
        )));
    }
    let btt = match &opts.btt {
        None if p > 1 && int_incl => (2..=p).collect(),
        None if p > 1 => (1..=p).collect(),
        None => vec![1],
        Some(b) => {
            let mut b: Vec<usize> = b.iter().copied().filter(|&j| j >= 1 && j <= p).collect();
            b.sort_unstable();
            b.dedup();
            if b.is_empty() {
                return Err(MetaError::model(format!(
                    "--btt names no existing coefficient (1 to {p})"
                )));
            }
            b
        }
    };
    let alpha = alpha_of_level(opts.level);
    let kf = k as f64;
    let dfr = k as f64 - p as f64;

    // tau^2
    let mean = yi.iter().sum::<f64>() / kf;
    let ymc: Vec<f64> = yi.iter().map(|y| y - mean).collect();
    let tau2_fixed = opts.tau2.is_some() && !opts.method.is_equal_effects();
    let (tau2, se_tau2, iterations, tau2_converged, sums0) = if opts.method.is_equal_effects() {
        (0.0, f64::NAN, 0, true, None)
    } else if k == 1 {
        (opts.tau2.unwrap_or(0.0), f64::NAN, 0, true, None)
    } else {
        let t = estimate(
            opts.method,
            &Tau2Input {
                y: &ymc,
                vi,
                x: &x,
                weights: opts.weights.as_deref(),
                fixed: opts.tau2,
                maxiter: opts.maxiter,
                stepadj: opts.stepadj,
                budget: &opts.budget,
                allvipos,
                int_only,
            },
        )?;
        (t.tau2, t.se, t.iterations, t.converged, t.sums0)
    };

    // coefficients
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + tau2)).collect();
    let m: Vec<f64> = vi.iter().map(|v| v + tau2).collect();
    let knha = opts.test == Test::Knha;
    let resid_ss = |b: &[f64], wt: &[f64]| -> f64 { (0..k).map(|i| wt[i] * (yi[i] - dot(x.row(i), b)).powi(2)).sum() };
    let mut rss_knha = f64::NAN;
    let (b, mut vb, rss_f, hat_d): (Vec<f64>, DMatrix<f64>, f64, std::borrow::Cow<[f64]>);
    if opts.weighted {
        if opts.weights.is_none() || knha {
            if w.iter().any(|v| v.is_infinite()) {
                return Err(MetaError::zero_weight());
            }
        }
        match &opts.weights {
            None => {
                let a = spd_inverse(xtux(&x, &w), "X'WX")?;
                let bb: Vec<f64> = (&a * xtuy(&x, &w, yi)).iter().copied().collect();
                rss_knha = resid_ss(&bb, &w);
                rss_f = rss_knha;
                vb = a;
                b = bb;
                hat_d = std::borrow::Cow::Borrowed(&w);
            }
            Some(a) => {
                if knha {
                    let pr = Proj::new(&x, w.clone())?;
                    let bk: Vec<f64> = pr.coef(yi).iter().copied().collect();
                    rss_knha = resid_ss(&bk, &w);
                }
                let ainv = spd_inverse(xtux(&x, a), "X'AX")?;
                let bb: Vec<f64> = (&ainv * xtuy(&x, a, yi)).iter().copied().collect();
                let a2m: Vec<f64> = (0..k).map(|i| a[i] * a[i] * m[i]).collect();
                vb = &ainv * xtux(&x, &a2m) * &ainv;
                rss_f = resid_ss(&bb, &w);
                b = bb;
                hat_d = std::borrow::Cow::Borrowed(a);
            }
        }
    } else {
        let ones = vec![1.0; k];
        let ainv = spd_inverse(xtux(&x, &ones), "X'X")?;
        let bb: Vec<f64> = (&ainv * xtuy(&x, &ones, yi)).iter().copied().collect();
        vb = &ainv * xtux(&x, &m) * &ainv;
        rss_f = resid_ss(&bb, &w);
        if knha {
            if w.iter().any(|v| v.is_infinite()) {
                return Err(MetaError::zero_weight());
            }
            let pr = Proj::new(&x, w.clone())?;
            let bk: Vec<f64> = pr.coef(yi).iter().copied().collect();
            rss_knha = resid_ss(&bk, &w);
        }
        b = bb;
        hat_d = std::borrow::Cow::Owned(ones);
    }
    let s2w = if knha {
        if rss_knha <= f64::EPSILON {
            0.0
        } else {
            rss_knha / dfr
        }
    } else {
        1.0
    };
    vb *= s2w;

    let ddf = if opts.test == Test::Z { None } else { Some(k - p) };
    let se: Vec<f64> = (0..p).map(|j| vb[(j, j)].sqrt()).collect();
    let stat: Vec<f64> = (0..p).map(|j| b[j] / se[j]).collect();
    let crit = critical_value(opts.test, alpha, ddf);
    let (qm, qm_p, qm_df) = omnibus(&b, &vb, &btt, ddf);
    let pval: Vec<f64> = stat
        .iter()
        .map(|t| match ddf {
            None => 2.0 * pnorm(t.abs(), false),
            Some(d) if d > 0 => 2.0 * pt(t.abs(), d as f64, false),
            Some(_) => f64::NAN,
        })
        .collect();
    let ci_lb: Vec<f64> = (0..p).map(|j| b[j] - crit * se[j]).collect();
    let ci_ub: Vec<f64> = (0..p).map(|j| b[j] + crit * se[j]).collect();

    // heterogeneity
    let (qe, qe_p, i2, h2, vt);
    if allvipos {
        if k > p {
            let (rss, trp) = if int_only {
                // The estimator's sums at tau^2 = 0, when it made them.
                let s = match sums0 {
                    Some(s) => s,
                    None => crate::tau2::IntSums::new(&ymc, vi, 0.0)?,
                };
                (s.rss(), s.tr())
            } else {
                let pr = Proj::new(&x, vi.iter().map(|v| 1.0 / v).collect())?;
                (pr.rss(&ymc), pr.tr())
            };
            qe = rss.max(0.0);
            qe_p = pchisq(qe, dfr, false);
            vt = dfr / trp;
            if opts.method.is_equal_effects() {
                i2 = (100.0 * (qe - dfr) / qe).max(0.0);
                h2 = qe / dfr;
            } else {
                i2 = 100.0 * tau2 / (vt + tau2);
                h2 = tau2 / vt + 1.0;
            }
        } else {
            qe = 0.0;
            qe_p = 1.0;
            i2 = 0.0;
            h2 = 1.0;
            vt = 0.0;
        }
    } else {
        qe = f64::NAN;
        qe_p = f64::NAN;
        i2 = f64::NAN;
        h2 = f64::NAN;
        vt = f64::NAN;
    }

    // fit statistics
    let parms = p as f64
        + if opts.method.is_equal_effects() || tau2_fixed {
            0.0
        } else {
            1.0
        };
    let two_pi = 2.0 * std::f64::consts::PI;
    let slog = crate::sumlog::sum_ln(m.iter().copied());
    let ll_ml = -0.5 * kf * two_pi.ln() - 0.5 * slog - 0.5 * rss_f;
    let logdet = |u: &[f64]| -> f64 {
        xtux(&x, u)
            .cholesky()
            .map_or(f64::NAN, |c| 2.0 * c.l().diagonal().iter().map(|v| v.ln()).sum::<f64>())
    };
    let logdet_xtx = if x.p == 1 {
        x.data.iter().map(|v| v * v).sum::<f64>().ln()
    } else {
        logdet(&vec![1.0; k])
    };
    let ll_reml = -0.5 * dfr * two_pi.ln() + 0.5 * logdet_xtx - 0.5 * slog - 0.5 * logdet(&w) - 0.5 * rss_f;
    let dev_ml = if k > p {
        if allvipos {
            let sat = -0.5 * (kf * two_pi.ln() + crate::sumlog::sum_ln(vi.iter().copied()));
            -2.0 * (ll_ml - sat)
        } else {
            -2.0 * ll_ml
        }
    } else {
        0.0
    };
    let aicc = |ll: f64, n: f64| {
        let nn = n.max(parms + 2.0);
        -2.0 * ll + 2.0 * parms * nn / (nn - parms - 1.0)
    };
    let ml = FitStats {
        ll: ll_ml,
        dev: dev_ml,
        aic: -2.0 * ll_ml + 2.0 * parms,
        bic: -2.0 * ll_ml + parms * kf.ln(),
        aicc: aicc(ll_ml, kf),
    };
    let reml = FitStats {
        ll: ll_reml,
        dev: -2.0 * ll_reml,
        aic: -2.0 * ll_reml + 2.0 * parms,
        bic: -2.0 * ll_reml + parms * dfr.ln(),
        aicc: aicc(ll_reml, dfr),
    };

    // weights, fitted values, standardized residuals
    let wsrc: &[f64] = match (&opts.weights, opts.weighted) {
        (_, false) => &[],
        (Some(a), true) => a,
        (None, true) => &w,
    };
    let weights_pct: Vec<f64> = if wsrc.is_empty() {
        vec![100.0 / kf; k]
    } else {
        let wsum: f64 = wsrc.iter().sum();
        wsrc.iter().map(|v| v / wsum * 100.0).collect()
    };
    let fitted: Vec<f64> = (0..k).map(|i| dot(x.row(i), &b)).collect();
    let rstandard = marginal_residuals(&x, yi, &fitted, &hat_d, &m)?;

    let mut fit = Fit {
        k,
        p,
        yi: yi.to_vec(),
        vi: vi.to_vec(),
        b,
        se,
        stat,
        pval,
        ci_lb,
        ci_ub,
        vb,
        tau2,
        se_tau2,
        tau2_fixed,
        i2,
        h2,
        vt,
        qe,
        qe_p,
        qm,
        qm_p,
        qm_df,
        btt,
        ddf,
        s2w,
        alpha,
        crit,
        r2: None,
        weights_pct,
        fitted,
        rstandard,
        ml,
        reml,
        allvipos,
        iterations,
        tau2_converged,
        dropped_coefs,
        x,
        opts,
    };
    if !int_only && int_incl && !fit.opts.skip_r2 {
        fit.r2 = Some(pseudo_r2(&fit)?);
    }
    Ok(fit)
}

use crate::residuals::{dot, marginal_residuals};

impl Fit {
    /// Options for refitting this model on other data (as metafor's
    /// diagnostics do): same estimator, test, level and weighting, the fixed
    /// tau^2 kept fixed, default `btt`, no pseudo-R^2.
    pub fn refit_options(&self) -> FitOptions {
        let mut o = self.opts.clone();
        o.btt = None;
        o.skip_r2 = true;
        o.weights = None;
        o.tau2 = if self.tau2_fixed { Some(self.tau2) } else { None };
        o
    }

    /// Refits the same model to the studies with `keep[i]` true.
    pub fn refit_subset(&self, keep: &[bool], with_moderators: bool) -> Result<Fit, MetaError> {
        let y: Vec<f64> = (0..self.k).filter(|&i| keep[i]).map(|i| self.yi[i]).collect();
        let v: Vec<f64> = (0..self.k).filter(|&i| keep[i]).map(|i| self.vi[i]).collect();
        let x = if with_moderators {
            self.x.subset(keep)
        } else {
            Design::intercept(y.len())
        };
        let mut o = self.refit_options();
        o.weights = self
            .opts
            .weights
            .as_ref()
            .map(|w| (0..self.k).filter(|&i| keep[i]).map(|i| w[i]).collect());
        fit(&y, &v, x, &o)
    }
}

/// The Wald test of the coefficients `btt` (1-based): chi^2 with m df for
/// z tests, F(m, ddf) for t tests (statistic divided by m), as metafor.
pub fn omnibus(b: &[f64], vb: &DMatrix<f64>, btt: &[usize], ddf: Option<usize>) -> (f64, f64, (usize, Option<usize>)) {
    let m = btt.len();
    let idx: Vec<usize> = btt.iter().map(|j| j - 1).collect();
    let sub = DMatrix::from_fn(m, m, |r, c| vb[(idx[r], idx[c])]);
    let bs: Vec<f64> = idx.iter().map(|&j| b[j]).collect();
    let qm = sub.cholesky().map_or(f64::NAN, |ch| quad_form(&ch.inverse(), &bs));
    match ddf {
        None => (qm, pchisq(qm, m as f64, false), (m, None)),
        Some(d) => {
            let q = qm / m as f64;
            let p = if d > 0 {
                pf(q, m as f64, d as f64, false)
            } else {
                f64::NAN
            };
            (q, p, (m, Some(d)))
        }
    }
}

/// metafor's pseudo-R^2 (its default definition): the proportional
/// reduction in tau^2 against the intercept-only model, or for
/// equal-effects models the adjusted R^2 of the weighted regression.
fn pseudo_r2(f: &Fit) -> Result<f64, MetaError> {
    let k = f.k;
    if f.opts.method.is_equal_effects() {
        let first = f.yi[0];
        if f.yi.iter().all(|y| *y == first) {
            return Ok(0.0);
        }
        let wt: Vec<f64> = if !f.opts.weighted {
            vec![1.0; k]
        } else {
            f.opts
                .weights
                .clone()
                .unwrap_or_else(|| f.vi.iter().map(|v| 1.0 / v).collect())
        };
        let pr = Proj::new(&f.x, wt.clone())?;
        let rss = pr.rss(&f.yi);
        let sw: f64 = wt.iter().sum();
        let ybar = wt.iter().zip(&f.yi).map(|(w, y)| w * y).sum::<f64>() / sw;
        let tss: f64 = wt.iter().zip(&f.yi).map(|(w, y)| w * (y - ybar).powi(2)).sum();
        let r2 = 1.0 - rss / tss;
        let adj = 1.0 - (1.0 - r2) * ((k as f64 - 1.0) / (k as f64 - f.p as f64));
        return Ok((100.0 * adj).max(0.0));
    }
    let mut o = f.opts.clone();
    o.tau2 = None;
    o.btt = None;
    match fit(&f.yi, &f.vi, Design::intercept(k), &o) {
        Ok(r0) => {
            if r0.tau2 == 0.0 {
                Ok(0.0)
            } else {
                Ok((100.0 * (r0.tau2 - f.tau2) / r0.tau2).max(0.0))
            }
        }
        Err(_) => Ok(f64::NAN),
    }
}
