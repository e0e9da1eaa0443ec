//! The block structure of a multilevel model: rows that share a level of
//! any random-effects component, or a sampling covariance, fall in one
//! block, and the marginal covariance `M = V + sum sigma2_l Z_l Z_l'` is
//! block diagonal over them. Every computation works block by block; no
//! k x k matrix is ever built.

use nalgebra::{DMatrix, DVector};

use crate::error::MetaError;

/// The largest block (rows joined by crossed random effects or a large
/// cluster) handled with dense per-block algebra.
pub const MAX_BLOCK: usize = 5_000;

/// One random-effects component: a grouping of the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// metafor's `s.names` entry (`district`, `district/school`).
    pub name: String,
    /// The level of each row (0-based codes).
    pub group: Vec<usize>,
    /// Labels of the levels, in code order (nested: `"4/2"`).
    pub labels: Vec<String>,
}

/// Sampling (co)variances: the diagonal `vi` and known covariances between rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SamplingCov {
    /// Variances, one per row.
    pub diag: Vec<f64>,
    /// Covariances `(i, j, cov)` with `i < j`.
    pub off: Vec<(usize, usize, f64)>,
}

/// One linear piece of the marginal covariance: `M = V + sum_q theta_q B_q`,
/// with `B_q(i, j)` one of these indicators.
#[derive(Debug, Clone, Copy)]
pub enum Basis<'a> {
    /// Rows in the same level of a grouping (a random intercept).
    Same(&'a [usize]),
    /// Rows in the same outer level whose inner levels are `a` and `b` (in
    /// either order; `a == b`: both `a`): one entry of an inner-by-inner G.
    Pair {
        /// Outer level per row.
        outer: &'a [usize],
        /// Inner level per row.
        inner: &'a [usize],
        /// First inner level.
        a: usize,
        /// Second inner level.
        b: usize,
    },
    /// Same outer level and same inner level.
    SameInner {
        /// Outer level per row.
        outer: &'a [usize],
        /// Inner level per row.
        inner: &'a [usize],
    },
    /// Compound symmetry with a fixed correlation: same outer level, 1 for
    /// the same inner level, `rho` for different ones.
    CsFixed {
        /// Outer level per row.
        outer: &'a [usize],
        /// Inner level per row.
        inner: &'a [usize],
        /// The fixed correlation.
        rho: f64,
    },
    /// Same outer level, different inner levels.
    DiffInner {
        /// Outer level per row.
        outer: &'a [usize],
        /// Inner level per row.
        inner: &'a [usize],
    },
}

impl Basis<'_> {
    fn entry(&self, i: usize, j: usize) -> f64 {
        let on = match *self {
            Basis::Same(g) => g[i] == g[j],
            Basis::Pair { outer, inner, a, b } => {
                outer[i] == outer[j] && ((inner[i] == a && inner[j] == b) || (inner[i] == b && inner[j] == a))
            }
            Basis::SameInner { outer, inner } => outer[i] == outer[j] && inner[i] == inner[j],
            Basis::CsFixed { outer, inner, rho } => {
                return if outer[i] != outer[j] {
                    0.0
                } else if inner[i] == inner[j] {
                    1.0
                } else {
                    rho
                };
            }
            Basis::DiffInner { outer, inner } => outer[i] == outer[j] && inner[i] != inner[j],
        };
        f64::from(u8::from(on))
    }
}

/// One block: its rows and the dense pieces of the model on them.
#[derive(Debug, Clone)]
pub struct Block {
    /// Rows of the data (ascending).
    pub rows: Vec<usize>,
    /// Outcomes.
    pub y: DVector<f64>,
    /// Model matrix rows (n_b x p).
    pub x: DMatrix<f64>,
    /// Sampling covariance.
    pub v: DMatrix<f64>,
    /// Per parameter, its 0/1 basis matrix on the block.
    pub a: Vec<DMatrix<f64>>,
}

impl Block {
    /// The block's marginal covariance `V + sum_q theta_q B_q`.
    pub fn marginal(&self, theta: &[f64]) -> DMatrix<f64> {
        let mut m = self.v.clone();
        for (a, t) in self.a.iter().zip(theta) {
            if *t != 0.0 {
                m += a * *t;
            }
        }
        m
    }

    /// The inverse of a positive definite `m` on this block's rows and its
    /// log determinant; an error naming the rows when it is not.
    pub fn inverse(&self, m: DMatrix<f64>) -> Result<(DMatrix<f64>, f64), MetaError> {
        let n = m.nrows();
        let chol = m.cholesky().ok_or_else(|| {
            MetaError::model(format!(
                "the marginal covariance of data rows {} is not positive definite (check V: its block for these rows must be a valid covariance matrix)",
                crate::mv::reml::row_list(&self.rows)
            ))
        })?;
        let logdet = 2.0 * chol.l_dirty().diagonal().iter().take(n).map(|d| d.ln()).sum::<f64>();
        Ok((chol.inverse(), logdet))
    }

    /// `M^-1` at `theta`.
    pub fn marginal_inverse(&self, theta: &[f64]) -> Result<DMatrix<f64>, MetaError> {
        Ok(self.inverse(self.marginal(theta))?.0)
    }
}

/// Level codes renumbered to the levels present (0..n in code order), and n.
pub fn dense_codes(codes: &[usize]) -> (Vec<usize>, usize) {
    let mut used = codes.to_vec();
    used.sort_unstable();
    used.dedup();
    (
        codes.iter().map(|c| used.binary_search(c).unwrap_or(0)).collect(),
        used.len(),
    )
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, i: usize) -> usize {
        let mut r = i;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut c = i;
        while self.0[c] != r {
            let next = self.0[c];
            self.0[c] = r;
            c = next;
        }
        r
    }
    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// The blocks of `k` rows with outcomes `y`, model matrix rows `x`
/// (row-major, `p` columns), sampling covariances `v`, the groupings whose
/// levels join rows (`joins`, 0-based codes) and the model's bases.
pub fn blocks(
    y: &[f64],
    x: &[f64],
    p: usize,
    v: &SamplingCov,
    joins: &[&[usize]],
    bases: &[Basis],
) -> Result<Vec<Block>, MetaError> {
    let k = y.len();
    let mut uf = UnionFind((0..k).collect());
    for g in joins {
        let mut first: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for (i, &l) in g.iter().enumerate() {
            match first.get(&l) {
                None => {
                    first.insert(l, i);
                }
                Some(&f) => uf.join(f, i),
            }
        }
    }
    for &(i, j, _) in &v.off {
        uf.join(i, j);
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for i in 0..k {
        let r = uf.find(i);
        members[r].push(i);
    }
    let mut off_by_root: Vec<Vec<(usize, usize, f64)>> = vec![Vec::new(); k];
    for &(i, j, c) in &v.off {
        off_by_root[uf.find(i)].push((i, j, c));
    }
    let mut out = Vec::new();
    let mut pos = vec![0usize; k];
    for (root, rows) in members.into_iter().enumerate() {
        if rows.is_empty() {
            continue;
        }
        let n = rows.len();
        if n > MAX_BLOCK {
            return Err(MetaError::model(format!(
                "the random effects (or sampling covariances) join {n} rows into one block; blocks over {MAX_BLOCK} rows (crossed random effects over most of the data) are not supported: fit nested components, or split the data"
            )));
        }
        for (a, &r) in rows.iter().enumerate() {
            pos[r] = a;
        }
        let yb = DVector::from_iterator(n, rows.iter().map(|&r| y[r]));
        let xb = DMatrix::from_fn(n, p, |a, c| x[rows[a] * p + c]);
        let mut vb = DMatrix::from_fn(n, n, |a, b| if a == b { v.diag[rows[a]] } else { 0.0 });
        for &(i, j, c) in &off_by_root[root] {
            vb[(pos[i], pos[j])] = c;
            vb[(pos[j], pos[i])] = c;
        }
        let a = bases
            .iter()
            .map(|bs| DMatrix::from_fn(n, n, |a, b| bs.entry(rows[a], rows[b])))
            .collect();
        out.push(Block {
            rows,
            y: yb,
            x: xb,
            v: vb,
            a,
        });
    }
    Ok(out)
}
