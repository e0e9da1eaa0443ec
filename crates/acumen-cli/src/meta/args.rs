//! `acumen meta` options: names and defaults as metafor's `rma` (the
//! engine's [`Request`], see `acumen_meta::request`), the CSV file, the
//! output format and the plot files.

use std::path::PathBuf;

use acumen_meta::{AnalysisOptions, MetaError, Request};
use anyhow::Result;
use clap::Args;

/// Options of `acumen meta` (names and defaults as metafor's `rma`).
#[derive(Debug, Clone, Args, Default)]
pub struct MetaArgs {
    /// CSV file with a header row.
    pub file: PathBuf,
    /// Effect-size measure to compute (SMD, SMDH, MD, ROM, CVR, VR, OR, RR, RD, PETO, MN, MNLN, PR, PLO, PAS, PFT, IRR, IRD, IRLN, IRS, IRFT, COR, ZCOR, UCOR, MC, SMCC, SMCR, ROMC); without it the CSV must hold yi and vi (or sei).
    #[arg(long)]
    pub measure: Option<String>,
    /// Variance type: LS or UB.
    #[arg(long, default_value = "LS")]
    pub vtype: String,
    /// Value added to cells of tables with zero counts (default 1/2; 0 for PAS).
    #[arg(long)]
    pub add: Option<f64>,
    /// Which tables get `add`: only0, all, if0all, none.
    #[arg(long, default_value = "only0")]
    pub to: String,
    /// Leave out tables with no events (or only events) in both groups: yes or no (default no; yes for MH and PETO).
    #[arg(long)]
    pub drop00: Option<String>,
    /// tau^2 estimator: EE, FE, DL, DLIT, HE, HS, HSk, SJ, SJIT, ML, REML, EB, PM, PMM, GENQ; or MH (Mantel-Haenszel) and PETO.
    #[arg(long, default_value = "REML")]
    pub method: String,
    /// Test for the coefficients: z, t or knha.
    #[arg(long, default_value = "z")]
    pub test: String,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0)]
    pub level: f64,
    /// Moderator formula, e.g. "~ ablat + factor(alloc)".
    #[arg(long)]
    pub mods: Option<String>,
    /// Coefficients (1-based) for the omnibus test, e.g. 2,3.
    #[arg(long)]
    pub btt: Option<String>,
    /// Column of user weights.
    #[arg(long)]
    pub weights: Option<String>,
    /// A fixed tau^2 value; with --random, the tau^2 of a "~ inner | outer" term: "0.02,NA" (NA = estimate).
    #[arg(long)]
    pub tau2: Option<String>,
    /// Unweighted (ordinary least squares) estimation.
    #[arg(long)]
    pub unweighted: bool,
    /// Iteration limit of iterative estimators.
    #[arg(long, default_value_t = 100)]
    pub maxiter: usize,
    /// Moderator values to predict at: "v,v;v,v" (one row per ';'; values may be negative: -1,1).
    #[arg(long, allow_hyphen_values = true)]
    pub newmods: Option<String>,
    /// Column for a subgroup analysis.
    #[arg(long)]
    pub subgroup: Option<String>,
    /// Add every post-fit block that applies (confint, predict).
    #[arg(long)]
    pub all: bool,
    /// Output: table or json.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Leave-one-out analysis.
    #[arg(long)]
    pub leave1out: bool,
    /// Influence diagnostics.
    #[arg(long)]
    pub influence: bool,
    /// Egger's regression test.
    #[arg(long)]
    pub regtest: bool,
    /// Begg and Mazumdar's rank correlation test.
    #[arg(long)]
    pub ranktest: bool,
    /// Trim-and-fill.
    #[arg(long)]
    pub trimfill: bool,
    /// Cumulative meta-analysis (CSV order, or see --cumul-order).
    #[arg(long)]
    pub cumul: bool,
    /// Column ordering the cumulative analysis (stable ascending).
    #[arg(long)]
    pub cumul_order: Option<String>,
    /// Permutation test: exact, or a number of random permutations.
    #[arg(long)]
    pub permutations: Option<String>,
    /// Seed of the random permutations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Reduced moderator formula for a likelihood-ratio test (both models ML).
    #[arg(long)]
    pub reduced_mods: Option<String>,
    /// Coefficients (1-based) for a separate Wald test, e.g. 2,3.
    #[arg(long)]
    pub wald: Option<String>,
    /// No continuity correction in the Cochran-Mantel-Haenszel test.
    #[arg(long)]
    pub no_correct: bool,
    /// Write a forest plot (.svg or .png at 300 dpi).
    #[arg(long)]
    pub forest: Option<PathBuf>,
    /// Write a funnel plot (.svg or .png).
    #[arg(long)]
    pub funnel: Option<PathBuf>,
    /// Write the cumulative estimates as a forest plot (.svg or .png).
    #[arg(long)]
    pub cumul_forest: Option<PathBuf>,
    /// Scale of plot axes: exp (ratios) or none; default by measure.
    #[arg(long)]
    pub transf: Option<String>,
    /// Favours labels under the forest plot's axis: "left,right".
    #[arg(long)]
    pub favours: Option<String>,
    /// When ML, REML or EB does not converge: retry with half steps
    /// (metafor's stepadj = 0.5), then PM, then DL; each attempt is recorded.
    #[arg(long)]
    pub fallback: bool,
    /// A multilevel model (metafor's rma.mv): random intercepts per level, "~ 1 | study/esid" (nested) or repeated for several terms.
    #[arg(long, value_name = "FORMULA")]
    pub random: Vec<String>,
    /// Fix variance components of --random: "0.05,NA" (NA = estimate), one per component.
    #[arg(long, value_name = "LIST")]
    pub sigma2: Option<String>,
    /// Sampling errors correlated within the levels of this column (as metafor's vcalc), with --rho.
    #[arg(long = "V-cluster", value_name = "COL")]
    pub v_cluster: Option<String>,
    /// The correlation of sampling errors within a --V-cluster level.
    #[arg(long)]
    pub rho: Option<f64>,
    /// The structure of a "~ inner | outer" term: CS (default), HCS, UN, ID or DIAG.
    #[arg(long = "struct", value_name = "STRUCT")]
    pub struct_: Option<String>,
    /// Known sampling covariances: a CSV with columns row_i,row_j,cov (1-based data rows, upper triangle with the diagonal); replaces vi.
    #[arg(long = "V", value_name = "FILE.csv")]
    pub v_file: Option<PathBuf>,
    /// The type of the tau^2 interval of --all: QP (Q-profile, metafor's default) or PL (profile likelihood).
    #[arg(long = "ci-type", value_name = "TYPE")]
    pub ci_type: Option<String>,
    /// The BLUPs of the random intercepts of a multilevel model (metafor's ranef).
    #[arg(long)]
    pub ranef: bool,
    /// Cluster-robust tests by this column (metafor's robust(fit, cluster = COL)).
    #[arg(long, value_name = "COL")]
    pub robust: Option<String>,
    /// The robust estimator: CR1 (metafor's adjust = TRUE, default) or CR2 (clubSandwich, Satterthwaite df, HTZ).
    #[arg(long, value_name = "TYPE")]
    pub cr: Option<String>,
    /// Degrees of freedom of t tests in a multilevel model: residual (k - p) or contain (metafor's containment rule).
    #[arg(long)]
    pub dfs: Option<String>,
    /// Write an R script that reruns the analysis with metafor and compares every number.
    #[arg(long, value_name = "OUT.R")]
    pub r_script: Option<PathBuf>,
}

impl MetaArgs {
    /// The analysis asked for, in the engine's terms.
    pub fn request(&self) -> Request {
        Request {
            measure: self.measure.clone(),
            vtype: self.vtype.clone(),
            add: self.add,
            to: self.to.clone(),
            drop00: self.drop00.clone(),
            method: self.method.clone(),
            test: self.test.clone(),
            level: self.level,
            mods: self.mods.clone(),
            btt: self.btt.clone(),
            weights: self.weights.clone(),
            // One number for rma.uni; anything else (a list, or any value with
            // --random) fixes a multilevel struct's tau^2.
            tau2: self
                .tau2
                .as_deref()
                .and_then(|t| t.trim().parse::<f64>().ok())
                .filter(|_| self.random.is_empty()),
            unweighted: self.unweighted,
            maxiter: self.maxiter,
            newmods: self.newmods.clone(),
            subgroup: self.subgroup.clone(),
            all: self.all,
            leave1out: self.leave1out,
            influence: self.influence,
            regtest: self.regtest,
            ranktest: self.ranktest,
            trimfill: self.trimfill,
            // A cumulative forest plot needs the cumulative analysis.
            cumul: self.cumul || self.cumul_forest.is_some(),
            cumul_order: self.cumul_order.clone(),
            permutations: self.permutations.clone(),
            seed: self.seed,
            reduced_mods: self.reduced_mods.clone(),
            wald: self.wald.clone(),
            no_correct: self.no_correct,
            fallback: self.fallback,
            random: self.random.clone(),
            sigma2: self.sigma2.clone(),
            v_cluster: self.v_cluster.clone(),
            rho: self.rho,
            robust: self.robust.clone(),
            cr: self.cr.clone(),
            dfs: self.dfs.clone(),
            struct_: self.struct_.clone(),
            // Read by `run` (the engine reads no files).
            v_matrix: None,
            ranef: self.ranef,
            ci_type: self.ci_type.clone(),
            tau2_mv: self
                .tau2
                .clone()
                .filter(|t| !self.random.is_empty() || t.trim().parse::<f64>().is_err()),
        }
    }
}

/// Turns the arguments into analysis options (`--format` and the plot
/// options are the command's own; the rest are the engine's [`Request`]).
pub fn options(a: &MetaArgs) -> Result<AnalysisOptions> {
    options_of(a, &a.request())
}

/// [`options`] for the request `req` made from `a` (built once by the caller).
pub fn options_of(a: &MetaArgs, req: &Request) -> Result<AnalysisOptions> {
    if !matches!(a.format.as_str(), "table" | "json") {
        return Err(MetaError::Option {
            option: "format",
            value: a.format.clone(),
            allowed: "table, json".into(),
        }
        .into());
    }
    Ok(req.options()?)
}
