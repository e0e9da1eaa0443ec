//! Case diagnostics (metafor's `influence.rma.uni`): externally
//! standardized residuals, DFFITS, Cook's distances, covariance ratios,
//! leave-one-out tau^2 and QE, hat values, weights, DFBETAS and metafor's
//! flag for influential studies.

use nalgebra::DMatrix;

use crate::dist::pchisq;
use crate::proj::{quad_form, spd_inverse, xtux};
use crate::{Fit, MetaError};

/// Influence diagnostics, one entry per study used (NaN where a refit failed).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Influence {
    /// Externally standardized residuals.
    pub rstudent: Vec<f64>,
    /// DFFITS.
    pub dffits: Vec<f64>,
    /// Cook's distances.
    pub cook_d: Vec<f64>,
    /// Covariance ratios.
    pub cov_r: Vec<f64>,
    /// tau^2 without the study.
    pub tau2_del: Vec<f64>,
    /// QE without the study.
    pub qe_del: Vec<f64>,
    /// Hat values.
    pub hat: Vec<f64>,
    /// Weights in percent.
    pub weight: Vec<f64>,
    /// Influential by metafor's rule (None = undetermined).
    pub is_infl: Vec<Option<bool>>,
    /// DFBETAS, one vector per coefficient.
    pub dfbetas: Vec<Vec<f64>>,
}

fn det(m: &DMatrix<f64>) -> f64 {
    m.determinant()
}

/// Computes the influence diagnostics of `f`.
pub fn influence(f: &Fit) -> Result<Influence, MetaError> {
    let (k, p) = (f.k, f.p);
    if k < 2 {
        return Err(MetaError::model("influence diagnostics need at least 2 studies"));
    }
    let x = &f.x;
    // Hat matrix H = X (X'DX)^-1 X'D of the fitted model.
    let d: Vec<f64> = if !f.opts.weighted {
        vec![1.0; k]
    } else {
        f.opts
            .weights
            .clone()
            .unwrap_or_else(|| f.vi.iter().map(|v| 1.0 / (v + f.tau2)).collect())
    };
    let a = spd_inverse(xtux(x, &d), "X'WX")?;
    let hat: Vec<f64> = (0..k)
        .map(|i| {
            let h = d[i] * quad_form(&a, x.row(i));
            if h > 1.0 - 10.0 * f64::EPSILON {
                1.0
            } else {
                h
            }
        })
        .collect();
    let standard_weights = f.opts.weighted && f.opts.weights.is_none();
    // diag(H diag(m) H')_i = x_i' A X'diag(d^2 m)X A x_i, with m = vi + tau2_del.
    let c_v = &a * xtux(x, &(0..k).map(|j| d[j] * d[j] * f.vi[j]).collect::<Vec<_>>()) * &a;
    let c_1 = &a * xtux(x, &(0..k).map(|j| d[j] * d[j]).collect::<Vec<_>>()) * &a;
    let svb = spd_inverse(f.vb.clone(), "the coefficients' covariance matrix")?;
    let det_full = det(&f.vb);
    let nan = f64::NAN;
    let mut out = Influence {
        dfbetas: vec![Vec::with_capacity(k); p],
        weight: f.weights_pct.clone(),
        hat: hat.clone(),
        ..Default::default()
    };
    for i in 0..k {
        f.opts.budget.check()?;
        let keep: Vec<bool> = (0..k).map(|j| j != i).collect();
        let res = f.refit_subset(&keep, true).ok().filter(|r| r.dropped_coefs.is_empty());
        let Some(r) = res else {
            for v in [
                &mut out.rstudent,
                &mut out.dffits,
                &mut out.cook_d,
                &mut out.cov_r,
                &mut out.tau2_del,
                &mut out.qe_del,
            ] {
                v.push(nan);
            }
            for c in out.dfbetas.iter_mut() {
                c.push(nan);
            }
            continue;
        };
        let xi = x.row(i);
        let pred_full: f64 = xi.iter().zip(&f.b).map(|(a, b)| a * b).sum();
        let delpred: f64 = xi.iter().zip(&r.b).map(|(a, b)| a * b).sum();
        let vdelpred = quad_form(&r.vb, xi);
        let t2 = r.tau2;
        let denom = if standard_weights {
            r.s2w * hat[i] * (t2 + f.vi[i])
        } else {
            r.s2w * (quad_form(&c_v, xi) + t2 * quad_form(&c_1, xi))
        };
        out.dffits.push((pred_full - delpred) / denom.sqrt());
        let vb_del = if standard_weights {
            spd_inverse(
                xtux(x, &f.vi.iter().map(|v| 1.0 / (v + t2)).collect::<Vec<_>>()),
                "X'WX",
            )?
        } else {
            let m2: Vec<f64> = (0..k).map(|j| d[j] * d[j] * (f.vi[j] + t2)).collect();
            &a * xtux(x, &m2) * &a
        };
        for j in 0..p {
            out.dfbetas[j].push((f.b[j] - r.b[j]) / (r.s2w * vb_del[(j, j)]).sqrt());
        }
        let dfb: Vec<f64> = (0..p).map(|j| f.b[j] - r.b[j]).collect();
        out.cook_d.push(quad_form(&svb, &dfb));
        out.cov_r.push(det(&r.vb) / det_full);
        out.tau2_del.push(t2);
        out.qe_del.push(r.qe);
        let mut resid = f.yi[i] - delpred;
        if resid.abs() < 100.0 * f64::EPSILON {
            resid = 0.0;
        }
        let se = (f.vi[i] * r.s2w + vdelpred + t2 * r.s2w).sqrt();
        out.rstudent.push(resid / se);
    }
    let (kf, pf) = (k as f64, p as f64);
    for i in 0..k {
        let tests = [
            (
                out.dffits[i].is_nan(),
                out.dffits[i].abs() > 3.0 * (pf / (kf - pf)).sqrt(),
            ),
            (out.cook_d[i].is_nan(), pchisq(out.cook_d[i], pf, true) > 0.5),
            (hat[i].is_nan(), hat[i] > 3.0 * pf / kf),
            {
                let any_big = out.dfbetas.iter().any(|c| c[i].abs() > 1.0);
                (!any_big && out.dfbetas.iter().any(|c| c[i].is_nan()), any_big)
            },
        ];
        // R's three-valued `|`: TRUE wins, otherwise NA if any part is NA.
        out.is_infl.push(if tests.iter().any(|(na, t)| !na && *t) {
            Some(true)
        } else if tests.iter().any(|(na, _)| *na) {
            None
        } else {
            Some(false)
        });
    }
    Ok(out)
}
