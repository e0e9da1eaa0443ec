//! `--V FILE.csv`: known sampling covariances as rows `row_i,row_j,cov`
//! (1-based data rows, the upper triangle with the diagonal), parsed from
//! bytes with every bad row named.

use crate::error::MetaError;

/// The entries of a V file named `name`.
pub fn parse_v(bytes: &[u8], name: &str) -> Result<Vec<(usize, usize, f64)>, MetaError> {
    let table = crate::csv::parse_csv(bytes, name).map_err(MetaError::model)?;
    for col in ["row_i", "row_j", "cov"] {
        if !table.has(col) {
            return Err(MetaError::model(format!(
                "{name}: the V file needs the columns row_i, row_j and cov (missing: {col})"
            )));
        }
    }
    let (ci, cj, cc) = (
        table.col_index("row_i").unwrap_or(0),
        table.col_index("row_j").unwrap_or(0),
        table.col_index("cov").unwrap_or(0),
    );
    let mut out = Vec::with_capacity(table.n_rows());
    for r in 0..table.n_rows() {
        let at = |c: usize, field: &str| -> Result<&str, MetaError> {
            let cell = table.cell(r, c).trim();
            if cell.is_empty() {
                Err(MetaError::model(format!("{name}: row {}, field {field}: empty", r + 2)))
            } else {
                Ok(cell)
            }
        };
        let idx = |c: usize, field: &str| -> Result<usize, MetaError> {
            at(c, field)?.parse::<usize>().ok().filter(|v| *v >= 1).ok_or_else(|| {
                MetaError::model(format!(
                    "{name}: row {}, field {field}: '{}' is not a data row number (1, 2, ...)",
                    r + 2,
                    table.cell(r, c)
                ))
            })
        };
        let (i, j) = (idx(ci, "row_i")?, idx(cj, "row_j")?);
        let cov = at(cc, "cov")?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                MetaError::model(format!(
                    "{name}: row {}, field cov: '{}' is not a number",
                    r + 2,
                    table.cell(r, cc)
                ))
            })?;
        if i > j {
            return Err(MetaError::model(format!(
                "{name}: row {}: give the upper triangle (row_i <= row_j), got {i}, {j}",
                r + 2
            )));
        }
        if i == j && cov < 0.0 {
            return Err(MetaError::model(format!(
                "{name}: row {}: the variance of data row {i} is negative",
                r + 2
            )));
        }
        out.push((i, j, cov));
    }
    Ok(out)
}
