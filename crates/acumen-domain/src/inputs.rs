//! Request bodies of the registry, as clients send them, and their
//! validation into records the store may keep ("parse, don't validate":
//! a `Valid<T>` can only be made by `validate`).

use serde::{Deserialize, Serialize};

use acumen_knowledge::conditions::{condition, REGIONS};
use acumen_knowledge::is_valid_point;

use crate::error::{Check, Invalid};
use crate::plan::{day_of, side_of, Plan, PlannedPoint, SkinCheckInput};
use crate::profile::SafetyProfile;

/// A value that passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Valid<T>(T);

impl<T> Valid<T> {
    /// The validated value.
    pub fn get(&self) -> &T {
        &self.0
    }
    /// Consumes the wrapper.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Something that can be validated.
pub trait Validate: Sized {
    /// Checks every rule; on success the value is wrapped as `Valid`.
    fn validate(self) -> Result<Valid<Self>, Invalid>;
}

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

/// A patient record (identifiers and contact are PHI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientInput {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Year of birth.
    pub year_of_birth: i32,
    /// Sex: female, male, other, unknown.
    pub sex: String,
    /// Safety profile.
    #[serde(default)]
    pub safety: SafetyProfile,
}

const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];

impl Validate for PatientInput {
    fn validate(mut self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        self.given_name = c.text(&self.given_name, 100, "given_name");
        self.family_name = c.text(&self.family_name, 100, "family_name");
        if let Some(e) = &self.email {
            let ok = e.len() <= 254 && e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
            c.ensure(ok, "email", "must be an e-mail address like name@example.org");
        }
        if let Some(p) = &self.phone {
            let digits = p.chars().filter(|ch| ch.is_ascii_digit()).count();
            let ok = (6..=20).contains(&digits) && p.chars().all(|ch| ch.is_ascii_digit() || " +-()".contains(ch));
            c.ensure(ok, "phone", "must be a phone number of 6 to 20 digits");
        }
        c.ensure(
            (1900..=2100).contains(&self.year_of_birth),
            "year_of_birth",
            "must be a year between 1900 and 2100",
        );
        c.ensure(
            SEXES.contains(&self.sex.as_str()),
            "sex",
            "must be one of female, male, other, unknown",
        );
        self.safety.check(&mut c, "safety", true);
        c.finish(Valid(self))
    }
}

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
        let public = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        match &self.practitioner_id {
            None => {}
            Some(PractitionerRef::Public(s)) if public(s) => {}
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

/// One needled point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointInput {
    /// WHO code (LI4, EX-LE10, ...).
    pub code: String,
    /// left, right or bilateral (midline points: none).
    pub side: String,
    /// Depth in mm.
    pub depth_mm: Option<f64>,
    /// perpendicular, oblique or transverse.
    pub angle: Option<String>,
}

/// Electrical stimulation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Electro {
    /// Frequency in Hz.
    pub frequency_hz: f64,
    /// Waveform (continuous, dense-disperse, ...).
    pub waveform: String,
    /// Intensity in mA.
    pub intensity_ma: Option<f64>,
    /// Electrode pairs ("LR3-GB42").
    #[serde(default)]
    pub pairs: Vec<String>,
}

/// A treatment session (STRICTA items 2 and 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInput {
    /// Date-time (RFC 3339) or date.
    pub at: String,
    /// Session number within the course (1-based).
    pub number: u32,
    /// Points needled.
    pub points: Vec<PointInput>,
    /// Needle gauge (diameter in mm).
    pub needle_diameter_mm: Option<f64>,
    /// Needle length in mm.
    pub needle_length_mm: Option<f64>,
    /// De qi sought.
    #[serde(default)]
    pub deqi_sought: bool,
    /// De qi obtained.
    #[serde(default)]
    pub deqi_obtained: bool,
    /// manual or electrical.
    pub stimulation: String,
    /// Electrical settings.
    pub electro: Option<Electro>,
    /// Retention in minutes.
    pub retention_min: Option<f64>,
    /// Co-interventions (moxibustion, cupping, ...).
    #[serde(default)]
    pub co_interventions: Vec<String>,
    /// Skin check of feet and hands at this visit (see `SkinCheckInput`).
    #[serde(default)]
    pub skin_check: SkinCheckInput,
    /// Rationale for the point selection.
    pub rationale: Option<String>,
    /// Reason for overriding a safety finding.
    pub override_reason: Option<String>,
    /// Free-text note.
    pub note: Option<String>,
}

impl Validate for SessionInput {
    fn validate(mut self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        c.day(&self.at, "at");
        c.ensure((1..=200).contains(&self.number), "number", "must be between 1 and 200");
        c.ensure(
            !self.points.is_empty() && self.points.len() <= 60,
            "points",
            "must list 1 to 60 points",
        );
        for (i, p) in self.points.iter_mut().enumerate() {
            p.code = p.code.trim().to_ascii_uppercase();
            if !is_valid_point(&p.code) {
                c.fail(
                    format!("points[{i}].code"),
                    format!("'{}' is not a WHO point code (e.g. LI4, SP6, EX-LE10)", p.code),
                );
            }
            c.ensure(
                ["left", "right", "bilateral", "none"].contains(&p.side.as_str()),
                &format!("points[{i}].side"),
                "must be left, right, bilateral or none",
            );
            if let Some(d) = p.depth_mm {
                c.range(d, 0.0, 100.0, &format!("points[{i}].depth_mm"));
            }
            if let Some(a) = &p.angle {
                c.ensure(
                    ["perpendicular", "oblique", "transverse"].contains(&a.as_str()),
                    &format!("points[{i}].angle"),
                    "must be perpendicular, oblique or transverse",
                );
            }
        }
        if let Some(d) = self.needle_diameter_mm {
            c.range(d, 0.1, 1.0, "needle_diameter_mm");
        }
        if let Some(l) = self.needle_length_mm {
            c.range(l, 3.0, 150.0, "needle_length_mm");
        }
        c.ensure(
            self.stimulation == "manual" || self.stimulation == "electrical",
            "stimulation",
            "must be manual or electrical",
        );
        if self.stimulation == "electrical" {
            match &self.electro {
                None => c.fail(
                    "electro",
                    "is required for electrical stimulation (frequency, waveform, pairs)",
                ),
                Some(e) => {
                    c.range(e.frequency_hz, 0.1, 200.0, "electro.frequency_hz");
                    if let Some(i) = e.intensity_ma {
                        c.range(i, 0.0, 50.0, "electro.intensity_ma");
                    }
                }
            }
        }
        if let Some(r) = self.retention_min {
            c.range(r, 0.0, 120.0, "retention_min");
        }
        self.skin_check.parse_for(&mut c, "skin_check", true);
        if self.deqi_obtained && !self.deqi_sought {
            c.fail("deqi_obtained", "can only be true when de qi was sought");
        }
        c.finish(Valid(self))
    }
}

impl Valid<SessionInput> {
    /// The session as the safety rules see it, in a course with `intent`.
    pub fn plan(&self, intent: &str) -> Plan {
        let s = self.get();
        Plan {
            points: s
                .points
                .iter()
                .map(|p| PlannedPoint {
                    code: p.code.clone(),
                    side: side_of(Some(&p.side)),
                    depth_mm: p.depth_mm,
                    angle: p.angle.clone(),
                })
                .collect(),
            electrical: s.stimulation == "electrical",
            skin: s.skin_check.parse(&mut Check::default(), "skin_check"),
            has_rationale: s.rationale.as_ref().is_some_and(|r| !r.trim().is_empty()),
            prevention: intent == "prevention",
            day: day_of(&s.at).unwrap_or(time::Date::MIN),
        }
    }
}

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
        c.finish(Valid(self))
    }
}

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
            "must be an adverse-event type from the list (bleeding_haematoma, needle_site_pain, ...)",
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
