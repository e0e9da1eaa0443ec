//! # acumen-domain
//!
//! The clinic registry's domain: the request bodies a clinic sends (patients
//! with their safety profile, conditions, DN4 screenings, treatment courses,
//! sessions with STRICTA details, outcomes, adverse events) and the rules
//! that turn them into `Valid` records. Pure: no IO, no HTTP, no SQL.
//! Every rule broken is reported with its field, so a form can show the
//! message next to the input.
#![deny(missing_docs)]

pub mod conditions;
pub mod error;
pub mod inputs;
pub mod points;

pub use error::{FieldError, Invalid};
pub use inputs::*;
