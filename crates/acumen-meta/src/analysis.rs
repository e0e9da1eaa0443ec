//! The whole analysis from a table: effect sizes (or given `yi`/`vi`),
//! moderators, rows left out and why, the fit and the post-fit blocks.

use crate::confint::{self, HetConfint};
use crate::design::Design;
use crate::error::{DataError, MetaError};
use crate::escalc::{escalc, resolve_columns, Columns, Effects, EscalcOptions};
use crate::fit::{fit, Fit};
use crate::formula::{model_frame, Formula};
use crate::method::FitOptions;
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
    /// Computed effect sizes over all rows (when a measure was given).
    pub escalc: Option<Effects>,
    /// Rows left out.
    pub dropped: Vec<Dropped>,
    /// Study labels of the studies used.
    pub labels: Vec<String>,
    /// The fit.
    pub fit: Fit,
    /// Heterogeneity confidence intervals (with `all`, where they apply).
    pub confint: Option<HetConfint>,
    /// Predictions (with `all` or `newmods`).
    pub predict: Option<Prediction>,
    /// Subgroup analysis.
    pub subgroups: Option<Subgroups>,
}

fn data_err(row: usize, column: &str, message: String) -> MetaError {
    MetaError::Data(DataError {
        row: Some(row),
        column: column.into(),
        message,
    })
}

/// Runs the analysis over a table.
pub fn analyse(table: &Table, o: &AnalysisOptions) -> Result<Analysis, MetaError> {
    let n = table.rows.len();
    let (yi, vi, computed) = match &o.escalc {
        Some(eo) => {
            let set = resolve_columns(eo.measure, |c| table.has(c)).map_err(|missing| {
                MetaError::MissingColumns {
                    what: format!("measure {}", eo.measure),
                    missing: missing.join(", "),
                }
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
                            format!(
                            "{vcol} = {x} but sampling variances and standard errors must be >= 0"
                        ),
                        ))
                    }
                    Some(x) if !x.is_finite() => {
                        return Err(data_err(i, vcol, format!("{vcol} must be finite")))
                    }
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
    };
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
        Some(j) => idx.iter().map(|&i| table.rows[i][j].clone()).collect(),
        None => idx.iter().map(|&i| (i + 1).to_string()).collect(),
    };
    let confint = if o.all && confint::applies(&f) {
        Some(confint::confint(&f)?)
    } else {
        None
    };
    let predict = if o.all || o.newmods.is_some() {
        Some(predict(&f, o.newmods.as_deref())?)
    } else {
        None
    };
    let subgroups = match &o.subgroup {
        None => None,
        Some(col) => {
            let (levels, group) = table.factor(col)?;
            let g: Vec<Option<usize>> = idx.iter().map(|&i| group[i]).collect();
            Some(subgroups(&y, &v, w.as_deref(), &levels, &g, &o.fit)?)
        }
    };
    Ok(Analysis {
        escalc: computed,
        dropped,
        labels,
        fit: f,
        confint,
        predict,
        subgroups,
    })
}
