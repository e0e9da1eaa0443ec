//! `acumen meta` options: names and defaults as metafor's `rma`, and how
//! they become the engine's `AnalysisOptions` (every unknown or
//! inapplicable value refused in one line).

use std::path::PathBuf;

use acumen_meta::analysis::Blocks;
use acumen_meta::diag::permutest::Permutations;
use acumen_meta::{AddTo, AnalysisOptions, EscalcOptions, FitOptions, Measure, MetaError, VType};
use anyhow::{anyhow, bail, Result};
use clap::Args;

/// Options of `acumen meta` (names and defaults as metafor's `rma`).
#[derive(Debug, Clone, Args, Default)]
pub struct MetaArgs {
    /// CSV file with a header row.
    pub file: PathBuf,
    /// Effect-size measure to compute (SMD, SMDH, MD, ROM, OR, RR, RD, PETO, MN, PR, PLO, PAS, IRR, COR, ZCOR, MC, SMCC, SMCR); without it the CSV must hold yi and vi (or sei).
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
    /// A fixed tau^2 value.
    #[arg(long)]
    pub tau2: Option<f64>,
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
}

/// How studies are pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Inverse-variance models (rma.uni).
    Rma,
    /// Mantel-Haenszel.
    Mh,
    /// Peto's one-step method.
    Peto,
}

/// The pooling the arguments ask for.
pub fn pooling(a: &MetaArgs) -> Pooling {
    match a.method.as_str() {
        "MH" => Pooling::Mh,
        "PETO" => Pooling::Peto,
        _ => Pooling::Rma,
    }
}

fn parse_indices(s: &str, what: &str) -> Result<Vec<usize>> {
    s.split(',')
        .map(|v| {
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|&j| j >= 1)
                .ok_or_else(|| anyhow!("--{what}: '{}' is not a coefficient number (1, 2, ...)", v.trim()))
        })
        .collect()
}

fn opt_err(option: &'static str, value: &str, allowed: &str) -> anyhow::Error {
    MetaError::Option {
        option,
        value: value.into(),
        allowed: allowed.into(),
    }
    .into()
}

fn parse_list(text: &str, what: &str) -> Result<Vec<f64>> {
    text.split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| anyhow!("--{what}: '{}' is not a number (write e.g. \"1.5,0;2,1\")", v.trim()))
        })
        .collect()
}

/// Turns the arguments into analysis options.
pub fn options(a: &MetaArgs) -> Result<AnalysisOptions> {
    let vtype = match a.vtype.as_str() {
        "LS" => VType::LS,
        "UB" => VType::UB,
        v => return Err(opt_err("vtype", v, "LS, UB")),
    };
    let to = match a.to.as_str() {
        "only0" => AddTo::Only0,
        "all" => AddTo::All,
        "if0all" => AddTo::If0All,
        "none" => AddTo::None,
        v => return Err(opt_err("to", v, "only0, all, if0all, none")),
    };
    let drop00 = match a.drop00.as_deref() {
        None => pooling(a) != Pooling::Rma,
        Some("yes" | "TRUE" | "true") => true,
        Some("no" | "FALSE" | "false") => false,
        Some(v) => return Err(opt_err("drop00", v, "yes, no")),
    };
    if let Some(add) = a.add {
        if !(add >= 0.0) || !add.is_finite() {
            bail!("--add must be a finite number >= 0, got {add}");
        }
    }
    if !(a.level > 0.0 && a.level < 100.0) {
        bail!("--level must lie between 0 and 100 (e.g. 95), got {}", a.level);
    }
    if a.maxiter == 0 {
        bail!("--maxiter must be at least 1");
    }
    if let Some(t) = a.tau2 {
        if !(t >= 0.0) || !t.is_finite() {
            bail!("--tau2 must be a finite number >= 0, got {t}");
        }
    }
    let escalc = match &a.measure {
        None => None,
        Some(m) => Some(EscalcOptions {
            measure: m.parse::<Measure>()?,
            vtype,
            add: a.add,
            to,
            drop00,
        }),
    };
    let btt = a.btt.as_deref().map(|s| parse_indices(s, "btt")).transpose()?;
    let wald = a.wald.as_deref().map(|s| parse_indices(s, "wald")).transpose()?;
    let permutations = match a.permutations.as_deref() {
        None => None,
        Some("exact") => Some(Permutations::Exact),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 2 => Some(Permutations::Random(n)),
            _ => return Err(opt_err("permutations", v, "exact, or a number of permutations >= 2")),
        },
    };
    let newmods = match &a.newmods {
        None => None,
        Some(s) => Some(
            s.split(';')
                .map(|r| parse_list(r, "newmods"))
                .collect::<Result<Vec<_>>>()?,
        ),
    };
    if !matches!(a.format.as_str(), "table" | "json") {
        return Err(opt_err("format", &a.format, "table, json"));
    }
    Ok(AnalysisOptions {
        escalc,
        fit: FitOptions {
            method: if pooling(a) == Pooling::Rma {
                a.method.parse()?
            } else {
                acumen_meta::Method::EE
            },
            test: a.test.parse()?,
            level: a.level,
            tau2: a.tau2,
            weighted: !a.unweighted,
            weights: None,
            btt,
            maxiter: a.maxiter,
            skip_r2: false,
            budget: Default::default(),
        },
        weights_column: a.weights.clone(),
        mods: a.mods.clone(),
        newmods,
        subgroup: a.subgroup.clone(),
        all: a.all,
        blocks: Blocks {
            leave1out: a.leave1out,
            influence: a.influence,
            regtest: a.regtest,
            ranktest: a.ranktest,
            trimfill: a.trimfill,
            cumul: a.cumul || a.cumul_forest.is_some(),
        },
        cumul_order: a.cumul_order.clone(),
        permutations,
        seed: a.seed,
        reduced_mods: a.reduced_mods.clone(),
        wald,
    })
}
