//! # acumen-domain
//!
//! The clinic registry's domain: the request bodies a clinic sends (patients
//! with their safety profile, conditions, DN4 screenings, treatment courses,
//! sessions with STRICTA details, outcomes, adverse events) and the rules
//! that turn them into `Valid` records; and the point-of-care safety rules
//! (`safety::check`) that read a patient's safety profile against a planned
//! session. Pure: no IO, no HTTP, no SQL.
//! Every rule broken is reported with its field, so a form can show the
//! message next to the input.
#![deny(missing_docs)]

pub mod error;
pub mod followup;
pub mod gate;
pub mod hygiene;
pub mod inputs;
pub mod messaging;
pub mod outreach;
pub mod plan;
pub mod profile;
pub mod role;
pub mod safety;
pub mod schedule;
pub mod valid;

pub use error::{FieldError, Invalid};
pub use inputs::*;
pub use plan::{Plan, PlannedSessionInput, ProfileInput, SkinCheckInput};
pub use profile::{BleedingDisorder, Chemotherapy, Pregnancy, SafetyProfile, PROFILE_ITEMS};
pub use safety::{check, Finding, Severity};
