//! `acumen meta`: the command-line contract of the evidence engine.

use std::path::PathBuf;

use acumen_meta::{
    analyse, AddTo, Analysis, AnalysisOptions, EscalcOptions, FitOptions, Measure, MetaError, VType,
};
use anyhow::{anyhow, bail, Result};
use clap::Args;

use crate::csv_input::read_csv;

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
    /// Leave out tables with no events (or only events) in both groups: yes or no.
    #[arg(long, default_value = "no")]
    pub drop00: String,
    /// tau^2 estimator: EE, FE, DL, DLIT, HE, HS, HSk, SJ, SJIT, ML, REML, EB, PM, PMM, GENQ.
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
    /// Moderator values to predict at: "v,v;v,v" (one row per ';').
    #[arg(long)]
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
            v.trim().parse::<f64>().map_err(|_| {
                anyhow!(
                    "--{what}: '{}' is not a number (write e.g. \"1.5,0;2,1\")",
                    v.trim()
                )
            })
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
    let drop00 = match a.drop00.as_str() {
        "yes" | "TRUE" | "true" => true,
        "no" | "FALSE" | "false" => false,
        v => return Err(opt_err("drop00", v, "yes, no")),
    };
    if let Some(add) = a.add {
        if !(add >= 0.0) || !add.is_finite() {
            bail!("--add must be a finite number >= 0, got {add}");
        }
    }
    if !(a.level > 0.0 && a.level < 100.0) {
        bail!(
            "--level must lie between 0 and 100 (e.g. 95), got {}",
            a.level
        );
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
    let btt = match &a.btt {
        None => None,
        Some(s) => Some(
            s.split(',')
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&j| j >= 1)
                        .ok_or_else(|| {
                            anyhow!(
                                "--btt: '{}' is not a coefficient number (1, 2, ...)",
                                v.trim()
                            )
                        })
                })
                .collect::<Result<Vec<_>>>()?,
        ),
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
            method: a.method.parse()?,
            test: a.test.parse()?,
            level: a.level,
            tau2: a.tau2,
            weighted: !a.unweighted,
            weights: None,
            btt,
            maxiter: a.maxiter,
        },
        weights_column: a.weights.clone(),
        mods: a.mods.clone(),
        newmods,
        subgroup: a.subgroup.clone(),
        all: a.all,
    })
}

/// Runs the analysis; errors about the data are prefixed with the file name.
pub fn run(a: &MetaArgs) -> Result<Analysis> {
    let opts = options(a)?;
    let table = read_csv(&a.file)?;
    analyse(&table, &opts).map_err(|e| anyhow!("{}: {e}", a.file.display()))
}

/// Runs and renders in the requested format.
pub fn run_to_string(a: &MetaArgs) -> Result<String> {
    let analysis = run(a)?;
    Ok(match a.format.as_str() {
        "json" => serde_json::to_string_pretty(&crate::json_out::analysis_json(&analysis))? + "\n",
        _ => crate::report::render(&analysis, a.measure.as_deref()),
    })
}
