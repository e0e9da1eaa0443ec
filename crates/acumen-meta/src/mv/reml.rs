//! The (restricted) log-likelihood of a multilevel model, its score and
//! expected information in the variance components, evaluated block by
//! block, and their maximisation by Fisher scoring with the components kept
//! at or above zero (metafor's `rma.mv`, which maximises the same function
//! with `nlminb` over log-variances).
//!
//! With `Q = M^-1`, `H = (X'QX)^-1`, `P = Q - QXHX'Q` and `A_l = Z_l Z_l'`:
//! the REML score is `-tr(P A_l)/2 + y'P A_l P y/2` and the information
//! `tr(P A_l P A_m)/2`; every trace splits into per-block traces and p x p
//! sums (`tr(P A) = tr(QA) - tr(H X'QAQX)`), so the cost is linear in the
//! number of blocks.

use nalgebra::{DMatrix, DVector};

use crate::budget::Budget;
use crate::error::MetaError;
use crate::mv::blocks::Block;

/// The likelihood and what the fit needs at one value of the components.
#[derive(Debug, Clone)]
pub struct Eval {
    /// ML log-likelihood.
    pub ll_ml: f64,
    /// REML log-likelihood (with metafor's `+ log det(X'X)/2`).
    pub ll_reml: f64,
    /// GLS coefficients.
    pub b: DVector<f64>,
    /// `(X'QX)^-1`, their variance.
    pub h: DMatrix<f64>,
    /// `(y - Xb)' Q (y - Xb)`.
    pub rss: f64,
    /// `log det M`.
    pub logdet_m: f64,
    /// Score per component (all components; fixed ones are ignored by the caller).
    pub score: Vec<f64>,
    /// Expected information, components x components.
    pub info: DMatrix<f64>,
    /// `tr(P)` (for the multilevel I^2 at sigma2 = 0).
    pub tr_p: f64,
}

/// Rows as a short 1-based list for messages.
pub fn row_list(rows: &[usize]) -> String {
    let shown: Vec<String> = rows.iter().take(6).map(|r| (r + 1).to_string()).collect();
    if rows.len() > 6 {
        format!("{}, ... ({} rows)", shown.join(", "), rows.len())
    } else {
        shown.join(", ")
    }
}

fn trace_prod(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    // tr(AB) = sum_ij A_ij B_ji
    let n = a.nrows();
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            s += a[(i, j)] * b[(j, i)];
        }
    }
    s
}

/// Evaluates the model at components `theta` (one per block matrix `a`);
/// with `derivs`, also the score and information (REML or ML by `reml`).
pub fn evaluate(
    blocks: &[Block],
    theta: &[f64],
    p: usize,
    logdet_xtx: f64,
    reml: bool,
    derivs: bool,
) -> Result<Eval, MetaError> {
    let nc = theta.len();
    let k: usize = blocks.iter().map(|b| b.rows.len()).sum();
    let mut xqx = DMatrix::<f64>::zeros(p, p);
    let mut xqy = DVector::<f64>::zeros(p);
    let mut logdet_m = 0.0;
    let mut parts = Vec::with_capacity(blocks.len());
    let mut tr_q = 0.0;
    let mut qxqx = DMatrix::<f64>::zeros(p, p);
    for bl in blocks {
        let (q, ld) = bl.inverse(bl.marginal(theta))?;
        logdet_m += ld;
        let qx = &q * &bl.x;
        xqx += bl.x.transpose() * &qx;
        xqy += qx.transpose() * &bl.y;
        tr_q += q.trace();
        qxqx += qx.transpose() * &qx;
        parts.push((q, qx));
    }
    let chol = xqx.clone().cholesky().ok_or_else(|| {
        MetaError::model("X'WX is singular: the model matrix is not of full rank (drop a redundant moderator)")
    })?;
    let logdet_xqx = 2.0 * chol.l_dirty().diagonal().iter().take(p).map(|d| d.ln()).sum::<f64>();
    let h = chol.inverse();
    let b = &h * &xqy;
    let tr_p = tr_q - (&h * &qxqx).trace();
    let mut rss = 0.0;
    let mut score = vec![0.0; nc];
    let mut info = DMatrix::<f64>::zeros(nc, nc);
    let mut tr_qa = vec![0.0; nc];
    let mut u = vec![0.0; nc];
    let mut t_l = vec![DMatrix::<f64>::zeros(p, p); if derivs { nc } else { 0 }];
    let mut s_lm = vec![DMatrix::<f64>::zeros(p, p); if derivs { nc * nc } else { 0 }];
    let mut tqaqa = DMatrix::<f64>::zeros(nc, nc);
    for (bl, (q, qx)) in blocks.iter().zip(&parts) {
        let r = &bl.y - &bl.x * &b;
        let pr = q * &r;
        rss += r.dot(&pr);
        if !derivs {
            continue;
        }
        let bmat: Vec<DMatrix<f64>> = bl.a.iter().map(|a| q * a).collect();
        let c: Vec<DMatrix<f64>> = bmat.iter().map(|bm| bm * qx).collect();
        for l in 0..nc {
            let a = &bl.a[l];
            tr_qa[l] += bmat[l].trace();
            u[l] += pr.dot(&(a * &pr));
            let aqx = a * qx;
            t_l[l] += qx.transpose() * &aqx;
            for m in l..nc {
                tqaqa[(l, m)] += trace_prod(&bmat[l], &bmat[m]);
                s_lm[l * nc + m] += aqx.transpose() * &c[m];
            }
        }
    }
    if derivs {
        for l in 0..nc {
            let tr_pa = if reml {
                tr_qa[l] - (&h * &t_l[l]).trace()
            } else {
                tr_qa[l]
            };
            score[l] = -0.5 * tr_pa + 0.5 * u[l];
            for m in l..nc {
                let v = if reml {
                    let ht_l = &h * &t_l[l];
                    let ht_m = &h * &t_l[m];
                    tqaqa[(l, m)] - 2.0 * (&h * &s_lm[l * nc + m]).trace() + trace_prod(&ht_l, &ht_m)
                } else {
                    tqaqa[(l, m)]
                };
                info[(l, m)] = 0.5 * v;
                info[(m, l)] = 0.5 * v;
            }
        }
    }
    let two_pi = 2.0 * std::f64::consts::PI;
    let kf = k as f64;
    let ll_ml = -0.5 * kf * two_pi.ln() - 0.5 * logdet_m - 0.5 * rss;
    let ll_reml =
        -0.5 * (kf - p as f64) * two_pi.ln() + 0.5 * logdet_xtx - 0.5 * logdet_m - 0.5 * logdet_xqx - 0.5 * rss;
    Ok(Eval {
        ll_ml,
        ll_reml,
        b,
        h,
        rss,
        logdet_m,
        score,
        info,
        tr_p,
    })
}

/// The maximiser's result.
#[derive(Debug, Clone)]
pub struct Optimum {
    /// The components.
    pub theta: Vec<f64>,
    /// The evaluation there.
    pub eval: Eval,
    /// Fisher-scoring iterations.
    pub iterations: usize,
}

/// What a parameter is: a variance (kept >= 0) or a covariance (free, within `valid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A variance component.
    Var,
    /// A covariance between inner levels.
    Cov,
}

/// The problem the maximiser solves.
pub struct Problem<'a> {
    /// The model's blocks.
    pub blocks: &'a [Block],
    /// Which parameters are estimated (the others stay at `start`).
    pub free: &'a [bool],
    /// Variance or covariance, per parameter.
    pub kinds: &'a [Kind],
    /// Whether a parameter vector is admissible (|correlations| <= 1).
    pub valid: &'a dyn Fn(&[f64]) -> bool,
    /// Number of coefficients.
    pub p: usize,
    /// `log det X'X`.
    pub logdet_xtx: f64,
    /// REML (or ML).
    pub reml: bool,
    /// Iteration limit.
    pub maxiter: usize,
    /// The caller's cancel flag.
    pub budget: &'a Budget,
}

/// Maximises the (restricted) likelihood over the free parameters from
/// `start`, variances kept >= 0 and every step admissible.
pub fn maximise(pr: &Problem, start: &[f64]) -> Result<Optimum, MetaError> {
    let (blocks, free, p, logdet_xtx, reml, maxiter, budget) =
        (pr.blocks, pr.free, pr.p, pr.logdet_xtx, pr.reml, pr.maxiter, pr.budget);
    let ll = |e: &Eval| if reml { e.ll_reml } else { e.ll_ml };
    let mut theta = start.to_vec();
    let mut e = evaluate(blocks, &theta, p, logdet_xtx, reml, true)?;
    for iteration in 1..=maxiter {
        budget.check()?;
        // Components at zero whose score points below zero stay there.
        let active: Vec<usize> = (0..theta.len())
            .filter(|&l| free[l] && !(pr.kinds[l] == Kind::Var && theta[l] <= 0.0 && e.score[l] <= 0.0))
            .collect();
        if active.is_empty() {
            return Ok(Optimum {
                theta,
                eval: e,
                iterations: iteration,
            });
        }
        let na = active.len();
        let ia = DMatrix::from_fn(na, na, |r, c| e.info[(active[r], active[c])]);
        let sa = DVector::from_iterator(na, active.iter().map(|&l| e.score[l]));
        let step = match ia.clone().cholesky() {
            Some(ch) => ch.solve(&sa),
            None => DVector::from_iterator(na, (0..na).map(|r| sa[r] / ia[(r, r)].abs().max(1e-300))),
        };
        let base = ll(&e);
        let mut t = 1.0;
        let mut next = None;
        for _ in 0..60 {
            let mut cand = theta.clone();
            for (r, &l) in active.iter().enumerate() {
                let v = theta[l] + t * step[r];
                cand[l] = if pr.kinds[l] == Kind::Var { v.max(0.0) } else { v };
            }
            if !(pr.valid)(&cand) {
                t /= 2.0;
                continue;
            }
            match evaluate(blocks, &cand, p, logdet_xtx, reml, true) {
                Ok(ce) if ll(&ce) >= base - 1e-13 * base.abs().max(1.0) => {
                    next = Some((cand, ce));
                    break;
                }
                _ => t /= 2.0,
            }
        }
        let Some((cand, ce)) = next else {
            // No step improves the likelihood: at the maximum to working precision.
            return Ok(Optimum {
                theta,
                eval: e,
                iterations: iteration,
            });
        };
        let scale = cand.iter().chain(theta.iter()).fold(1e-8_f64, |m, v| m.max(v.abs()));
        let change = cand.iter().zip(&theta).fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        let gain = ll(&ce) - base;
        theta = cand;
        e = ce;
        // Converged: the parameters stopped moving, or a step cut short by a
        // bound (a correlation at +-1) no longer raises the likelihood.
        let at_bound = t < 1.0 && gain.abs() <= 1e-12 * base.abs().max(1.0);
        if change <= 1e-12 * scale || (change <= 1e-9 * scale && gain.abs() <= 1e-14 * base.abs().max(1.0)) || at_bound
        {
            return Ok(Optimum {
                theta,
                eval: e,
                iterations: iteration,
            });
        }
    }
    Err(MetaError::NotConverged(format!(
        "the multilevel model did not converge in {maxiter} Fisher-scoring iterations (raise --maxiter, fix a variance component with --sigma2, or simplify the random effects)"
    )))
}
