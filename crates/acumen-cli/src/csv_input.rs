//! Reading a CSV file into an untyped table, with errors that name the file
//! and line: header required, comma separator, optional UTF-8 BOM.

use acumen_meta::Table;
use anyhow::{bail, Context, Result};
use std::path::Path;

/// Parses CSV bytes (as read from `name`) into a table.
pub fn parse_csv(bytes: &[u8], name: &str) -> Result<Table> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{name}: the file is not valid UTF-8 text (byte {}); save it as UTF-8 CSV",
            e.valid_up_to()
        )
    })?;
    let first = text.lines().next().unwrap_or("");
    if first.trim().is_empty() {
        bail!("{name}: the file is empty; a header row (e.g. study,yi,vi) is required");
    }
    if first.contains(';') && !first.contains(',') {
        bail!(
            "{name}: the header uses ';' as the separator; write a comma-separated file with '.' as the decimal mark"
        );
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{name}: cannot read the header row"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            bail!("{name}: header column {} is empty; every column needs a name", i + 1);
        }
        if headers[..i].contains(h) {
            bail!("{name}: column '{h}' appears twice in the header");
        }
    }
    let mut table = Table::new(headers);
    let mut rec = csv::StringRecord::new();
    let mut i = 0;
    loop {
        let more = rdr.read_record(&mut rec).map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => anyhow::anyhow!(
                "{name}: row {}: has {len} fields but the header has {expected_len} (a ';' separator or a decimal comma?)",
                i + 1
            ),
            _ => anyhow::anyhow!("{name}: row {}: {e}", i + 1),
        })?;
        if !more {
            break;
        }
        table.push_row(rec.iter());
        i += 1;
    }
    Ok(table)
}

/// Reads and parses a CSV file.
pub fn read_csv(path: &Path) -> Result<Table> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("{name}: cannot read the file"))?;
    parse_csv(&bytes, &name)
}
