//! An adverse event.

use serde::{Deserialize, Serialize};

use crate::error::{Check, Invalid};
use crate::valid::{Valid, Validate};

/// Adverse-event types.
pub const AE_TYPES: [&str; 12] = [
    "bleeding_haematoma",
    "needle_site_pain",
    "fainting_vasovagal",
    "nausea",
    "fatigue",
    "symptom_aggravation",
    "infection",
    "pneumothorax",
    "nerve_injury",
    "burn",
    "forgotten_needle",
    "other",
];

/// Each adverse-event type in the words a clinician uses on a form; the
/// code is what is stored (the taxonomy of the registry's research notes).
pub const AE_TYPE_WORDS: [(&str, &str); 12] = [
    ("bleeding_haematoma", "Bruising or bleeding"),
    ("needle_site_pain", "Pain at a needle site"),
    ("fainting_vasovagal", "Fainting or feeling faint"),
    ("nausea", "Nausea"),
    ("fatigue", "Tiredness"),
    ("symptom_aggravation", "Symptoms worse"),
    ("infection", "Infection at a needle site"),
    ("pneumothorax", "Collapsed lung (pneumothorax)"),
    ("nerve_injury", "Nerve injury"),
    ("burn", "Burn (moxibustion or heat)"),
    ("forgotten_needle", "Needle left in"),
    ("other", "Something else (describe it)"),
];

/// Causality in words.
pub const CAUSALITY_WORDS: [(&str, &str); 5] = [
    ("unrelated", "Unrelated to acupuncture"),
    ("unlikely", "Unlikely"),
    ("possible", "Possible"),
    ("probable", "Probable"),
    ("definite", "Definite"),
];

/// Outcomes in words.
pub const OUTCOME_WORDS: [(&str, &str); 6] = [
    ("recovered", "Recovered"),
    ("recovering", "Recovering"),
    ("not_recovered", "Not recovered"),
    ("sequelae", "Recovered with lasting effects"),
    ("fatal", "Fatal"),
    ("unknown", "Unknown"),
];

/// The words of a code in one of the tables above (the code itself when unknown).
pub fn words_of<'a>(table: &[(&'a str, &'a str)], code: &'a str) -> &'a str {
    table.iter().find(|(c, _)| *c == code).map_or(code, |(_, w)| w)
}

/// An adverse event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdverseEventInput {
    /// Type (see `AE_TYPES`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Description (required for "other").
    pub description: Option<String>,
    /// mild, moderate, severe.
    pub severity: String,
    /// CTCAE grade 1-5.
    pub ctcae_grade: u8,
    /// Serious adverse event.
    pub serious: bool,
    /// unrelated, unlikely, possible, probable, definite.
    pub causality: String,
    /// Action taken.
    pub action: Option<String>,
    /// recovered, recovering, not_recovered, sequelae, fatal, unknown.
    pub outcome: String,
    /// Onset date.
    pub onset: String,
    /// Resolution date.
    pub resolved: Option<String>,
}

impl Validate for AdverseEventInput {
    fn validate(self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        c.ensure(
            AE_TYPES.contains(&self.kind.as_str()),
            "type",
            "must be one of the adverse-event types (bleeding_haematoma for bruising or bleeding, needle_site_pain, ...)",
        );
        if self.kind == "other" {
            c.ensure(
                self.description.as_ref().is_some_and(|d| !d.trim().is_empty()),
                "description",
                "is required for type other",
            );
        }
        c.ensure(
            ["mild", "moderate", "severe"].contains(&self.severity.as_str()),
            "severity",
            "must be mild, moderate or severe",
        );
        c.ensure(
            (1..=5).contains(&self.ctcae_grade),
            "ctcae_grade",
            "must be a CTCAE grade from 1 to 5",
        );
        if self.ctcae_grade >= 4 || self.kind == "pneumothorax" {
            c.ensure(
                self.serious,
                "serious",
                "must be true for grade 4-5 events and pneumothorax",
            );
        }
        c.ensure(
            ["unrelated", "unlikely", "possible", "probable", "definite"].contains(&self.causality.as_str()),
            "causality",
            "must be unrelated, unlikely, possible, probable or definite",
        );
        c.ensure(
            [
                "recovered",
                "recovering",
                "not_recovered",
                "sequelae",
                "fatal",
                "unknown",
            ]
            .contains(&self.outcome.as_str()),
            "outcome",
            "must be recovered, recovering, not_recovered, sequelae, fatal or unknown",
        );
        if self.outcome == "fatal" {
            c.ensure(
                self.ctcae_grade == 5,
                "ctcae_grade",
                "must be 5 when the outcome is fatal",
            );
        }
        let onset = c.date(&self.onset, "onset");
        if let Some(r) = &self.resolved {
            if let (Some(o), Some(r)) = (onset, c.date(r, "resolved")) {
                c.ensure(r >= o, "resolved", "must not be before the onset");
            }
        }
        c.finish(Valid(self))
    }
}
