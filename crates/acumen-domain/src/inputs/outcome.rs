//! An outcome measurement.

use serde::{Deserialize, Serialize};

use crate::error::{Check, Invalid};
use crate::valid::{Valid, Validate};

/// An outcome measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeInput {
    /// nrs_average, nrs_worst, sleep_interference, pgic.
    pub instrument: String,
    /// Recall period for NRS: 24h or 7d.
    pub recall: Option<String>,
    /// The value.
    pub value: f64,
    /// baseline, session, follow_up.
    pub timepoint: String,
    /// Session number (for timepoint session).
    pub session_number: Option<u32>,
    /// Date.
    pub date: String,
    /// clinician or patient.
    pub source: String,
    /// The follow-up timepoint it answers, when recorded through its link
    /// (`baseline`, `missed:4`, `follow_up:4w`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<String>,
}

impl Validate for OutcomeInput {
    fn validate(self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        match self.instrument.as_str() {
            "nrs_average" | "nrs_worst" | "sleep_interference" => {
                let ok = (0.0..=10.0).contains(&self.value) && self.value.fract() == 0.0;
                c.ensure(
                    ok,
                    "value",
                    "must be a whole number from 0 (none) to 10 (worst imaginable)",
                );
            }
            "pgic" => {
                let ok = (1.0..=7.0).contains(&self.value) && self.value.fract() == 0.0;
                c.ensure(
                    ok,
                    "value",
                    "must be a whole number from 1 (very much improved) to 7 (very much worse)",
                );
            }
            _ => c.fail(
                "instrument",
                "must be nrs_average, nrs_worst, sleep_interference or pgic",
            ),
        }
        if self.instrument.starts_with("nrs") {
            c.ensure(
                matches!(self.recall.as_deref(), Some("24h") | Some("7d")),
                "recall",
                "must be 24h or 7d for NRS",
            );
        }
        c.ensure(
            ["baseline", "session", "follow_up"].contains(&self.timepoint.as_str()),
            "timepoint",
            "must be baseline, session or follow_up",
        );
        if self.timepoint == "session" {
            c.ensure(
                self.session_number.is_some_and(|n| (1..=200).contains(&n)),
                "session_number",
                "is required (1-200) for a session timepoint",
            );
        }
        c.date(&self.date, "date");
        c.ensure(
            self.source == "clinician" || self.source == "patient",
            "source",
            "must be clinician or patient",
        );
        if let Some(k) = &self.scheduled {
            let ok = k.len() <= 40
                && k.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
                && ["baseline", "end", "session:", "missed:", "follow_up:"]
                    .iter()
                    .any(|p| k.starts_with(p));
            c.ensure(ok, "scheduled", "must name a follow-up timepoint such as follow_up:4w");
        }
        c.finish(Valid(self))
    }
}
