//! Cluster-robust inference for a fitted model: metafor's `robust(fit,
//! cluster, adjust = TRUE)` (CR1: the sandwich with the small-sample factor
//! n/(n - p), t tests on n - p degrees of freedom) and, as `robust(fit,
//! cluster, clubSandwich = TRUE)` does through clubSandwich, CR2 (the
//! bias-reduced sandwich with the model's marginal covariance as working
//! model), Satterthwaite degrees of freedom per coefficient and the HTZ
//! Wald test for the moderators.
//!
//! Everything runs per cluster: the P arrays of clubSandwich (clusters x
//! clusters per coefficient) are never built; their traces and sums of
//! squares reduce to p x p sums over clusters.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::dist::{pf, pt, qt};
use crate::error::MetaError;
use crate::mv::blocks::Block;

/// CR1 or CR2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RobustType {
    /// The sandwich with metafor's n/(n - p) adjustment.
    Cr1,
    /// clubSandwich's bias-reduced sandwich with Satterthwaite df and HTZ.
    Cr2,
}

impl std::fmt::Display for RobustType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RobustType::Cr1 => "CR1",
            RobustType::Cr2 => "CR2",
        })
    }
}

/// The robust block, metafor's names.
#[derive(Debug, Clone, PartialEq)]
pub struct Robust {
    /// CR1 or CR2.
    pub kind: RobustType,
    /// The cluster column.
    pub cluster_col: String,
    /// Number of clusters.
    pub n_clusters: usize,
    /// Coefficients (the model's).
    pub b: Vec<f64>,
    /// Robust standard errors.
    pub se: Vec<f64>,
    /// t statistics.
    pub stat: Vec<f64>,
    /// p-values.
    pub pval: Vec<f64>,
    /// Lower bounds.
    pub ci_lb: Vec<f64>,
    /// Upper bounds.
    pub ci_ub: Vec<f64>,
    /// Degrees of freedom per coefficient.
    pub ddf: Vec<f64>,
    /// The robust variance-covariance matrix.
    pub vb: DMatrix<f64>,
    /// Omnibus test statistic (an F statistic).
    pub qm: f64,
    /// Its p-value.
    pub qm_p: f64,
    /// Numerator and denominator degrees of freedom.
    pub qm_df: (f64, f64),
}

/// What the robust computations need of a fitted model.
pub struct FittedModel<'a> {
    /// The model's blocks.
    pub blocks: &'a [Block],
    /// Fitted components.
    pub theta: &'a [f64],
    /// Coefficients.
    pub b: &'a DVector<f64>,
    /// `(X'WX)^-1`.
    pub h: &'a DMatrix<f64>,
    /// Coefficients tested by QM (0-based).
    pub btt: &'a [usize],
    /// Whether the model is intercept-only.
    pub int_only: bool,
    /// Confidence level in percent.
    pub level: f64,
}

fn inv_sqrt_psd(g: &DMatrix<f64>) -> DMatrix<f64> {
    let sym = (g + g.transpose()) * 0.5;
    let eig = SymmetricEigen::new(sym);
    let d = eig.eigenvalues.map(|v| if v > 1e-12 { 1.0 / v.sqrt() } else { 0.0 });
    &eig.eigenvectors * DMatrix::from_diagonal(&d) * eig.eigenvectors.transpose()
}

/// Robust inference with `cluster[i]` the cluster code of data row `i`.
pub fn robust(
    m: &FittedModel,
    cluster: &[usize],
    n_clusters: usize,
    col: &str,
    kind: RobustType,
) -> Result<Robust, MetaError> {
    let p = m.b.len();
    if n_clusters <= p {
        return Err(MetaError::model(format!(
            "--robust {col}: the number of clusters ({n_clusters}) must be larger than the number of coefficients ({p})"
        )));
    }
    // Blocks by cluster; CR2 needs every block inside one cluster.
    let mut by_cluster: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (bi, bl) in m.blocks.iter().enumerate() {
        let c0 = cluster[bl.rows[0]];
        if bl.rows.iter().any(|&r| cluster[r] != c0) {
            if kind == RobustType::Cr2 {
                return Err(MetaError::model(format!(
                    "--robust {col} --cr CR2: the random effects are not nested within '{col}' (rows {} share a random effect but not a cluster); cluster by the outermost random-effects factor",
                    crate::mv::reml::row_list(&bl.rows)
                )));
            }
        } else {
            by_cluster[c0].push(bi);
        }
    }
    let (vb, ddf, qm, qm_p, qm_df) = match kind {
        RobustType::Cr1 => cr1(m, cluster, n_clusters, p)?,
        RobustType::Cr2 => cr2(m, &by_cluster, p)?,
    };
    let se: Vec<f64> = (0..p).map(|j| vb[(j, j)].sqrt()).collect();
    let stat: Vec<f64> = (0..p).map(|j| m.b[j] / se[j]).collect();
    let alpha = crate::method::alpha_of_level(m.level);
    let pval: Vec<f64> = (0..p).map(|j| 2.0 * pt(stat[j].abs(), ddf[j], false)).collect();
    let crit: Vec<f64> = ddf.iter().map(|d| qt(alpha / 2.0, *d, false)).collect();
    let (qm, qm_p, qm_df) = if m.int_only {
        (stat[0].powi(2).max(0.0), pval[0], (1.0, ddf[0]))
    } else {
        (qm, qm_p, qm_df)
    };
    Ok(Robust {
        kind,
        cluster_col: col.to_string(),
        n_clusters,
        b: m.b.iter().copied().collect(),
        ci_lb: (0..p).map(|j| m.b[j] - crit[j] * se[j]).collect(),
        ci_ub: (0..p).map(|j| m.b[j] + crit[j] * se[j]).collect(),
        se,
        stat,
        pval,
        ddf,
        vb,
        qm,
        qm_p,
        qm_df,
    })
}

type Tests = (DMatrix<f64>, Vec<f64>, f64, f64, (f64, f64));

fn wald(b: &DVector<f64>, vb: &DMatrix<f64>, btt: &[usize]) -> f64 {
    let q = btt.len();
    let sub = DMatrix::from_fn(q, q, |r, c| vb[(btt[r], btt[c])]);
    let bb = DVector::from_iterator(q, btt.iter().map(|&j| b[j]));
    match sub.cholesky() {
        Some(ch) => bb.dot(&ch.solve(&bb)),
        None => f64::NAN,
    }
}

fn cr1(m: &FittedModel, cluster: &[usize], n: usize, p: usize) -> Result<Tests, MetaError> {
    let mut g = vec![DVector::<f64>::zeros(p); n];
    for bl in m.blocks {
        let q = bl.marginal_inverse(m.theta)?;
        let qx = &q * &bl.x;
        let e = &bl.y - &bl.x * m.b;
        for (a, &r) in bl.rows.iter().enumerate() {
            g[cluster[r]] += qx.row(a).transpose() * e[a];
        }
    }
    let mut meat = DMatrix::<f64>::zeros(p, p);
    for gc in &g {
        meat += gc * gc.transpose();
    }
    let dfs = (n - p) as f64;
    let vb = m.h * meat * m.h * (n as f64 / dfs);
    let q = m.btt.len() as f64;
    let qm = wald(m.b, &vb, m.btt) / q;
    let qm_p = pf(qm, q, dfs, false);
    Ok((vb, vec![dfs; p], qm, qm_p, (q, dfs)))
}

/// Per cluster: clubSandwich's `G_j = H E_j R_j'` (p x n_j) and `H_j = H E_j X_j L` (p x p).
struct ClusterParts {
    g: DMatrix<f64>,
    hh: DMatrix<f64>,
}

fn cr2(m: &FittedModel, by_cluster: &[Vec<usize>], p: usize) -> Result<Tests, MetaError> {
    let l_h =
        m.h.clone()
            .cholesky()
            .ok_or_else(|| MetaError::model("the coefficients' covariance is not positive definite"))?
            .l();
    let mut meat = DMatrix::<f64>::zeros(p, p);
    let mut parts = Vec::with_capacity(by_cluster.len());
    for blocks in by_cluster {
        let n: usize = blocks.iter().map(|&b| m.blocks[b].rows.len()).sum();
        let mut theta_j = DMatrix::<f64>::zeros(n, n);
        let mut w_j = DMatrix::<f64>::zeros(n, n);
        let mut x_j = DMatrix::<f64>::zeros(n, p);
        let mut e_j = DVector::<f64>::zeros(n);
        let mut at = 0;
        for &bi in blocks {
            let bl = &m.blocks[bi];
            let nb = bl.rows.len();
            let mb = bl.marginal(m.theta);
            let qb = bl.inverse(mb.clone())?.0;
            theta_j.view_mut((at, at), (nb, nb)).copy_from(&mb);
            w_j.view_mut((at, at), (nb, nb)).copy_from(&qb);
            x_j.view_mut((at, 0), (nb, p)).copy_from(&bl.x);
            e_j.rows_mut(at, nb).copy_from(&(&bl.y - &bl.x * m.b));
            at += nb;
        }
        let r = theta_j
            .clone()
            .cholesky()
            .ok_or_else(|| MetaError::model("the marginal covariance is not positive definite"))?
            .l()
            .transpose();
        let ih = DMatrix::<f64>::identity(n, n) - &x_j * m.h * x_j.transpose() * &w_j;
        let g = &r * ih * &theta_j * r.transpose();
        let a = r.transpose() * inv_sqrt_psd(&g) * &r;
        let e = x_j.transpose() * &w_j * a;
        let u = &e * &e_j;
        meat += &u * u.transpose();
        let he = m.h * &e;
        parts.push(ClusterParts {
            g: &he * r.transpose(),
            hh: &he * &x_j * &l_h,
        });
    }
    let vb = m.h * meat * m.h;
    let ddf: Vec<f64> = (0..p)
        .map(|i| {
            let sel = DMatrix::from_fn(1, p, |_, c| f64::from(u8::from(c == i)));
            let s = second_moments(&parts, &sel);
            let e = s.omega[(0, 0)];
            2.0 * e * e / (2.0 * s.f(0, 0, 0, 0))
        })
        .collect();
    let q = m.btt.len();
    let c = DMatrix::from_fn(q, p, |r, col| f64::from(u8::from(m.btt[r] == col)));
    let omega = second_moments(&parts, &c).omega;
    let n_half = inv_sqrt_psd(&omega);
    let s = second_moments(&parts, &(&n_half * &c));
    let mut total = 0.0;
    for a in 0..q {
        for b in 0..q {
            total += s.f(a, b, b, a) + s.f(a, a, b, b);
        }
    }
    let qf = q as f64;
    let nu = qf * (qf + 1.0) / total;
    let delta = ((nu - qf + 1.0) / nu).max(0.0);
    let df2 = nu - qf + 1.0;
    let qm = delta * wald(m.b, &vb, m.btt) / qf;
    let qm_p = if df2 > 0.0 { pf(qm, qf, df2, false) } else { f64::NAN };
    Ok((vb, ddf, qm.max(0.0), qm_p, (qf, df2)))
}

/// Sums over clusters of the rows of `C G_j` and `C H_j` for a constraint
/// matrix `C` (q x p): what the traces and squared sums of clubSandwich's
/// P arrays reduce to.
struct Moments {
    q: usize,
    /// Omega[s][t] = sum_j (g_js . g_jt - h_js . h_jt).
    omega: DMatrix<f64>,
    /// Per cluster, g_j[s][t] = (C G_j)_s . (C G_j)_t (q x q).
    gg: Vec<DMatrix<f64>>,
    /// Per cluster, the rows of C H_j (q x p).
    hrows: Vec<DMatrix<f64>>,
    /// C_sa = sum_j h_js h_ja' (p x p), indexed s * q + a.
    cross: Vec<DMatrix<f64>>,
}

fn second_moments(parts: &[ClusterParts], c: &DMatrix<f64>) -> Moments {
    let q = c.nrows();
    let p = c.ncols();
    let mut omega = DMatrix::<f64>::zeros(q, q);
    let mut gg = Vec::with_capacity(parts.len());
    let mut hrows = Vec::with_capacity(parts.len());
    let mut cross = vec![DMatrix::<f64>::zeros(p, p); q * q];
    for part in parts {
        let cg = c * &part.g;
        let ch = c * &part.hh;
        let g2 = &cg * cg.transpose();
        let h2 = &ch * ch.transpose();
        omega += &g2 - &h2;
        for s in 0..q {
            for a in 0..q {
                cross[s * q + a] += ch.row(s).transpose() * ch.row(a);
            }
        }
        gg.push(g2);
        hrows.push(ch);
    }
    Moments {
        q,
        omega,
        gg,
        hrows,
        cross,
    }
}

impl Moments {
    /// sum_jk B[s,t,j,k] B[a,c,j,k], with B[s,t,j,k] = -h_js . h_kt + [j = k] g_j[s][t].
    fn f(&self, s: usize, t: usize, a: usize, c: usize) -> f64 {
        let q = self.q;
        let first = self.cross[s * q + a].component_mul(&self.cross[t * q + c]).sum();
        let mut rest = 0.0;
        for (g, h) in self.gg.iter().zip(&self.hrows) {
            let hst = h.row(s).dot(&h.row(t));
            let hac = h.row(a).dot(&h.row(c));
            rest += -g[(a, c)] * hst - g[(s, t)] * hac + g[(s, t)] * g[(a, c)];
        }
        first + rest
    }
}

/// Robust inference for an `rma.uni` fit (metafor's `robust.rma.uni`): the
/// same sandwiches with each study its own block, `M = vi + tau^2`.
/// `cluster[i]` is the cluster code of the fit's study `i`.
pub fn robust_uni(f: &crate::fit::Fit, cluster: &[usize], col: &str, kind: RobustType) -> Result<Robust, MetaError> {
    if f.opts.weights.is_some() || !f.opts.weighted || f.opts.test == crate::method::Test::Knha {
        return Err(MetaError::Usage(
            "--robust on an rma.uni fit needs inverse-variance weights and a z or t test (not --weights, --unweighted or --test knha)".into(),
        ));
    }
    let p = f.p;
    let blocks: Vec<Block> = (0..f.k)
        .map(|i| Block {
            rows: vec![i],
            y: DVector::from_element(1, f.yi[i]),
            x: DMatrix::from_row_slice(1, p, f.x.row(i)),
            v: DMatrix::from_element(1, 1, f.vi[i]),
            a: vec![DMatrix::from_element(1, 1, 1.0)],
        })
        .collect();
    let (codes, n_clusters) = crate::mv::blocks::dense_codes(cluster);
    let b = DVector::from_column_slice(&f.b);
    let btt: Vec<usize> = f.btt.iter().map(|j| j - 1).collect();
    let m = FittedModel {
        blocks: &blocks,
        theta: &[f.tau2],
        b: &b,
        h: &f.vb,
        btt: &btt,
        int_only: f.x.is_intercept_only(),
        level: f.opts.level,
    };
    robust(&m, &codes, n_clusters, col, kind)
}
