//! metafor's `random =` formulas for multilevel models: `~ 1 | a` (one
//! random intercept per level of `a`), `~ 1 | a/b/c` (nested: one
//! component per depth, named `a`, `a/b`, `a/b/c` as metafor's `s.names`)
//! and `~ inner | outer` (correlated effects of the levels of `inner`
//! within each level of `outer`, with a `struct`).

use crate::error::MetaError;
use crate::mv::blocks::Component;
use crate::table::Table;

/// One `random =` term.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `~ 1 | a/b`: the grouping factors, outermost first.
    Nested(Vec<String>),
    /// `~ inner | outer`.
    Inner {
        /// The column whose levels are correlated.
        inner: String,
        /// The inner term as written (metafor's `g.names` entry: `factor(outcome)`).
        label: String,
        /// The column whose levels are independent.
        outer: String,
    },
}

/// Parses one `random =` term.
pub fn parse(term: &str) -> Result<Term, MetaError> {
    let bad = |why: &str| {
        MetaError::Usage(format!(
            "--random '{term}': {why} (write it as metafor does: \"~ 1 | study\" or \"~ 1 | study/esid\")"
        ))
    };
    let t = term.trim();
    let t = t.strip_prefix('~').ok_or_else(|| bad("it must start with ~"))?;
    let (inner, outer) = t
        .split_once('|')
        .ok_or_else(|| bad("it needs a | between the effect and the grouping"))?;
    let inner = inner.trim();
    let is_name = |f: &str| !f.is_empty() && !f.contains(|c: char| c.is_whitespace() || "+*:()/".contains(c));
    let factors: Vec<String> = outer.split('/').map(|f| f.trim().to_string()).collect();
    if !factors.iter().all(|f| is_name(f)) {
        return Err(bad("each grouping factor must be one column name"));
    }
    if inner == "1" {
        return Ok(Term::Nested(factors));
    }
    // `~ factor(outcome) | trial` is metafor's usual spelling: the inner
    // variable is a factor either way.
    let label = inner.to_string();
    let inner = inner
        .strip_prefix("factor(")
        .and_then(|r| r.strip_suffix(')'))
        .map(str::trim)
        .unwrap_or(inner);
    if !is_name(inner) {
        return Err(bad(
            "the inner factor of ~ inner | outer must be one column name, or factor(column)",
        ));
    }
    if factors.len() != 1 {
        return Err(bad(
            "~ inner | outer takes one outer column (nest with a separate ~ 1 | a/b term)",
        ));
    }
    Ok(Term::Inner {
        inner: inner.to_string(),
        label,
        outer: factors[0].clone(),
    })
}

/// The components of the terms over the table's rows `rows` (which must
/// have every grouping column filled): one per depth of each term.
pub fn components(terms: &[&Vec<String>], table: &Table, rows: &[usize]) -> Result<Vec<Component>, MetaError> {
    let mut out = Vec::new();
    for &factors in terms {
        let mut cols = Vec::new();
        for f in factors {
            let j = table.col_index(f).ok_or_else(|| MetaError::MissingColumns {
                what: "the random effects".into(),
                missing: f.clone(),
            })?;
            cols.push(j);
            let name = factors[..cols.len()].join("/");
            // The level label of each row: the cells of the factors so far, joined by '/'.
            let labels: Vec<String> = rows
                .iter()
                .map(|&i| {
                    cols.iter()
                        .map(|&c| table.cell(i, c).trim())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .collect();
            // Distinct labels first, then sorted once by a precomputed key.
            let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
            let mut distinct: Vec<&str> = Vec::new();
            let first: Vec<usize> = labels
                .iter()
                .map(|l| {
                    *seen.entry(l.as_str()).or_insert_with(|| {
                        distinct.push(l.as_str());
                        distinct.len() - 1
                    })
                })
                .collect();
            let keys: Vec<Vec<Part>> = distinct.iter().map(|l| key(l)).collect();
            let mut order: Vec<usize> = (0..distinct.len()).collect();
            order.sort_by(|&a, &b| compare_keys(&keys[a], &keys[b]));
            let mut rank = vec![0; distinct.len()];
            for (r, &d) in order.iter().enumerate() {
                rank[d] = r;
            }
            let group = first.iter().map(|&d| rank[d]).collect();
            let levels: Vec<String> = order.iter().map(|&d| distinct[d].to_string()).collect();
            out.push(Component {
                name,
                group,
                labels: levels,
            });
        }
    }
    Ok(out)
}

/// One part of a level label: a number or a text.
enum Part {
    Num(f64),
    Text(String),
}

fn key(label: &str) -> Vec<Part> {
    label
        .split('/')
        .map(|p| p.parse::<f64>().map_or_else(|_| Part::Text(p.to_string()), Part::Num))
        .collect()
}

/// Numeric labels in numeric order, others as text (R's factor levels).
fn compare_keys(ka: &[Part], kb: &[Part]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for (x, y) in ka.iter().zip(kb) {
        let o = match (x, y) {
            (Part::Num(x), Part::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
            (Part::Num(_), Part::Text(_)) => Ordering::Less,
            (Part::Text(_), Part::Num(_)) => Ordering::Greater,
            (Part::Text(x), Part::Text(y)) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ka.len().cmp(&kb.len())
}
