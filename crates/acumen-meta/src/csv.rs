//! CSV bytes into an untyped table, with errors that name the file and row:
//! header required, comma separator, optional UTF-8 BOM. Bytes in, a
//! `Table` out (no IO): the CLI reads the file, the evidence page the upload.

use crate::Table;

/// Parses CSV bytes (from the file or upload called `name`) into a table.
pub fn parse_csv(bytes: &[u8], name: &str) -> Result<Table, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: the file is not valid UTF-8 text (byte {}); save it as UTF-8 CSV",
            e.valid_up_to()
        )
    })?;
    let first = text.lines().next().unwrap_or("");
    if first.trim().is_empty() {
        return Err(format!(
            "{name}: the file is empty; a header row (e.g. study,yi,vi) is required"
        ));
    }
    if first.contains(';') && !first.contains(',') {
        return Err(format!(
            "{name}: the header uses ';' as the separator; write a comma-separated file with '.' as the decimal mark"
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("{name}: cannot read the header row: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err(format!(
                "{name}: header column {} is empty; every column needs a name",
                i + 1
            ));
        }
        if headers[..i].contains(h) {
            return Err(format!("{name}: column '{h}' appears twice in the header"));
        }
    }
    let mut table = Table::new(headers);
    let mut rec = csv::StringRecord::new();
    let mut i = 0;
    loop {
        let more = rdr.read_record(&mut rec).map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                "{name}: row {}: has {len} fields but the header has {expected_len} (a ';' separator or a decimal comma?)",
                i + 1
            ),
            _ => format!("{name}: row {}: {e}", i + 1),
        })?;
        if !more {
            break;
        }
        table.push_row(rec.iter());
        i += 1;
    }
    Ok(table)
}
