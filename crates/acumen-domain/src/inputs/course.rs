//! A treatment course.

use serde::{Deserialize, Serialize};

use acumen_knowledge::conditions::condition;

use crate::error::{Check, Invalid};
use crate::plan::day_of;
use crate::valid::{Valid, Validate};

/// Who a course names as its practitioner: a user's public id (32 hex
/// digits); courses stored before public ids hold the internal number,
/// which is still read but no longer accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PractitionerRef {
    /// A user's public id.
    Public(String),
    /// An internal user number (stored before public ids).
    Legacy(i64),
}

/// A treatment course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseInput {
    /// Condition code treated.
    pub condition: String,
    /// The practitioner: their user's public id.
    pub practitioner_id: Option<PractitionerRef>,
    /// Style (STRICTA 1a): tcm, japanese, korean, western_medical, five_element, auricular, other.
    pub style: String,
    /// treatment or prevention.
    pub intent: String,
    /// Planned number of sessions.
    pub planned_sessions: u32,
    /// Planned sessions per week.
    pub sessions_per_week: f64,
    /// Start date.
    pub start: String,
    /// active, completed, stopped.
    #[serde(default = "default_status")]
    pub status: String,
    /// The day the course ended (completed or stopped); on or after `start`.
    #[serde(default, alias = "end_date")]
    pub end: Option<String>,
    /// Why the course ended (required when stopped).
    pub end_reason: Option<String>,
    /// Consent version signed.
    pub consent_version: String,
    /// The course's own measure schedule (PGIC sessions, follow-ups after
    /// the end), where it departs from the clinic's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_schedule: Option<crate::followup::CourseScheduleInput>,
}

fn default_status() -> String {
    "active".into()
}

const STYLES: [&str; 7] = [
    "tcm",
    "japanese",
    "korean",
    "western_medical",
    "five_element",
    "auricular",
    "other",
];

impl Validate for CourseInput {
    fn validate(self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        match &self.practitioner_id {
            None => {}
            Some(PractitionerRef::Public(s)) if crate::valid::is_public_id(s) => {}
            Some(_) => c.fail(
                "practitioner_id",
                "must be the practitioner's id as /api/v1/users gives it (32 hex digits)",
            ),
        }
        c.ensure(
            condition(&self.condition).is_some(),
            "condition",
            "must be a condition code from /api/v1/conditions",
        );
        c.ensure(
            STYLES.contains(&self.style.as_str()),
            "style",
            "must be one of tcm, japanese, korean, western_medical, five_element, auricular, other",
        );
        c.ensure(
            self.intent == "treatment" || self.intent == "prevention",
            "intent",
            "must be treatment or prevention",
        );
        c.ensure(
            (1..=100).contains(&self.planned_sessions),
            "planned_sessions",
            "must be between 1 and 100",
        );
        c.range(self.sessions_per_week, 0.1, 7.0, "sessions_per_week");
        c.date(&self.start, "start");
        if let Some(s) = &self.follow_up_schedule {
            s.check(&mut c, "follow_up_schedule");
        }
        c.ensure(
            ["active", "completed", "stopped"].contains(&self.status.as_str()),
            "status",
            "must be active, completed or stopped",
        );
        if self.status == "stopped" {
            c.ensure(
                self.end_reason.as_ref().is_some_and(|r| !r.trim().is_empty()),
                "end_reason",
                "is required when a course is stopped",
            );
        }
        if let Some(end) = &self.end {
            c.date(end, "end");
            if let (Some(e), Some(st)) = (day_of(end), day_of(&self.start)) {
                c.ensure(e >= st, "end", "must be on or after the start date");
            }
            c.ensure(
                self.status != "active",
                "end",
                "is set only when the course is completed or stopped (set status too)",
            );
        }
        if let Some(r) = &self.end_reason {
            c.text(r, 500, "end_reason");
        }
        c.text(&self.consent_version, 50, "consent_version");
        c.finish(Valid(self))
    }
}
