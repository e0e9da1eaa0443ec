//! The whole analysis from a table: effect sizes (or given `yi`/`vi`),
//! moderators, rows left out and why, the fit and the post-fit blocks.

use crate::confint::{self, HetConfint};
use crate::design::Design;
use crate::diag::anova::{lrt, wald, Lrt, Wald};
use crate::diag::cumul::{cumul, stable_order};
use crate::diag::influence::{influence, Influence};
use crate::diag::leave1out::leave1out;
use crate::diag::permutest::{permutest, PermTest, Permutations};
use crate::diag::ranktest::{ranktest, RankTest};
use crate::diag::regtest::{regtest, RegTest};
use crate::diag::trimfill::{trimfill, TrimFill};
use crate::diag::StepSeries;
use crate::error::{DataError, MetaError};
use crate::escalc::{escalc, resolve_columns, Columns, Effects, EscalcOptions};
use crate::fit::{fit, Fit};
use crate::formula::Formula;
use crate::method::FitOptions;
use crate::model_frame::model_frame;
use crate::predict::{predict, Prediction};
use crate::subgroup::{subgroups, Subgroups};
use crate::table::Table;

/// What to compute.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalysisOptions {
    /// Effect sizes to compute; `None` reads `yi` with `vi` or `sei`.
    pub escalc: Option<EscalcOptions>,
    /// Model settings (its `weights` are filled from `weights_column`).
    pub fit: FitOptions,
    /// Column of user weights.
    pub weights_column: Option<String>,
    /// Moderator formula.
    pub mods: Option<String>,
    /// Moderator rows to predict at.
    pub newmods: Option<Vec<Vec<f64>>>,
    /// Grouping column for a subgroup analysis.
    pub subgroup: Option<String>,
    /// Compute every post-fit block that applies.
    pub all: bool,
    /// Diagnostics asked for by name (an error when they do not apply).
    pub blocks: Blocks,
    /// Column ordering the cumulative analysis (CSV order without it).
    pub cumul_order: Option<String>,
    /// Permutation test.
    pub permutations: Option<Permutations>,
    /// Seed of random permutations.
    pub seed: u64,
    /// Reduced model for a likelihood-ratio test.
    pub reduced_mods: Option<String>,
    /// Coefficients (1-based) for a separate Wald test.
    pub wald: Option<Vec<usize>>,
    /// Cluster-robust tests by a column (metafor's `robust`).
    pub robust: Option<(String, crate::mv::robust::RobustType)>,
    /// The tau^2 interval by profile likelihood (`--ci-type PL`) instead of the Q-profile.
    pub ci_pl: bool,
}

/// Diagnostics requested explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Blocks {
    /// Leave-one-out analysis.
    pub leave1out: bool,
    /// Influence diagnostics.
    pub influence: bool,
    /// Egger's regression test.
    pub regtest: bool,
    /// Begg's rank correlation test.
    pub ranktest: bool,
    /// Trim-and-fill.
    pub trimfill: bool,
    /// Cumulative meta-analysis.
    pub cumul: bool,
}

/// A data row left out of the model, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    /// 0-based data row.
    pub row: usize,
    /// Why.
    pub reason: String,
}

/// The results of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// For PFT: the predictions back-transformed to proportions (metafor's
    /// `predict(fit, transf = transf.ipft.hm, targs = list(ni = ni))`).
    pub transf: Option<crate::predict::Prediction>,
    /// The cluster-robust block, when asked for.
    pub robust: Option<crate::mv::robust::Robust>,
    /// Computed effect sizes over all rows (when a measure was given).
    pub escalc: Option<Effects>,
    /// Rows left out.
    pub dropped: Vec<Dropped>,
    /// Study labels of the studies used.
    pub labels: Vec<String>,
    /// 0-based CSV rows of the studies used.
    pub rows: Vec<usize>,
    /// Subgroup level of each study used (with a subgroup analysis).
    pub subgroup_labels: Option<Vec<Option<String>>>,
    /// The fit.
    pub fit: Fit,
    /// Heterogeneity confidence intervals (with `all`, where they apply).
    pub confint: Option<HetConfint>,
    /// Predictions (with `all` or `newmods`).
    pub predict: Option<Prediction>,
    /// Subgroup analysis.
    pub subgroups: Option<Subgroups>,
    /// Leave-one-out analysis.
    pub leave1out: Option<StepSeries>,
    /// Influence diagnostics.
    pub influence: Option<Influence>,
    /// Egger's test.
    pub regtest: Option<RegTest>,
    /// Rank correlation test.
    pub ranktest: Option<RankTest>,
    /// Trim-and-fill.
    pub trimfill: Option<TrimFill>,
    /// Cumulative analysis and its order (1-based CSV rows).
    pub cumul: Option<(Vec<usize>, StepSeries)>,
    /// Permutation test.
    pub permutest: Option<PermTest>,
    /// Likelihood-ratio test against the reduced model, with its formula.
    pub anova_lrt: Option<(String, Lrt)>,
    /// Separate Wald test.
    pub anova_wald: Option<Wald>,
}

/// A block asked for by name must apply; under `all` it is computed when it does.
pub fn block<T>(
    asked: bool,
    all: bool,
    compute: impl FnOnce() -> Result<T, MetaError>,
) -> Result<Option<T>, MetaError> {
    if asked {
        compute().map(Some)
    } else if all {
        // A block that does not apply is left out; a stopped analysis stops.
        match compute() {
            Err(MetaError::Cancelled) => Err(MetaError::Cancelled),
            r => Ok(r.ok()),
        }
    } else {
        Ok(None)
    }
}

fn data_err(row: usize, column: &str, message: String) -> MetaError {
    MetaError::Data(DataError {
        row: Some(row),
        column: column.into(),
        message,
    })
}

/// The order (positions into `rows`) of a cumulative analysis: CSV order
/// without a column, else stable ascending by the column (numbers by value,
/// text by factor level).
pub fn cumul_order(table: &Table, column: Option<&str>, rows: &[usize]) -> Result<Vec<usize>, MetaError> {
    Ok(match column {
        None => (0..rows.len()).collect(),
        Some(col) => {
            if table.is_numeric_column(col) {
                let key = table.numeric(col)?;
                stable_order(&rows.iter().map(|&i| key[i].unwrap_or(f64::NAN)).collect::<Vec<_>>())
            } else {
                let (_, lv) = table.factor(col)?;
                stable_order(
                    &rows
                        .iter()
                        .map(|&i| lv[i].map_or(f64::NAN, |l| l as f64))
                        .collect::<Vec<_>>(),
                )
            }
        }
    })
}

/// Outcomes and sampling variances of every row: computed by escalc with
/// `o.escalc`, or read from `yi` with `vi` (or `sei`); NaN where missing.
#[allow(clippy::type_complexity)]
pub(crate) fn effects(table: &Table, o: &AnalysisOptions) -> Result<(Vec<f64>, Vec<f64>, Option<Effects>), MetaError> {
    let n = table.n_rows();
    Ok(match &o.escalc {
        Some(eo) => {
            let set = resolve_columns(eo.measure, |c| table.has(c)).map_err(|missing| MetaError::MissingColumns {
                what: format!("measure {}", eo.measure),
                missing: missing.join(", "),
            })?;
            let mut cols = Columns::new();
            for c in set {
                cols.insert(c.to_string(), table.numeric(c)?);
            }
            let e = escalc(eo, &cols, n)?;
            (e.yi.clone(), e.vi.clone(), Some(e))
        }
        None => {
            if !table.has("yi") || !(table.has("vi") || table.has("sei")) {
                let mut missing = vec![];
                if !table.has("yi") {
                    missing.push("yi");
                }
                if !table.has("vi") && !table.has("sei") {
                    missing.push("vi (or sei)");
                }
                return Err(MetaError::MissingColumns {
                    what: "an analysis without --measure".into(),
                    missing: missing.join(", "),
                });
            }
            let y = table.numeric("yi")?;
            let (vcol, v) = if table.has("vi") {
                ("vi", table.numeric("vi")?)
            } else {
                ("sei", table.numeric("sei")?)
            };
            let mut yv = Vec::with_capacity(n);
            let mut vv = Vec::with_capacity(n);
            for i in 0..n {
                let vi = match v[i] {
                    Some(x) if x < 0.0 => {
                        return Err(data_err(
                            i,
                            vcol,
                            format!("{vcol} = {x} but sampling variances and standard errors must be >= 0"),
                        ))
                    }
                    Some(x) if !x.is_finite() => return Err(data_err(i, vcol, format!("{vcol} must be finite"))),
                    Some(x) => {
                        if vcol == "sei" {
                            x * x
                        } else {
                            x
                        }
                    }
                    None => f64::NAN,
                };
                if let Some(y) = y[i] {
                    if !y.is_finite() {
                        return Err(data_err(i, "yi", "yi must be finite".into()));
                    }
                }
                yv.push(y[i].unwrap_or(f64::NAN));
                vv.push(vi);
            }
            (yv, vv, None)
        }
    })
}

/// Runs the analysis over a table.
pub fn analyse(table: &Table, o: &AnalysisOptions) -> Result<Analysis, MetaError> {
    let n = table.n_rows();
    let (yi, vi, computed) = effects(table, o)?;
    let weights = match &o.weights_column {
        None => None,
        Some(c) => {
            let w = table.numeric(c)?;
            for (i, v) in w.iter().enumerate() {
                if let Some(x) = v {
                    if *x < 0.0 || !x.is_finite() {
                        return Err(data_err(
                            i,
                            c,
                            format!("weight {x} is not allowed (weights must be finite and >= 0)"),
                        ));
                    }
                }
            }
            Some(w)
        }
    };
    let frame = match &o.mods {
        None => None,
        Some(text) => Some(model_frame(&Formula::parse(text)?, table)?),
    };
    let mut dropped = Vec::new();
    let mut keep = vec![true; n];
    for i in 0..n {
        let reason = if yi[i].is_nan() || vi[i].is_nan() {
            Some(if computed.is_some() {
                "effect size not computable (missing or undefined input)".to_string()
            } else if yi[i].is_nan() {
                "missing yi".to_string()
            } else {
                "missing vi".to_string()
            })
        } else if let Some(col) = frame.as_ref().and_then(|f| f.missing[i].clone()) {
            Some(format!("missing value in moderator '{col}'"))
        } else if weights.as_ref().is_some_and(|w| w[i].is_none()) {
            Some("missing weight".to_string())
        } else {
            None
        };
        if let Some(reason) = reason {
            keep[i] = false;
            dropped.push(Dropped { row: i, reason });
        }
    }
    let idx: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
    if idx.is_empty() {
        return Err(MetaError::model(format!(
            "no studies left to analyse (k = 0): all {n} rows were left out (first reason: {})",
            dropped
                .first()
                .map_or("the file has no data rows", |d| d.reason.as_str())
        )));
    }
    let y: Vec<f64> = idx.iter().map(|&i| yi[i]).collect();
    let v: Vec<f64> = idx.iter().map(|&i| vi[i]).collect();
    let x = match &frame {
        None => Design::intercept(idx.len()),
        Some(f) => Design::from_rows(
            f.names.clone(),
            &idx.iter().map(|&i| f.rows[i].clone()).collect::<Vec<_>>(),
        ),
    };
    let w: Option<Vec<f64>> = weights
        .as_ref()
        .map(|w| idx.iter().map(|&i| w[i].unwrap_or(f64::NAN)).collect());
    let mut fo = o.fit.clone();
    fo.weights = w.clone();
    let f = fit(&y, &v, x, &fo)?;
    let labels: Vec<String> = match table.col_index("study") {
        Some(j) => idx.iter().map(|&i| table.cell(i, j).to_string()).collect(),
        None => idx.iter().map(|&i| (i + 1).to_string()).collect(),
    };
    let confint = if o.all && confint::applies(&f) {
        Some(if o.ci_pl {
            crate::confint_pl::confint_pl(&f)?
        } else {
            confint::confint(&f)?
        })
    } else {
        None
    };
    let predict = if o.all || o.newmods.is_some() {
        Some(predict(&f, o.newmods.as_deref())?)
    } else {
        None
    };
    // PFT: the predictions back to proportions with the harmonic mean of the
    // used studies' sample sizes (metafor's transf.ipft.hm, targs = list(ni)).
    let transf = match (&predict, o.escalc.as_ref().map(|e| e.measure)) {
        (Some(p), Some(crate::Measure::PFT)) => {
            let ni_all = table.numeric("ni")?;
            let ni: Vec<f64> = idx.iter().map(|&i| ni_all[i].unwrap_or(f64::NAN)).collect();
            let t = |v: &[f64]| {
                v.iter()
                    .map(|x| crate::escalc_more::ipft_hm(*x, &ni))
                    .collect::<Vec<_>>()
            };
            Some(crate::predict::Prediction {
                pred: t(&p.pred),
                se: vec![f64::NAN; p.pred.len()],
                ci_lb: t(&p.ci_lb),
                ci_ub: t(&p.ci_ub),
                pi_lb: t(&p.pi_lb),
                pi_ub: t(&p.pi_ub),
            })
        }
        _ => None,
    };
    let (subgroups, subgroup_labels) = match &o.subgroup {
        None => (None, None),
        Some(col) => {
            let (levels, group) = table.factor(col)?;
            let g: Vec<Option<usize>> = idx.iter().map(|&i| group[i]).collect();
            let names = g.iter().map(|l| l.map(|l| levels[l].clone())).collect();
            (Some(subgroups(&y, &v, w.as_deref(), &levels, &g, &o.fit)?), Some(names))
        }
    };
    let b = o.blocks;
    let int_only = f.x.is_intercept_only();
    let leave1out = block(b.leave1out, o.all && int_only, || leave1out(&f))?;
    let influence = block(b.influence, o.all, || influence(&f))?;
    let regtest = block(b.regtest, o.all, || regtest(&f))?;
    let ranktest = block(b.ranktest, o.all, || ranktest(&f))?;
    let trimfill = block(b.trimfill, o.all && int_only, || trimfill(&f, 100))?;
    let cumul = block(b.cumul || o.cumul_order.is_some(), o.all && int_only, || {
        let order = cumul_order(table, o.cumul_order.as_deref(), &idx)?;
        let series = cumul(&f, &order)?;
        Ok((order.iter().map(|&j| idx[j] + 1).collect(), series))
    })?;
    let permutest = match o.permutations {
        None => None,
        Some(p) => Some(permutest(&f, p, o.seed)?),
    };
    let anova_lrt = match &o.reduced_mods {
        None => None,
        Some(text) => {
            let fr = model_frame(&Formula::parse(text)?, table)?;
            if let Some(i) = idx.iter().find(|&&i| fr.missing[i].is_some()) {
                return Err(MetaError::model(format!(
                    "--reduced-mods: row {} has a missing value in '{}'; the reduced model must use the same studies",
                    i + 1,
                    fr.missing[*i].clone().unwrap_or_default()
                )));
            }
            let xr = Design::from_rows(
                fr.names.clone(),
                &idx.iter().map(|&i| fr.rows[i].clone()).collect::<Vec<_>>(),
            );
            Some((text.clone(), lrt(&f, xr)?))
        }
    };
    let anova_wald = match &o.wald {
        None => None,
        Some(btt) => Some(wald(&f, btt)?),
    };
    let robust = match &o.robust {
        None => None,
        Some((col, kind)) => {
            let (_, codes) = table.factor(col)?;
            let mut cl = Vec::with_capacity(idx.len());
            for &i in &idx {
                cl.push(codes[i].ok_or_else(|| {
                    data_err(
                        i,
                        col,
                        format!(
                            "the --robust cluster column '{col}' has no value in this row (every used row needs one)"
                        ),
                    )
                })?);
            }
            Some(crate::mv::robust::robust_uni(&f, &cl, col, *kind)?)
        }
    };
    // A refit stopped inside a block that turns failures into NA is still a stop.
    o.fit.budget.check()?;
    Ok(Analysis {
        transf,
        robust,
        escalc: computed,
        dropped,
        labels,
        rows: idx,
        subgroup_labels,
        fit: f,
        confint,
        predict,
        subgroups,
        leave1out,
        influence,
        regtest,
        ranktest,
        trimfill,
        cumul,
        permutest,
        anova_lrt,
        anova_wald,
    })
}
