//! Multilevel meta-analysis: metafor's `rma.mv` with nested (or otherwise
//! grouped) random intercepts, known sampling covariances, moderators,
//! REML or ML, z or t tests, fixed components, the multilevel I^2, and
//! cluster-robust inference (`robust`). The model's marginal covariance is
//! block diagonal (see [`blocks`]); nothing k x k is ever formed.

mod analyse;
pub mod blocks;
mod dfs;
pub mod json;
pub mod profile;
pub mod random;
pub mod ranef;
pub mod reml;
pub mod robust;
pub mod spec;
pub mod structure;
pub mod vfile;

pub use analyse::analyse_mv;

use nalgebra::DMatrix;

use crate::analysis::Dropped;
use crate::fit::FitStats;
use robust::{Robust, RobustType};
use structure::Struct;

/// Where the sampling covariances come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum VSpec {
    /// `vi` on the diagonal.
    #[default]
    Diagonal,
    /// A constant correlation `rho` of sampling errors within the levels of a column.
    Cluster {
        /// The column.
        column: String,
        /// The correlation.
        rho: f64,
    },
    /// Known covariances `(row_i, row_j, cov)`, 1-based data rows, the upper
    /// triangle with the diagonal (it replaces `vi`).
    Matrix(Vec<(usize, usize, f64)>),
}

/// What to fit, besides the data and the moderators of [`AnalysisOptions`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MvSpec {
    /// `random =` terms (`~ 1 | a/b`).
    pub random: Vec<String>,
    /// Fixed components (`None` = estimate), one per component, or none.
    pub sigma2: Option<Vec<Option<f64>>>,
    /// Sampling covariances.
    pub v: VSpec,
    /// Cluster-robust inference: column and type.
    pub robust: Option<(String, RobustType)>,
    /// The structure of a `~ inner | outer` term (CS when none is given).
    pub structure: Option<Struct>,
    /// Compute the BLUPs of the random intercepts (metafor's `ranef`).
    pub ranef: bool,
    /// Profile-likelihood intervals of the variance components (`--all`).
    pub confint: bool,
    /// t tests on metafor's `dfs = "contain"` degrees of freedom.
    pub contain: bool,
    /// Fixed tau^2 values of the `~ inner | outer` term (`None` = estimate).
    pub tau2: Option<Vec<Option<f64>>>,
    /// A fixed rho of the `~ inner | outer` term.
    pub rho: Option<f64>,
}

/// Profile-likelihood intervals, one entry per component of the fit's arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct MvConfint {
    /// Per sigma2 component.
    pub sigma2: Vec<profile::Bounds>,
    /// Per tau2 value.
    pub tau2: Vec<profile::Bounds>,
    /// Per rho value (CS structures; null for fixed or not yet profiled ones).
    pub rho: Vec<profile::Bounds>,
}

/// A fitted multilevel model (NaN for NA), metafor's names.
#[derive(Debug, Clone, PartialEq)]
pub struct MvFit {
    /// Number of effect sizes used.
    pub k: usize,
    /// Number of coefficients.
    pub p: usize,
    /// Coefficient names.
    pub coef_names: Vec<String>,
    /// Coefficients.
    pub b: Vec<f64>,
    /// Standard errors.
    pub se: Vec<f64>,
    /// z or t statistics.
    pub stat: Vec<f64>,
    /// p-values.
    pub pval: Vec<f64>,
    /// Lower bounds.
    pub ci_lb: Vec<f64>,
    /// Upper bounds.
    pub ci_ub: Vec<f64>,
    /// Their variance-covariance matrix.
    pub vb: DMatrix<f64>,
    /// Variance components.
    pub sigma2: Vec<f64>,
    /// Which were fixed.
    pub sigma2_fixed: Vec<bool>,
    /// Component names.
    pub s_names: Vec<String>,
    /// Levels per component.
    pub s_nlevels: Vec<usize>,
    /// Residual heterogeneity test.
    pub qe: f64,
    /// Its p-value.
    pub qe_p: f64,
    /// Omnibus test of the `btt` coefficients (an F statistic under t tests).
    pub qm: f64,
    /// Its p-value.
    pub qm_p: f64,
    /// Its degrees of freedom.
    pub qm_df: (usize, Option<usize>),
    /// Degrees of freedom of t tests, per coefficient (`--dfs residual`: k - p;
    /// `contain`: metafor's containment rule).
    pub ddf: Option<Vec<usize>>,
    /// ML fit statistics.
    pub ml: FitStats,
    /// REML fit statistics.
    pub reml: FitStats,
    /// Multilevel I^2 per component (percent).
    pub i2_levels: Vec<f64>,
    /// The structure of the `~ inner | outer` term, if any.
    pub structure: Option<Struct>,
    /// Its variances (metafor's `tau2`).
    pub tau2: Vec<f64>,
    /// Its correlations (metafor's `rho`).
    pub rho: Vec<f64>,
    /// Its inner and outer factors.
    pub g_names: Vec<String>,
    /// Their numbers of levels.
    pub g_nlevels: Vec<usize>,
    /// The cluster-robust block.
    pub robust: Option<Robust>,
    /// BLUPs per `~ 1 | ...` component, when asked for.
    pub ranef: Option<Vec<ranef::Blups>>,
    /// Profile-likelihood intervals, when asked for.
    pub confint: Option<MvConfint>,
    /// Rows left out and why.
    pub dropped: Vec<Dropped>,
    /// Fisher-scoring iterations.
    pub iterations: usize,
}
