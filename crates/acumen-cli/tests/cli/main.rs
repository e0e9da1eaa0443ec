//! Integration tests of the `acumen` CLI, compiled as one test binary.

mod audit_chain;
mod bad_input;
mod e2e;
mod engine_edges;
mod follow_up;
mod fuzz;
mod helpers;
mod multilevel;
mod points;
mod postgres;
mod project;
mod r_scripts;
mod registry;
mod report;
#[path = "../../../acumen-web/tests/support/sinks.rs"]
mod sinks;
