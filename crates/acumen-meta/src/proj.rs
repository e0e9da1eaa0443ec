//! Weighted least squares and traces of the projection matrix
//! `P = D - D X (X'DX)^-1 X'D` for a diagonal `D`, in O(k p^2) time and
//! O(k) memory: the k x k matrix is never built.

use nalgebra::{DMatrix, DVector};

use crate::design::Design;
use crate::error::MetaError;

/// `P` for the weights `d`, kept in factored form.
pub struct Proj<'a> {
    x: &'a Design,
    /// The diagonal weights.
    pub d: Vec<f64>,
    /// `(X'DX)^-1`.
    pub a: DMatrix<f64>,
    /// `x_i' A x_i` for every row (empty for one-column designs, where it is `x_i^2 A`).
    g: Vec<f64>,
}

/// `X' diag(u) X`.
pub fn xtux(x: &Design, u: &[f64]) -> DMatrix<f64> {
    let p = x.p;
    if p == 1 {
        let s: f64 = x.data.iter().zip(u).map(|(x, u)| u * x * x).sum();
        return DMatrix::from_element(1, 1, s);
    }
    let mut m = DMatrix::<f64>::zeros(p, p);
    for (i, &ui) in u.iter().enumerate() {
        let row = x.row(i);
        for r in 0..p {
            let v = ui * row[r];
            if v == 0.0 {
                continue;
            }
            for c in 0..=r {
                m[(r, c)] += v * row[c];
            }
        }
    }
    for r in 0..p {
        for c in 0..r {
            m[(c, r)] = m[(r, c)];
        }
    }
    m
}

/// `X' diag(u) y`.
pub fn xtuy(x: &Design, u: &[f64], y: &[f64]) -> DVector<f64> {
    if x.p == 1 {
        let s: f64 = (0..x.k).map(|i| u[i] * y[i] * x.data[i]).sum();
        return DVector::from_element(1, s);
    }
    let mut v = DVector::<f64>::zeros(x.p);
    for i in 0..x.k {
        let w = u[i] * y[i];
        for (c, xc) in x.row(i).iter().enumerate() {
            v[c] += w * xc;
        }
    }
    v
}

/// Inverse of a symmetric positive-definite matrix, or an error naming `what`.
pub fn spd_inverse(m: DMatrix<f64>, what: &str) -> Result<DMatrix<f64>, MetaError> {
    let chol = m
        .cholesky()
        .ok_or_else(|| MetaError::model(format!("{what} is singular: the model matrix is not of full rank")))?;
    Ok(chol.inverse())
}

/// Quadratic form `x' M x`.
pub fn quad_form(m: &DMatrix<f64>, x: &[f64]) -> f64 {
    let p = x.len();
    let mut s = 0.0;
    for r in 0..p {
        let mut t = 0.0;
        for c in 0..p {
            t += m[(r, c)] * x[c];
        }
        s += x[r] * t;
    }
    s
}

/// `tr(A B)`.
fn tr_prod(a: &DMatrix<f64>, b: &DMatrix<f64>) -> f64 {
    a.component_mul(&b.transpose()).sum()
}

impl<'a> Proj<'a> {
    /// `x_i' A x_i`.
    #[inline]
    pub fn g(&self, i: usize) -> f64 {
        if self.x.p == 1 {
            self.x.data[i] * self.x.data[i] * self.a[(0, 0)]
        } else {
            self.g[i]
        }
    }

    /// Builds `P` for weights `d`.
    pub fn new(x: &'a Design, d: Vec<f64>) -> Result<Self, MetaError> {
        let a = spd_inverse(xtux(x, &d), "X'WX")?;
        let g = if x.p == 1 {
            Vec::new()
        } else {
            (0..x.k).map(|i| quad_form(&a, x.row(i))).collect()
        };
        Ok(Proj { x, d, a, g })
    }

    /// Weighted least-squares coefficients `A X'D y`.
    pub fn coef(&self, y: &[f64]) -> DVector<f64> {
        &self.a * xtuy(self.x, &self.d, y)
    }

    /// Residuals `y - X b` of the weighted fit.
    pub fn resid(&self, y: &[f64]) -> Vec<f64> {
        let b = self.coef(y);
        (0..self.x.k)
            .map(|i| y[i] - self.x.row(i).iter().zip(b.iter()).map(|(a, b)| a * b).sum::<f64>())
            .collect()
    }

    /// Sum of `f(d_i, e_i)` over the residuals `e = y - X b`, without allocating.
    fn fold_resid(&self, y: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
        let b = self.coef(y);
        if self.x.p == 1 {
            let b0 = b[0];
            return (0..self.x.k).map(|i| f(self.d[i], y[i] - self.x.data[i] * b0)).sum();
        }
        (0..self.x.k)
            .map(|i| {
                f(
                    self.d[i],
                    y[i] - self.x.row(i).iter().zip(b.iter()).map(|(a, b)| a * b).sum::<f64>(),
                )
            })
            .sum()
    }

    /// `y' P y`, the weighted residual sum of squares.
    pub fn rss(&self, y: &[f64]) -> f64 {
        self.fold_resid(y, |d, e| d * e * e)
    }

    /// `y' P P y`.
    pub fn rss2(&self, y: &[f64]) -> f64 {
        self.fold_resid(y, |d, e| (d * e).powi(2))
    }

    /// `tr(P U)` for diagonal `U`.
    pub fn tr_pu(&self, u: &[f64]) -> f64 {
        (0..self.x.k)
            .map(|i| self.d[i] * u[i] - self.d[i].powi(2) * u[i] * self.g(i))
            .sum()
    }

    /// `tr(P)`.
    pub fn tr(&self) -> f64 {
        (0..self.x.k).map(|i| self.d[i] - self.d[i].powi(2) * self.g(i)).sum()
    }

    /// `tr(P U P S)` for diagonal `U` and `S` (`None` = identity).
    pub fn tr_pupu(&self, u: Option<&[f64]>, s: Option<&[f64]>) -> f64 {
        let k = self.x.k;
        let uu = |i: usize| u.map_or(1.0, |u| u[i]);
        let ss = |i: usize| s.map_or(1.0, |s| s[i]);
        if self.x.p == 1 {
            // One pass: tr = sum d^2 u s - 2 a sum d^3 u s x^2 + a^2 (sum d^2 u x^2)(sum d^2 s x^2).
            let a = self.a[(0, 0)];
            let (mut t1, mut t2, mut cu, mut cs) = (0.0, 0.0, 0.0, 0.0);
            for i in 0..k {
                let (d, x2, ui, si) = (self.d[i], self.x.data[i] * self.x.data[i], uu(i), ss(i));
                let d2 = d * d;
                t1 += d2 * ui * si;
                t2 += d2 * d * ui * si * x2;
                cu += d2 * ui * x2;
                cs += d2 * si * x2;
            }
            return t1 - 2.0 * a * t2 + a * a * cu * cs;
        }
        let mut t1 = 0.0;
        let mut t2 = 0.0;
        for i in 0..k {
            let d = self.d[i];
            t1 += d * d * uu(i) * ss(i);
            t2 += d * d * d * uu(i) * ss(i) * self.g(i);
        }
        let cu: Vec<f64> = (0..k).map(|i| self.d[i] * self.d[i] * uu(i)).collect();
        let cs: Vec<f64> = (0..k).map(|i| self.d[i] * self.d[i] * ss(i)).collect();
        let mu = &self.a * xtux(self.x, &cu);
        let ms = &self.a * xtux(self.x, &cs);
        t1 - 2.0 * t2 + tr_prod(&mu, &ms)
    }

    /// `log det(X'DX)`.
    pub fn logdet_xtdx(&self) -> f64 {
        // det(A^-1) = 1/det(A)
        -self
            .a
            .clone()
            .cholesky()
            .map_or(f64::NAN, |c| 2.0 * c.l().diagonal().iter().map(|v| v.ln()).sum::<f64>())
    }
}
