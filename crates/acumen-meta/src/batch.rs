//! Many independent intercept-only fits (the voxel-wise or simulation case):
//! `rma.uni(yi, vi)` per row of a rows × cols array, in parallel.
//!
//! [`IntKernel`] computes for an intercept-only model exactly what [`fit`]
//! computes, without what a single fit also builds (fitted values,
//! residuals, weights, fit statistics, the model matrix's copies): the same
//! tau² estimator ([`crate::tau2::estimate`]), then b = Σwy / Σw, its
//! variance 1/Σw (scaled for Knapp–Hartung), the test and the interval, QE
//! and I². Cases off the common path (k < 2, a zero sampling variance, user
//! weights, a fixed tau²) go through [`fit`] itself, so every row agrees
//! with a single fit of the same data.

use rayon::prelude::*;

use crate::design::Design;
use crate::dist::{pchisq, pnorm, pt};
use crate::error::MetaError;
use crate::fit::{critical_value, fit};
use crate::method::{alpha_of_level, FitOptions, Method, Test};
use crate::tau2::{estimate, IntSums, Tau2Input};

/// One intercept-only fit: metafor's names (NaN for NA).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntFit {
    /// Number of studies used.
    pub k: usize,
    /// The pooled estimate.
    pub b: f64,
    /// Its standard error.
    pub se: f64,
    /// z (or t) statistic.
    pub stat: f64,
    /// Two-sided p-value.
    pub pval: f64,
    /// Lower confidence bound.
    pub ci_lb: f64,
    /// Upper confidence bound.
    pub ci_ub: f64,
    /// tau².
    pub tau2: f64,
    /// I² (percent).
    pub i2: f64,
    /// Cochran's Q.
    pub qe: f64,
    /// Its p-value.
    pub qe_p: f64,
}

/// A reusable intercept-only fitter: scratch buffers, model matrices and
/// critical values kept between fits (one per thread).
pub struct IntKernel<'a> {
    opts: &'a FitOptions,
    alpha: f64,
    /// Critical values by residual degrees of freedom (NaN = not yet computed).
    crit: Vec<f64>,
    designs: Vec<Option<Design>>,
    ymc: Vec<f64>,
}

impl<'a> IntKernel<'a> {
    /// A kernel for `opts` (method, test, level, iteration limits).
    pub fn new(opts: &'a FitOptions) -> Self {
        IntKernel {
            opts,
            alpha: alpha_of_level(opts.level),
            crit: Vec::new(),
            designs: Vec::new(),
            ymc: Vec::new(),
        }
    }

    fn common_path(&self, vi: &[f64]) -> bool {
        let o = self.opts;
        vi.len() >= 2
            && o.weighted
            && o.weights.is_none()
            && o.tau2.is_none()
            && o.method != Method::GENQ
            && vi.iter().all(|v| *v > 0.0 && v.is_finite())
    }

    fn critical(&mut self, ddf: Option<usize>) -> f64 {
        let Some(d) = ddf else {
            if self.crit.is_empty() {
                self.crit.push(critical_value(Test::Z, self.alpha, None));
            }
            return self.crit[0];
        };
        if self.crit.len() <= d {
            self.crit.resize(d + 1, f64::NAN);
        }
        if self.crit[d].is_nan() {
            self.crit[d] = critical_value(self.opts.test, self.alpha, Some(d));
        }
        self.crit[d]
    }

    /// Fits `yi` with sampling variances `vi` (of equal length).
    pub fn fit(&mut self, yi: &[f64], vi: &[f64]) -> Result<IntFit, MetaError> {
        if yi.len() != vi.len() || !self.common_path(vi) {
            return slow(yi, vi, self.opts);
        }
        let o = self.opts;
        o.budget.check()?;
        let k = yi.len();
        let kf = k as f64;
        let dfr = kf - 1.0;
        if self.designs.len() <= k {
            self.designs.resize_with(k + 1, || None);
        }
        let x = self.designs[k].get_or_insert_with(|| Design::intercept(k));
        let mean = yi.iter().sum::<f64>() / kf;
        self.ymc.clear();
        self.ymc.extend(yi.iter().map(|y| y - mean));
        let (tau2, sums0) = if o.method.is_equal_effects() {
            (0.0, None)
        } else {
            let t = estimate(
                o.method,
                &Tau2Input {
                    y: &self.ymc,
                    vi,
                    x,
                    weights: None,
                    fixed: None,
                    maxiter: o.maxiter,
                    stepadj: o.stepadj,
                    budget: &o.budget,
                    allvipos: true,
                    int_only: true,
                },
            )?;
            (t.tau2, t.sums0)
        };
        let (mut sw, mut swy) = (0.0, 0.0);
        for (y, v) in yi.iter().zip(vi) {
            let w = 1.0 / (v + tau2);
            if w.is_infinite() {
                return Err(MetaError::zero_weight());
            }
            sw += w;
            swy += w * y;
        }
        let vb0 = 1.0 / sw;
        let b = vb0 * swy;
        let s2w = if o.test == Test::Knha {
            let rss: f64 = yi.iter().zip(vi).map(|(y, v)| (y - b).powi(2) / (v + tau2)).sum();
            if rss <= f64::EPSILON {
                0.0
            } else {
                rss / dfr
            }
        } else {
            1.0
        };
        let se = (vb0 * s2w).sqrt();
        let stat = b / se;
        let ddf = (o.test != Test::Z).then_some(k - 1);
        let pval = match ddf {
            None => 2.0 * pnorm(stat.abs(), false),
            Some(d) => 2.0 * pt(stat.abs(), d as f64, false),
        };
        let crit = self.critical(ddf);
        // The sums at tau² = 0 (QE's), when the estimator already made them.
        let s = match sums0 {
            Some(s) => s,
            None => IntSums::new(&self.ymc, vi, 0.0)?,
        };
        let qe = s.rss().max(0.0);
        let vt = dfr / s.tr();
        let i2 = if o.method.is_equal_effects() {
            (100.0 * (qe - dfr) / qe).max(0.0)
        } else {
            100.0 * tau2 / (vt + tau2)
        };
        Ok(IntFit {
            k,
            b,
            se,
            stat,
            pval,
            ci_lb: b - crit * se,
            ci_ub: b + crit * se,
            tau2,
            i2,
            qe,
            qe_p: pchisq(qe, dfr, false),
        })
    }
}

/// The full fit, for cases off the common path.
fn slow(yi: &[f64], vi: &[f64], opts: &FitOptions) -> Result<IntFit, MetaError> {
    let mut o = opts.clone();
    o.skip_r2 = true;
    let f = fit(yi, vi, Design::intercept(yi.len()), &o)?;
    Ok(IntFit {
        k: f.k,
        b: f.b[0],
        se: f.se[0],
        stat: f.stat[0],
        pval: f.pval[0],
        ci_lb: f.ci_lb[0],
        ci_ub: f.ci_ub[0],
        tau2: f.tau2,
        i2: f.i2,
        qe: f.qe,
        qe_p: f.qe_p,
    })
}

/// One intercept-only fit per row of the row-major `rows` × `cols` arrays
/// `yi` and `vi`; a cell where either value is not finite is an absent
/// study. Rows are fitted in parallel on the rayon pool; the results keep
/// the rows' order.
pub fn rma_batch(
    yi: &[f64],
    vi: &[f64],
    cols: usize,
    opts: &FitOptions,
) -> Result<Vec<Result<IntFit, MetaError>>, MetaError> {
    if cols == 0 || yi.len() != vi.len() || yi.len() % cols != 0 {
        return Err(MetaError::model(format!(
            "yi ({} values) and vi ({} values) must both be rows × {cols}",
            yi.len(),
            vi.len()
        )));
    }
    Ok(yi
        .par_chunks(cols)
        .zip(vi.par_chunks(cols))
        .map_init(
            || (IntKernel::new(opts), Vec::with_capacity(cols), Vec::with_capacity(cols)),
            |(kernel, ys, vs), (yr, vr)| {
                ys.clear();
                vs.clear();
                for (y, v) in yr.iter().zip(vr) {
                    if y.is_finite() && v.is_finite() {
                        ys.push(*y);
                        vs.push(*v);
                    }
                }
                kernel.fit(ys, vs)
            },
        )
        .collect())
}
