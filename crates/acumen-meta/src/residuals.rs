//! The marginal residuals `rma.uni` reports after the fit (`rstandard`:
//! residuals, their standard errors and z values, from the hat values).

use crate::design::Design;
use crate::error::MetaError;
use crate::proj::{quad_form, spd_inverse, xtux};

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// What the per-row leverage terms are built from.
enum RowTerms {
    /// One column: `(X'DX)^-1` and `sum d^2 m x^2`.
    Scalar(f64, f64),
    /// `A = (X'DX)^-1` and `A C A`.
    Matrices(nalgebra::DMatrix<f64>, nalgebra::DMatrix<f64>),
}

/// Residuals `y - X b` and their standard errors from the diagonal of
/// `(I - H) M (I - H)'` with `H = X (X'DX)^-1 X'D`.
pub(crate) fn marginal_residuals(
    x: &Design,
    yi: &[f64],
    fitted: &[f64],
    d: &[f64],
    m: &[f64],
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>), MetaError> {
    let k = x.k;
    let a = spd_inverse(xtux(x, d), "X'WX")?;
    // Per row: h_i = d_i x_i'A x_i and q_i = x_i' A C A x_i with C = X' diag(d^2 m) X.
    let hq = if x.p == 1 {
        let c: f64 = (0..k).map(|i| d[i] * d[i] * m[i] * x.data[i] * x.data[i]).sum();
        RowTerms::Scalar(a[(0, 0)], c)
    } else {
        let c: Vec<f64> = (0..k).map(|i| d[i] * d[i] * m[i]).collect();
        let aca = &a * xtux(x, &c) * &a;
        RowTerms::Matrices(a, aca)
    };
    let mut resid = Vec::with_capacity(k);
    let mut se = Vec::with_capacity(k);
    let mut z = Vec::with_capacity(k);
    let row = |i: usize, resid: &mut Vec<f64>, se: &mut Vec<f64>, z: &mut Vec<f64>, (h, q): (f64, f64)| {
        let mut e = yi[i] - fitted[i];
        if e.abs() < 100.0 * f64::EPSILON {
            e = 0.0;
        }
        // A study with leverage 1 is fitted exactly: its other hat entries are
        // 0, so only (1 - h)^2 m remains (computing it as a difference of O(m)
        // terms would leave sqrt(eps m) of rounding in the standard error).
        let ve = if (1.0 - h).abs() < 1e-7 {
            (1.0 - h).powi(2) * m[i]
        } else {
            m[i] * (1.0 - 2.0 * h) + q
        };
        // The exact value is >= 0; rounding can leave a tiny negative.
        let s = ve.max(0.0).sqrt();
        resid.push(e);
        se.push(s);
        // A residual that is exactly 0 has z = 0, except in a saturated
        // model (k = p) where its standard error is 0 as well (0/0 = NA).
        z.push(if e == 0.0 && s == 0.0 && k > x.p { 0.0 } else { e / s });
    };
    match hq {
        // One column: h and q are multiples of x_i^2, computed inline.
        RowTerms::Scalar(a0, c) => {
            for i in 0..k {
                let x2 = x.data[i] * x.data[i];
                row(i, &mut resid, &mut se, &mut z, (d[i] * x2 * a0, x2 * a0 * a0 * c));
            }
        }
        RowTerms::Matrices(a, aca) => {
            for i in 0..k {
                let hq = (d[i] * quad_form(&a, x.row(i)), quad_form(&aca, x.row(i)));
                row(i, &mut resid, &mut se, &mut z, hq);
            }
        }
    }
    Ok((resid, se, z))
}
