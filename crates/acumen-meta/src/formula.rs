//! R-style moderator formulas (`~ a + factor(b) - 1`) turned into a model
//! matrix with R's column names and treatment coding.

use crate::error::MetaError;
use crate::table::Table;

/// One term of a formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A numeric column used as is (a text column becomes a factor, as in R).
    Column(String),
    /// `factor(column)`.
    Factor(String),
}

/// A parsed moderator formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formula {
    /// The terms, in order.
    pub terms: Vec<Term>,
    /// Whether the model has an intercept.
    pub intercept: bool,
    /// The text as given.
    pub text: String,
}

fn ferr(text: &str, message: impl Into<String>) -> MetaError {
    MetaError::Formula {
        formula: text.to_string(),
        message: message.into(),
    }
}

fn is_name(s: &str) -> bool {
    let mut ch = s.chars();
    ch.next().is_some_and(|c| c.is_alphabetic() || c == '.' || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '_')
}

impl Formula {
    /// Parses `~ a + factor(b)`, with `- 1` or `+ 0` for no intercept.
    pub fn parse(text: &str) -> Result<Formula, MetaError> {
        let body = text.trim();
        let body = body.strip_prefix('~').unwrap_or(body).trim();
        if body.is_empty() {
            return Err(ferr(text, "empty formula (write e.g. \"~ x + factor(g)\")"));
        }
        let mut terms = Vec::new();
        let mut intercept = true;
        let mut sign = '+';
        let mut cur = String::new();
        let mut depth = 0i32;
        let mut pieces: Vec<(char, String)> = Vec::new();
        for c in body.chars() {
            match c {
                '(' => {
                    depth += 1;
                    cur.push(c)
                }
                ')' => {
                    depth -= 1;
                    cur.push(c)
                }
                '+' | '-' if depth == 0 => {
                    pieces.push((sign, std::mem::take(&mut cur)));
                    sign = c;
                }
                _ => cur.push(c),
            }
        }
        pieces.push((sign, cur));
        for (i, (sign, raw)) in pieces.into_iter().enumerate() {
            let t: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
            if t.is_empty() {
                if i == 0 && sign == '+' {
                    continue; // leading "- 1"
                }
                return Err(ferr(text, "a '+' or '-' without a term"));
            }
            match (sign, t.as_str()) {
                ('-', "1") | ('+', "0") | ('-', "0") => intercept = false,
                ('+', "1") => intercept = true,
                ('-', _) => {
                    return Err(ferr(
                        text,
                        format!("removing the term '{t}' is not supported (only '- 1')"),
                    ))
                }
                _ => {
                    let term = if let Some(inner) = t.strip_prefix("factor(").and_then(|r| r.strip_suffix(')')) {
                        if !is_name(inner) {
                            return Err(ferr(text, format!("factor() needs a column name, got '{inner}'")));
                        }
                        Term::Factor(inner.to_string())
                    } else if is_name(&t) {
                        Term::Column(t.clone())
                    } else {
                        return Err(ferr(
                            text,
                            format!("unsupported term '{t}' (allowed: column names, factor(column), 1, 0, - 1)"),
                        ));
                    };
                    if !terms.contains(&term) {
                        terms.push(term);
                    }
                }
            }
        }
        Ok(Formula {
            terms,
            intercept,
            text: text.to_string(),
        })
    }

    /// The columns the formula reads.
    pub fn columns(&self) -> Vec<&str> {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Column(c) | Term::Factor(c) => c.as_str(),
            })
            .collect()
    }
}

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

/// Builds the model matrix of `formula` over `table` (R's `model.matrix`
/// with treatment contrasts; without an intercept the first factor gets a
/// column for every level).
pub fn model_frame(formula: &Formula, table: &Table) -> Result<ModelFrame, MetaError> {
    let n = table.n_rows();
    let unknown: Vec<&str> = formula.columns().into_iter().filter(|c| !table.has(c)).collect();
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
    let mut full_coding_used = formula.intercept;
    for term in &formula.terms {
        let (col, as_factor, prefix) = match term {
            Term::Factor(c) => (c, true, format!("factor({c})")),
            Term::Column(c) => (c, !table.is_numeric_column(c), c.clone()),
        };
        if as_factor {
            let (levels, idx) = table.factor(col)?;
            for (i, v) in idx.iter().enumerate() {
                if v.is_none() && missing[i].is_none() {
                    missing[i] = Some(col.clone());
                }
            }
            let start = if full_coding_used { 1 } else { 0 };
            full_coding_used = true;
            for (l, level) in levels.iter().enumerate().skip(start) {
                names.push(format!("{prefix}{level}"));
                cols.push(idx.iter().map(|v| if *v == Some(l) { 1.0 } else { 0.0 }).collect());
            }
        } else {
            let vals = table.numeric(col)?;
            for (i, v) in vals.iter().enumerate() {
                if v.is_none() && missing[i].is_none() {
                    missing[i] = Some(col.clone());
                }
            }
            names.push(prefix);
            cols.push(vals.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect());
        }
    }
    let rows = (0..n).map(|i| cols.iter().map(|c| c[i]).collect()).collect();
    Ok(ModelFrame { names, rows, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_intercept_rules() {
        let f = Formula::parse("~ ablat + factor(alloc) - 1").unwrap();
        assert!(!f.intercept);
        assert_eq!(
            f.terms,
            vec![Term::Column("ablat".into()), Term::Factor("alloc".into())]
        );
        assert!(!Formula::parse("~ 0 + x").unwrap().intercept);
        assert!(Formula::parse("x").unwrap().intercept);
        assert!(Formula::parse("~ x:y").is_err());
        assert!(Formula::parse("~ ").is_err());
    }
}
