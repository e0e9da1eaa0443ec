//! # acumen-cli
//!
//! The `acumen` command: a thin shell that reads files, calls the pure
//! engine crates and writes tables or JSON.
#![deny(missing_docs)]

pub mod audit_cmd;
pub mod csv_input;
pub mod db_cmd;
pub mod demo;
pub mod json_out;
pub mod meta_cmd;
pub mod meta_text;
pub mod meta_text_blocks;
pub mod plots;
pub mod points_cmd;
pub mod registry_cmd;
pub mod report_cmd;
pub mod simulate_cmd;
