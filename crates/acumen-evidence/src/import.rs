//! Trials from a file, previewed before anything is saved: the engine's CSV
//! (one trial per row: `study` for its id, `citation`, optional `condition`
//! and `comparator`, and the engine's columns) or a RevMan 5 `.rm5` file
//! (one outcome's rows). Each row that breaks a rule is listed with its row
//! number, column and what is wrong, and left out of the trials; a file
//! that cannot be read at all is one error naming the file.

use std::collections::BTreeMap;

use serde::Serialize;

use acumen_meta::table::{is_missing, parse_number};

use crate::rm5::read_rm5;
use crate::version::{Comparator, Trial};

/// The engine's numeric columns (effect sizes, arm data, moderators aside).
const NUMERIC: [&str; 17] = [
    "yi", "vi", "sei", "ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "x1i", "x2i", "t1i", "t2i",
];

/// A row's fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// The row (1-based data row of a CSV; the outcome's row for .rm5).
    pub row: usize,
    /// The column or attribute at fault.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

/// What a file would add.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Preview {
    /// The trials read without fault.
    pub trials: Vec<Trial>,
    /// Each row's fault (those rows are not in `trials`).
    pub errors: Vec<RowError>,
    /// Repairs made while reading (encoding, bare characters).
    pub notes: Vec<String>,
    /// For .rm5: every outcome in the file ("comparison: outcome (n studies)"), and which was read.
    pub outcomes: Vec<String>,
    /// The measure the file suggests (RevMan's effect measure), if any.
    pub measure: Option<String>,
}

/// Reads a file by its name's extension (`.rm5`, else CSV); `outcome` picks
/// an .rm5 file's outcome (0-based, default the first).
pub fn preview(bytes: &[u8], name: &str, outcome: Option<usize>) -> Result<Preview, String> {
    if name.to_ascii_lowercase().ends_with(".rm5") {
        rm5(bytes, name, outcome.unwrap_or(0))
    } else {
        csv(bytes, name)
    }
}

fn cell_errors(row: usize, cells: &BTreeMap<String, String>, errors: &mut Vec<RowError>) -> bool {
    let mut ok = true;
    for (col, v) in cells {
        if NUMERIC.contains(&col.as_str()) && !is_missing(v) {
            if let Err(e) = parse_number(v) {
                errors.push(RowError {
                    row,
                    field: col.clone(),
                    message: e,
                });
                ok = false;
            }
        }
    }
    ok
}

fn csv(bytes: &[u8], name: &str) -> Result<Preview, String> {
    let t = acumen_meta::csv::parse_csv(bytes, name)?;
    let mut out = Preview::default();
    let col = |n: &str| t.col_index(n);
    let mut seen = std::collections::BTreeSet::new();
    for r in 0..t.n_rows() {
        let row = r + 1;
        let get = |n: &str| col(n).map(|j| t.cell(r, j).trim().to_string()).unwrap_or_default();
        let mut fault = |field: &str, message: String| {
            out.errors.push(RowError {
                row,
                field: field.into(),
                message,
            })
        };
        let id = get("study");
        let citation = get("citation");
        let mut ok = true;
        if id.is_empty() {
            fault("study", "missing: each trial needs a short id (e.g. Lu2020)".into());
            ok = false;
        } else if !seen.insert(id.clone()) {
            fault("study", format!("'{id}' is on an earlier row too: ids must be unique"));
            ok = false;
        }
        if citation.is_empty() {
            fault("citation", "missing: say where the numbers come from".into());
            ok = false;
        }
        let comparator = match get("comparator").as_str() {
            "" => None,
            c => match Comparator::from_key(c) {
                Some(c) => Some(c),
                None => {
                    fault(
                        "comparator",
                        format!("'{c}' is not one of sham, usual_care, waitlist, drug, other"),
                    );
                    ok = false;
                    None
                }
            },
        };
        let cells: BTreeMap<String, String> = t
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !matches!(h.as_str(), "study" | "citation" | "condition" | "comparator"))
            .map(|(j, h)| (h.clone(), t.cell(r, j).trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        ok &= cell_errors(row, &cells, &mut out.errors);
        if ok {
            let condition = Some(get("condition")).filter(|c| !c.is_empty());
            out.trials.push(Trial {
                id,
                citation,
                row: cells,
                condition,
                comparator,
                rob: None,
            });
        }
    }
    Ok(out)
}

fn rm5(bytes: &[u8], name: &str, pick: usize) -> Result<Preview, String> {
    let review = read_rm5(bytes, name).map_err(|e| e.to_string())?;
    let mut out = Preview {
        notes: review.notes.clone(),
        outcomes: review
            .outcomes
            .iter()
            .map(|o| format!("{}: {} ({} studies)", o.comparison, o.name, o.rows.len()))
            .collect(),
        ..Default::default()
    };
    let Some(o) = review.outcomes.get(pick) else {
        return Err(format!(
            "{name}: the file has {} outcome(s); outcome {} does not exist",
            review.outcomes.len(),
            pick + 1
        ));
    };
    out.measure = o.effect_measure.clone();
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in o.rows.iter().enumerate() {
        let row = i + 1;
        let id = match &r.year {
            Some(y) if !r.study.contains(y.as_str()) => format!("{} {y}", r.study),
            _ => r.study.clone(),
        };
        if !seen.insert(id.clone()) {
            out.errors.push(RowError {
                row,
                field: "STUDY_ID".into(),
                message: format!("'{id}' appears twice in this outcome"),
            });
            continue;
        }
        if !cell_errors(row, &r.cells, &mut out.errors) {
            continue;
        }
        let mut citation = format!("{id} (RevMan import: {} / {})", o.comparison, o.name);
        for f in &r.footnotes {
            citation.push_str(&format!("; footnote: {f}"));
        }
        out.trials.push(Trial {
            id,
            citation,
            row: r.cells.clone(),
            condition: r.subgroup.clone(),
            comparator: None,
            rob: None,
        });
    }
    Ok(out)
}
