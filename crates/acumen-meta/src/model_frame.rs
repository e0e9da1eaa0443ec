//! The model frame of a formula over a table: the design matrix with R's
//! column names, term order and contrasts, and the rows set aside because a
//! moderator is missing (each with its reason).

use crate::error::MetaError;
use crate::formula::{ferr, Formula, Var};
use crate::table::Table;

/// A model matrix over every table row; `missing[i]` names the first
/// used column that is missing in row i.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFrame {
    /// Coefficient names.
    pub names: Vec<String>,
    /// One row of values per table row.
    pub rows: Vec<Vec<f64>>,
    /// The first missing column per row, if any.
    pub missing: Vec<Option<String>>,
}

/// The columns one variable contributes: (name suffix, values).
type Coded = Vec<(String, Vec<f64>)>;

/// Builds the model matrix of `formula` over `table` (R's `model.matrix`
/// with treatment contrasts).
pub fn model_frame(formula: &Formula, table: &Table) -> Result<ModelFrame, MetaError> {
    let n = table.n_rows();
    let unknown: Vec<String> = formula.columns().into_iter().filter(|c| !table.has(c)).collect();
    if !unknown.is_empty() {
        return Err(ferr(
            &formula.text,
            format!(
                "unknown column(s) {} (the CSV has: {})",
                unknown.join(", "),
                table.headers.join(", ")
            ),
        ));
    }
    let mut names = Vec::new();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    let mut missing: Vec<Option<String>> = vec![None; n];
    if formula.intercept {
        names.push("intrcpt".to_string());
        cols.push(vec![1.0; n]);
    }
    // Without an intercept the first factor main effect is coded in full,
    // after which the empty term counts as present (R's model.matrix).
    let mut empty_present = formula.intercept;
    for term in &formula.terms {
        let mut coded: Vec<Coded> = Vec::new();
        for (j, var) in term.vars.iter().enumerate() {
            let others: Vec<&Var> = term
                .vars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != j)
                .map(|(_, v)| v)
                .collect();
            let contrasts = if others.is_empty() {
                empty_present
            } else {
                formula.has_term(&others)
            };
            let (c, was_factor) = code_var(var, table, contrasts, &mut missing, &formula.text)?;
            if was_factor && others.is_empty() && !contrasts {
                empty_present = true;
            }
            coded.push(c);
        }
        // Interaction: the first variable varies fastest.
        let mut acc: Coded = vec![(String::new(), vec![1.0; n])];
        for c in &coded {
            let mut next = Vec::new();
            for (name_b, vb) in c {
                for (name_a, va) in &acc {
                    let name = if name_a.is_empty() {
                        name_b.clone()
                    } else {
                        format!("{name_a}:{name_b}")
                    };
                    next.push((name, va.iter().zip(vb).map(|(a, b)| a * b).collect()));
                }
            }
            acc = next;
        }
        for (name, v) in acc {
            names.push(name);
            cols.push(v);
        }
    }
    let rows = (0..n).map(|i| cols.iter().map(|c| c[i]).collect()).collect();
    Ok(ModelFrame { names, rows, missing })
}

fn note_missing(missing: &mut [Option<String>], i: usize, col: &str) {
    if missing[i].is_none() {
        missing[i] = Some(col.to_string());
    }
}

/// One variable's columns; the flag says whether it was coded as a factor.
fn code_var(
    var: &Var,
    table: &Table,
    contrasts: bool,
    missing: &mut [Option<String>],
    text: &str,
) -> Result<(Coded, bool), MetaError> {
    let label = var.label();
    let factor_of = |col: &str, reference: Option<&str>| -> Result<(Vec<String>, Vec<Option<usize>>), MetaError> {
        let (mut levels, mut idx) = table.factor(col)?;
        if let Some(r) = reference {
            let Some(pos) = levels.iter().position(|l| l == r) else {
                return Err(ferr(
                    text,
                    format!("relevel: '{r}' is not a level of {col} (levels: {})", levels.join(", ")),
                ));
            };
            let l = levels.remove(pos);
            levels.insert(0, l);
            for v in idx.iter_mut().flatten() {
                *v = match *v {
                    x if x == pos => 0,
                    x if x < pos => x + 1,
                    x => x,
                };
            }
        }
        Ok((levels, idx))
    };
    let factor = match var {
        Var::Factor(c) => Some((c.as_str(), None)),
        Var::Column(c) if !table.is_numeric_column(c) => Some((c.as_str(), None)),
        Var::Relevel { column, reference, .. } => Some((column.as_str(), Some(reference.as_str()))),
        _ => None,
    };
    if let Some((col, reference)) = factor {
        let (levels, idx) = factor_of(col, reference)?;
        for (i, v) in idx.iter().enumerate() {
            if v.is_none() {
                note_missing(missing, i, col);
            }
        }
        let start = usize::from(contrasts);
        let coded = levels
            .iter()
            .enumerate()
            .skip(start)
            .map(|(l, level)| {
                (
                    format!("{label}{level}"),
                    idx.iter().map(|v| if *v == Some(l) { 1.0 } else { 0.0 }).collect(),
                )
            })
            .collect();
        return Ok((coded, true));
    }
    let values: Vec<f64> = match var {
        Var::Column(c) => {
            let vals = table.numeric(c)?;
            vals.iter()
                .enumerate()
                .map(|(i, v)| {
                    v.unwrap_or_else(|| {
                        note_missing(missing, i, c);
                        f64::NAN
                    })
                })
                .collect()
        }
        Var::Arith { expr, .. } => {
            let mut used = Vec::new();
            expr.columns(&mut used);
            let data: Vec<(String, Vec<Option<f64>>)> = used
                .iter()
                .map(|c| Ok((c.clone(), table.numeric(c)?)))
                .collect::<Result<_, MetaError>>()?;
            let mut out = Vec::with_capacity(table.n_rows());
            for i in 0..table.n_rows() {
                let get = |c: &str| data.iter().find(|(n, _)| n == c).and_then(|(_, v)| v[i]);
                match expr.eval(&get) {
                    Some(v) if v.is_finite() => out.push(v),
                    Some(_) => {
                        return Err(ferr(text, format!("{label} is not a finite number in row {}", i + 1)));
                    }
                    None => {
                        let first = used.iter().find(|c| get(c).is_none()).cloned().unwrap_or_default();
                        note_missing(missing, i, &first);
                        out.push(f64::NAN);
                    }
                }
            }
            out
        }
        _ => unreachable!("factors are coded above"),
    };
    Ok((vec![(label, values)], false))
}
