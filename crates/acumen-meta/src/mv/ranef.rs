//! Best linear unbiased predictions of the random intercepts (metafor's
//! `ranef()` for the `~ 1 | ...` components of an rma.mv fit): per level
//! u, `sigma2 * 1_u' W e` with `e = y - Xb`, its prediction variance
//! `sigma2 - sigma2^2 (1_u' W 1_u - 1_u' W X (X'WX)^-1 X'W 1_u)`, and the
//! prediction interval. Every level lies in one block, so all of it is
//! per-block work.

use nalgebra::{DMatrix, DVector};

use crate::error::MetaError;
use crate::mv::blocks::{Block, Component};

/// The BLUPs of one component, in its level order.
#[derive(Debug, Clone, PartialEq)]
pub struct Blups {
    /// The component (`s_names` entry).
    pub name: String,
    /// Level labels (nested: `"4/2"`).
    pub level: Vec<String>,
    /// Predicted random intercepts.
    pub intrcpt: Vec<f64>,
    /// Their standard errors.
    pub se: Vec<f64>,
    /// Lower prediction bounds.
    pub pi_lb: Vec<f64>,
    /// Upper prediction bounds.
    pub pi_ub: Vec<f64>,
}

/// The BLUPs of every component, with `crit[l]` component l's critical value.
pub fn ranef(
    blocks: &[Block],
    theta: &[f64],
    comps: &[Component],
    b: &DVector<f64>,
    h: &DMatrix<f64>,
    crit: &[f64],
) -> Result<Vec<Blups>, MetaError> {
    let p = b.len();
    let mut out = Vec::with_capacity(comps.len());
    // Per block: W, W X, W e.
    let mut parts = Vec::with_capacity(blocks.len());
    for bl in blocks {
        let q = bl.marginal_inverse(theta)?;
        let qx = &q * &bl.x;
        let qe = &q * (&bl.y - &bl.x * b);
        parts.push((q, qx, qe));
    }
    for (l, c) in comps.iter().enumerate() {
        let s2 = theta[l];
        let n = c.labels.len();
        let (mut we, mut zwz) = (vec![0.0; n], vec![0.0; n]);
        let mut zwx = vec![DVector::<f64>::zeros(p); n];
        for (bl, (q, qx, qe)) in blocks.iter().zip(&parts) {
            for (a, &ra) in bl.rows.iter().enumerate() {
                let u = c.group[ra];
                we[u] += qe[a];
                zwx[u] += qx.row(a).transpose();
                for (bb, &rb) in bl.rows.iter().enumerate() {
                    if c.group[rb] == u {
                        zwz[u] += q[(a, bb)];
                    }
                }
            }
        }
        let mut blups = Blups {
            name: c.name.clone(),
            level: c.labels.clone(),
            intrcpt: Vec::with_capacity(n),
            se: Vec::with_capacity(n),
            pi_lb: Vec::with_capacity(n),
            pi_ub: Vec::with_capacity(n),
        };
        for u in 0..n {
            let mut pred = s2 * we[u];
            if pred.abs() < 100.0 * f64::EPSILON {
                pred = 0.0;
            }
            let v = s2 - s2 * s2 * (zwz[u] - zwx[u].dot(&(h * &zwx[u])));
            let se = v.max(0.0).sqrt();
            blups.intrcpt.push(pred);
            blups.se.push(se);
            blups.pi_lb.push(pred - crit[l] * se);
            blups.pi_ub.push(pred + crit[l] * se);
        }
        out.push(blups);
    }
    Ok(out)
}
