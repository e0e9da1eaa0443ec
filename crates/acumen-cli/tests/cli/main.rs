//! Integration tests of the `acumen` CLI, compiled as one test binary.

mod helpers;
mod metafor_cases;
