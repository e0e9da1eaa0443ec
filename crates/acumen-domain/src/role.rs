//! The roles of the registry's users.

use serde::{Deserialize, Serialize};

/// User roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages the clinic's users; sees its patients.
    Admin,
    /// Treats and records.
    Practitioner,
    /// Sees only their own record and writes their own diary.
    Patient,
    /// Sees only de-identified aggregates.
    Researcher,
}
