//! A diagnosed condition of a patient.

use serde::{Deserialize, Serialize};

use acumen_knowledge::conditions::{condition, REGIONS};

use crate::error::{Check, Invalid};
use crate::valid::{Valid, Validate};

/// A diagnosed condition of a patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionInput {
    /// Condition code from the bundled list.
    pub code: String,
    /// Affected body regions.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Date of diagnosis.
    pub diagnosed: Option<String>,
}

impl Validate for ConditionInput {
    fn validate(self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        if condition(&self.code).is_none() {
            c.fail(
                "code",
                "must be a condition code from /api/v1/conditions (e.g. diabetic_polyneuropathy)",
            );
        }
        for (i, r) in self.regions.iter().enumerate() {
            c.ensure(
                REGIONS.contains(&r.as_str()),
                &format!("regions[{i}]"),
                "must be a body region (feet, hands, ...)",
            );
        }
        if let Some(d) = &self.diagnosed {
            c.date(d, "diagnosed");
        }
        c.finish(Valid(self))
    }
}
