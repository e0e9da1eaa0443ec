//! metafor's `random =` formulas for multilevel models: `~ 1 | a` (one
//! random intercept per level of `a`) and `~ 1 | a/b/c` (nested: one
//! component per depth, named `a`, `a/b`, `a/b/c` as metafor's `s.names`).

use crate::error::MetaError;
use crate::mv::blocks::Component;
use crate::table::Table;

/// The grouping factors of one `~ 1 | a/b` term, outermost first.
pub fn parse(term: &str) -> Result<Vec<String>, MetaError> {
    let bad = |why: &str| MetaError::Usage(format!("--random '{term}': {why} (write it as metafor does: \"~ 1 | study\" or \"~ 1 | study/esid\")"));
    let t = term.trim();
    let t = t.strip_prefix('~').ok_or_else(|| bad("it must start with ~"))?;
    let (inner, outer) = t.split_once('|').ok_or_else(|| bad("it needs a | between the effect and the grouping"))?;
    let inner = inner.trim();
    if inner != "1" {
        return Err(MetaError::Usage(format!(
            "--random '{term}': only random intercepts (~ 1 | ...) are fitted; structures over an inner factor (~ {inner} | ...) are not supported yet"
        )));
    }
    let factors: Vec<String> = outer.split('/').map(|f| f.trim().to_string()).collect();
    if factors.iter().any(|f| f.is_empty() || f.contains(|c: char| c.is_whitespace() || "+*:()".contains(c))) {
        return Err(bad("each grouping factor must be one column name"));
    }
    Ok(factors)
}

/// The components of the terms over the table's rows `rows` (which must
/// have every grouping column filled): one per depth of each term.
pub fn components(terms: &[Vec<String>], table: &Table, rows: &[usize]) -> Result<Vec<Component>, MetaError> {
    let mut out = Vec::new();
    for factors in terms {
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
                .map(|&i| cols.iter().map(|&c| table.cell(i, c).trim()).collect::<Vec<_>>().join("/"))
                .collect();
            let mut levels: Vec<String> = labels.clone();
            levels.sort_by(|a, b| level_order(a, b));
            levels.dedup();
            let group = labels
                .iter()
                .map(|l| levels.binary_search_by(|x| level_order(x, l)).unwrap_or(0))
                .collect();
            out.push(Component { name, group, labels: levels });
        }
    }
    Ok(out)
}

/// Numeric labels in numeric order, others as text (R's factor levels).
fn level_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| -> Vec<Result<f64, String>> {
        s.split('/').map(|p| p.parse::<f64>().map_err(|_| p.to_string())).collect()
    };
    let (ka, kb) = (key(a), key(b));
    for (x, y) in ka.iter().zip(&kb) {
        let o = match (x, y) {
            (Ok(x), Ok(y)) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
            (Ok(_), Err(_)) => std::cmp::Ordering::Less,
            (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
            (Err(x), Err(y)) => x.cmp(y),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    ka.len().cmp(&kb.len())
}
