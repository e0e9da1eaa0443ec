//! A parsed but untyped data table (header + string cells), and the rules
//! for reading numbers and factor levels from it. Reading files is the
//! caller's job: this module does no IO.

use crate::error::{DataError, MetaError};

/// A table of string cells with a header row, stored by column in one
/// text buffer per column (memory close to the file's size, whatever the
/// number of rows).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column names.
    pub headers: Vec<String>,
    cols: Vec<Column>,
    n: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Column {
    text: String,
    ends: Vec<usize>,
}

impl Column {
    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// Whether a cell means "missing" (empty or `NA`).
pub fn is_missing(cell: &str) -> bool {
    let c = cell.trim();
    c.is_empty() || c == "NA"
}

/// Parses a numeric cell: `None` for missing, an error message otherwise.
pub fn parse_number(cell: &str) -> Result<Option<f64>, String> {
    let c = cell.trim();
    if is_missing(c) {
        return Ok(None);
    }
    match c {
        "Inf" | "+Inf" => return Ok(Some(f64::INFINITY)),
        "-Inf" => return Ok(Some(f64::NEG_INFINITY)),
        _ => {}
    }
    let looks_decimal_comma = {
        let mut parts = c.trim_start_matches('-').split(',');
        let (a, b) = (parts.next(), parts.next());
        parts.next().is_none()
            && a.is_some_and(|a| !a.is_empty() && a.bytes().all(|x| x.is_ascii_digit()))
            && b.is_some_and(|b| !b.is_empty() && b.bytes().all(|x| x.is_ascii_digit()))
    };
    if looks_decimal_comma {
        return Err(format!(
            "'{}' uses a decimal comma; write numbers with a decimal point (0.5, not 0,5)",
            c.escape_debug()
        ));
    }
    match c.parse::<f64>() {
        Ok(v) if v.is_nan() => Ok(None),
        Ok(v) => Ok(Some(v)),
        // Escaped, so that a cell holding a newline keeps the error on one line.
        Err(_) => Err(format!(
            "'{}' is not a number (expected a number, or empty / NA for missing)",
            c.escape_debug()
        )),
    }
}

/// Formats a number as R's `as.character` does for typical values.
pub fn r_number_label(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl Table {
    /// An empty table with these column names.
    pub fn new(headers: Vec<String>) -> Self {
        let cols = headers.iter().map(|_| Column::default()).collect();
        Table { headers, cols, n: 0 }
    }

    /// A table from rows of cells (each row as long as the header).
    pub fn from_rows(headers: Vec<String>, rows: &[Vec<String>]) -> Self {
        let mut t = Table::new(headers);
        for r in rows {
            t.push_row(r.iter().map(String::as_str));
        }
        t
    }

    /// Appends a row; cells beyond the header are ignored, missing ones are empty.
    pub fn push_row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        let mut it = cells.into_iter();
        for col in &mut self.cols {
            col.text.push_str(it.next().unwrap_or(""));
            col.ends.push(col.text.len());
        }
        self.n += 1;
    }

    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.n
    }

    /// The cell of a data row (0-based) and column index.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        self.cols[col].get(row)
    }

    /// Index of a column.
    pub fn col_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Whether the column exists.
    pub fn has(&self, name: &str) -> bool {
        self.col_index(name).is_some()
    }

    /// Reads a numeric column; a non-numeric cell is an error naming its row.
    pub fn numeric(&self, name: &str) -> Result<Vec<Option<f64>>, MetaError> {
        let j = self.col_index(name).ok_or_else(|| MetaError::MissingColumns {
            what: "the analysis".into(),
            missing: name.to_string(),
        })?;
        (0..self.n)
            .map(|i| {
                parse_number(self.cell(i, j)).map_err(|message| {
                    MetaError::Data(DataError {
                        row: Some(i),
                        column: name.to_string(),
                        message,
                    })
                })
            })
            .collect()
    }

    /// Factor view of a column: the levels in R's order (numeric order when
    /// every value is a number, else byte order) and each row's level index.
    pub fn factor(&self, name: &str) -> Result<(Vec<String>, Vec<Option<usize>>), MetaError> {
        let j = self.col_index(name).ok_or_else(|| MetaError::MissingColumns {
            what: "the analysis".into(),
            missing: name.to_string(),
        })?;
        let cells: Vec<Option<&str>> = (0..self.n)
            .map(|i| {
                let c = self.cell(i, j);
                if is_missing(c) {
                    None
                } else {
                    Some(c.trim())
                }
            })
            .collect();
        let numeric: Option<Vec<Option<f64>>> = cells
            .iter()
            .map(|c| c.map_or(Some(None), |s| s.parse::<f64>().ok().map(Some)))
            .collect();
        if let Some(nums) = numeric {
            let mut vals: Vec<f64> = nums.iter().flatten().copied().collect();
            vals.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
            vals.dedup();
            // Sorted levels: a binary search per row (a linear one is
            // quadratic for a cluster column with a level per few rows).
            let idx = nums
                .iter()
                .map(|v| {
                    v.and_then(|v| {
                        vals.binary_search_by(|l| l.partial_cmp(&v).unwrap_or(std::cmp::Ordering::Less))
                            .ok()
                    })
                })
                .collect();
            return Ok((vals.into_iter().map(r_number_label).collect(), idx));
        }
        let mut levels: Vec<&str> = cells.iter().flatten().copied().collect();
        levels.sort_unstable();
        levels.dedup();
        let idx = cells
            .iter()
            .map(|c| c.and_then(|s| levels.binary_search(&s).ok()))
            .collect();
        Ok((levels.into_iter().map(String::from).collect(), idx))
    }

    /// Whether every non-missing cell of a column is a number.
    pub fn is_numeric_column(&self, name: &str) -> bool {
        match self.col_index(name) {
            Some(j) => (0..self.n).all(|i| parse_number(self.cell(i, j)).is_ok()),
            None => false,
        }
    }
}
