//! A DN4 screening and its score.

use serde::{Deserialize, Serialize};

use crate::error::{Check, Invalid};
use crate::valid::{Valid, Validate};

/// A DN4 screening: 10 yes/no items (the last three are examination items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningInput {
    /// Date.
    pub date: String,
    /// Items 1-7 (interview): burning, painful cold, electric shocks, tingling,
    /// pins and needles, numbness, itching.
    pub interview: Vec<bool>,
    /// Items 8-10 (examination): hypoaesthesia to touch, to pinprick, brushing;
    /// absent for the interview-only version.
    pub examination: Option<Vec<bool>>,
}

/// The DN4 result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dn4 {
    /// Score (0-10, or 0-7 for the interview-only version).
    pub score: u8,
    /// Maximum of the version used.
    pub max: u8,
    /// Neuropathic pain likely (>= 4 of 10, >= 3 of 7).
    pub neuropathic_likely: bool,
}

impl ScreeningInput {
    /// Scores the screening.
    pub fn dn4(&self) -> Dn4 {
        let score = self
            .interview
            .iter()
            .chain(self.examination.iter().flatten())
            .filter(|b| **b)
            .count() as u8;
        let (max, cut) = if self.examination.is_some() { (10, 4) } else { (7, 3) };
        Dn4 {
            score,
            max,
            neuropathic_likely: score >= cut,
        }
    }
}

impl Validate for ScreeningInput {
    fn validate(self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        c.date(&self.date, "date");
        c.ensure(
            self.interview.len() == 7,
            "interview",
            "must hold the 7 interview items (true/false)",
        );
        if let Some(e) = &self.examination {
            c.ensure(
                e.len() == 3,
                "examination",
                "must hold the 3 examination items (true/false)",
            );
        }
        c.finish(Valid(self))
    }
}
