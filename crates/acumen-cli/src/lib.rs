//! # acumen-cli
//!
//! The `acumen` command: a thin shell that reads files, calls the pure
//! engine crates and writes tables or JSON. `meta/` is `acumen meta`;
//! `registry/` the commands on a clinic registry (the only ones that touch
//! a database, and `serve` and `report` the only ones that use the web
//! crate); `points`, `project` (an evidence project analysed offline) and
//! `simulate` stand alone.
#![deny(missing_docs)]

pub mod meta;
pub mod points;
pub mod project;
pub mod registry;
pub mod simulate;
