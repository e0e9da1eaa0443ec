//! Reading a CSV file into an untyped table (the parsing is
//! `acumen_meta::csv`, shared with the evidence page's uploads).

use acumen_meta::Table;
use anyhow::{Context, Result};
use std::path::Path;

/// Parses CSV bytes (as read from `name`) into a table.
pub fn parse_csv(bytes: &[u8], name: &str) -> Result<Table> {
    acumen_meta::csv::parse_csv(bytes, name).map_err(anyhow::Error::msg)
}

/// Reads and parses a CSV file.
pub fn read_csv(path: &Path) -> Result<Table> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("{name}: cannot read the file"))?;
    parse_csv(&bytes, &name)
}
