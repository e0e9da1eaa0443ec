//! A planned session as the safety rules see it, and the request shapes it
//! is parsed from: the session form, or `POST /safety/check`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use crate::error::day_of;
use crate::error::{Check, Invalid};
use crate::profile::SafetyProfile;

/// Where a skin check looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    /// Left foot.
    LeftFoot,
    /// Right foot.
    RightFoot,
    /// Left hand.
    LeftHand,
    /// Right hand.
    RightHand,
}

impl Site {
    /// Every site.
    pub const ALL: [Site; 4] = [Site::LeftFoot, Site::RightFoot, Site::LeftHand, Site::RightHand];

    /// Words for a message.
    pub fn words(self) -> &'static str {
        match self {
            Site::LeftFoot => "left foot",
            Site::RightFoot => "right foot",
            Site::LeftHand => "left hand",
            Site::RightHand => "right hand",
        }
    }

    /// The sites a word names (`feet`, `left_hand`, `all`, ...).
    pub fn parse_many(s: &str) -> Option<Vec<Site>> {
        Some(match s {
            "feet" | "foot" => vec![Site::LeftFoot, Site::RightFoot],
            "hands" | "hand" => vec![Site::LeftHand, Site::RightHand],
            "left_foot" => vec![Site::LeftFoot],
            "right_foot" => vec![Site::RightFoot],
            "left_hand" => vec![Site::LeftHand],
            "right_hand" => vec![Site::RightHand],
            "all" => Site::ALL.to_vec(),
            _ => return None,
        })
    }
}

/// Findings a skin check may record.
pub const SKIN_FINDINGS: [&str; 4] = ["ulcer", "fissure", "oedema", "none"];

/// One site's findings, written as a list or as one word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Findings {
    /// Several findings.
    Many(Vec<String>),
    /// One finding.
    One(String),
}

impl Findings {
    fn list(&self) -> Vec<&str> {
        match self {
            Findings::Many(v) => v.iter().map(String::as_str).collect(),
            Findings::One(s) => vec![s.as_str()],
        }
    }
}

/// One entry of a skin check written as a list of sites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteEntry {
    /// feet, hands, left_foot, right_foot, left_hand, right_hand.
    pub site: String,
    /// What was found there (`findings` or `finding`).
    #[serde(alias = "finding")]
    pub findings: Findings,
}

/// A skin check written as `{"done": true, "findings": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkinSummary {
    /// Whether the check was done (default: done).
    pub done: Option<bool>,
    /// What was found, for every site.
    #[serde(default, alias = "finding")]
    pub findings: Option<Findings>,
}

/// This visit's skin check of feet and hands, in any of the shapes clients
/// write it: absent or `[]` (not done), `true`, a list of findings for every
/// site (`["none"]`, `["ulcer"]`), a map from site to findings
/// (`{"left_foot": ["ulcer"], "hands": ["none"]}`), or a list of
/// `{site, findings}` entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(untagged)]
pub enum SkinCheckInput {
    /// Not done.
    #[default]
    NotDone,
    /// Done (true) or not (false), nothing recorded.
    Done(bool),
    /// Findings for every site (empty: not done).
    Everywhere(Vec<String>),
    /// Per-site entries.
    Entries(Vec<SiteEntry>),
    /// `{"done": true, "findings": [...]}`: findings for every site.
    Summary(SkinSummary),
    /// Site -> findings.
    Sites(std::collections::BTreeMap<String, Findings>),
}

/// A parsed skin check: which sites were looked at and where the skin is broken.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SkinCheck {
    /// Sites inspected at this visit.
    pub checked: BTreeSet<Site>,
    /// Sites with an ulcer or fissure.
    pub broken: BTreeSet<Site>,
}

impl SkinCheckInput {
    /// Parses the check, naming `field` in errors. A check counts only for
    /// the sites it covers: `true`, `{}` or `{"done": true}` with no findings
    /// name no site and count for none. With `strict` (writes), such a
    /// check is refused with a message that says to name the sites.
    pub fn parse_for(&self, c: &mut Check, field: &str, strict: bool) -> SkinCheck {
        let names_no_site = matches!(self, SkinCheckInput::Done(true))
            || matches!(self, SkinCheckInput::Summary(SkinSummary { done, findings: None }) if *done != Some(false));
        if names_no_site && strict {
            c.fail(
                field,
                "must name the sites checked and what was found, e.g. {\"feet\": [\"none\"], \"hands\": [\"none\"]}; `true` or an empty check counts for no site",
            );
        }
        self.parse(c, field)
    }

    /// Parses the check as `/safety/check` reads it (no refusal of a check
    /// that names no site: it simply counts for none).
    pub fn parse(&self, c: &mut Check, field: &str) -> SkinCheck {
        let mut out = SkinCheck::default();
        let mut add = |c: &mut Check, sites: &[Site], findings: &[&str], f: &str| {
            for (i, x) in findings.iter().enumerate() {
                if !SKIN_FINDINGS.contains(x) {
                    c.fail(format!("{f}[{i}]"), "must be ulcer, fissure, oedema or none");
                }
            }
            out.checked.extend(sites);
            if findings.iter().any(|x| *x == "ulcer" || *x == "fissure") {
                out.broken.extend(sites);
            }
        };
        match self {
            SkinCheckInput::NotDone | SkinCheckInput::Done(false) => {}
            // `true` names no site: it counts as done for none.
            SkinCheckInput::Done(true) => {}
            SkinCheckInput::Everywhere(v) if v.is_empty() => {}
            SkinCheckInput::Everywhere(v) => {
                add(c, &Site::ALL, &v.iter().map(String::as_str).collect::<Vec<_>>(), field)
            }
            // `{}` or `{"done": true}` without findings names no site.
            SkinCheckInput::Summary(SkinSummary { done, findings }) => {
                if let (Some(f), true) = (findings, done.unwrap_or(true)) {
                    add(c, &Site::ALL, &f.list(), &format!("{field}.findings"));
                }
            }
            SkinCheckInput::Entries(v) => {
                for (i, e) in v.iter().enumerate() {
                    match Site::parse_many(&e.site) {
                        Some(s) => add(c, &s, &e.findings.list(), &format!("{field}[{i}].findings")),
                        None => c.fail(format!("{field}[{i}].site"), SITE_RULE),
                    }
                }
            }
            SkinCheckInput::Sites(m) => {
                for (k, f) in m {
                    match Site::parse_many(k) {
                        Some(s) => add(c, &s, &f.list(), &format!("{field}.{k}")),
                        None => c.fail(format!("{field}.{k}"), SITE_RULE),
                    }
                }
            }
        }
        out
    }
}

const SITE_RULE: &str = "must be feet, hands, left_foot, right_foot, left_hand or right_hand";

/// Which side a point is needled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Left only.
    Left,
    /// Right only.
    Right,
    /// Both sides, the midline, or not said.
    Both,
}

/// One point of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPoint {
    /// Upper-case code, known to the point table.
    pub code: String,
    /// Side.
    pub side: Side,
    /// Depth in mm.
    pub depth_mm: Option<f64>,
    /// Angle.
    pub angle: Option<String>,
}

/// What the safety rules need to know about a planned session.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The points.
    pub points: Vec<PlannedPoint>,
    /// Electrical stimulation.
    pub electrical: bool,
    /// This visit's skin check.
    pub skin: SkinCheck,
    /// A rationale for the point selection was written.
    pub has_rationale: bool,
    /// The course's intent is prevention (of neuropathy during chemotherapy).
    pub prevention: bool,
    /// The day of the session.
    pub day: time::Date,
}

/// A point as `POST /safety/check` accepts it: a code, or `{code, side, depth_mm, angle}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PointRef {
    /// Code only.
    Code(String),
    /// Full entry.
    Full {
        /// Code.
        code: String,
        /// left, right, bilateral or none.
        side: Option<String>,
        /// Depth in mm.
        depth_mm: Option<f64>,
        /// Angle.
        angle: Option<String>,
    },
}

/// Stimulation: `{"electrical": true}` or `"manual"` / `"electrical"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stimulation {
    /// Object form.
    Flags {
        /// Electrical stimulation used.
        #[serde(default)]
        electrical: bool,
    },
    /// Word form.
    Word(String),
}

/// The planned session of a check request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedSessionInput {
    /// Points.
    pub points: Vec<PointRef>,
    /// Stimulation.
    pub stimulation: Option<Stimulation>,
    /// Skin check.
    #[serde(default)]
    pub skin_check: SkinCheckInput,
    /// Rationale.
    pub rationale: Option<String>,
    /// Course intent (treatment or prevention).
    pub intent: Option<String>,
}

/// A patient's safety profile as a check request may carry it: the profile
/// fields plus the patient's condition codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ProfileInput {
    /// The safety profile.
    #[serde(flatten)]
    pub safety: SafetyProfile,
    /// Condition codes (`diabetic_polyneuropathy`, ...); `{"code": ...}` objects are read too.
    #[serde(default, deserialize_with = "condition_codes")]
    pub conditions: Vec<String>,
}

fn condition_codes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Object { code: String },
    }
    Ok(Vec::<Code>::deserialize(d)?
        .into_iter()
        .map(|c| match c {
            Code::Text(s) | Code::Object { code: s } => s,
        })
        .collect())
}

/// Fields a profile in a check request may carry (with their aliases).
pub const PROFILE_FIELDS: [&str; 15] = [
    "pregnancy",
    "pregnant",
    "pregnancy_date",
    "anticoagulant",
    "anticoagulants",
    "bleeding_disorder",
    "implanted_device",
    "pacemaker",
    "diabetes",
    "reduced_sensation",
    "platelets",
    "platelets_date",
    "chemotherapy",
    "lymphoedema",
    "conditions",
];

impl ProfileInput {
    /// Reads and checks a profile sent with a check request. An unknown
    /// field is refused rather than ignored: a misspelt risk factor must not
    /// silently pass as absent. An item left out of a check request reads
    /// as no, as it always has here (the request describes a patient, it is
    /// not a record); `null` or `"not_recorded"` asks for it.
    pub fn from_json(v: &serde_json::Value) -> Result<ProfileInput, Invalid> {
        let mut c = Check::default();
        let Some(map) = v.as_object() else {
            c.fail("profile", "must be an object of safety-profile fields");
            return Err(c.into_invalid());
        };
        for k in map.keys() {
            if !PROFILE_FIELDS.contains(&k.as_str()) {
                c.fail(
                    format!("profile.{k}"),
                    format!("is not a safety-profile field (known: {})", PROFILE_FIELDS.join(", ")),
                );
            }
        }
        let mut parsed = match serde_json::from_value::<ProfileInput>(v.clone()) {
            Ok(p) => p,
            Err(e) => {
                c.fail("profile", e.to_string());
                return Err(c.into_invalid());
            }
        };
        parsed
            .safety
            .fill_absent(|keys| keys.iter().any(|k| map.contains_key(*k)));
        parsed.safety.check(&mut c, "profile", false);
        for (i, code) in parsed.conditions.iter().enumerate() {
            c.ensure(
                acumen_knowledge::conditions::condition(code).is_some(),
                &format!("profile.conditions[{i}]"),
                "must be a condition code from /api/v1/conditions (e.g. diabetic_polyneuropathy)",
            );
        }
        c.finish(parsed)
    }
}

/// Reads a side word; anything but left or right counts as both sides.
pub fn side_of(s: Option<&str>) -> Side {
    match s {
        Some("left") => Side::Left,
        Some("right") => Side::Right,
        _ => Side::Both,
    }
}

impl PlannedSessionInput {
    /// Validates the request into a plan for `day` (with the course intent when known).
    pub fn plan(&self, day: time::Date, course_intent: Option<&str>) -> Result<Plan, Invalid> {
        let mut c = Check::default();
        c.ensure(
            !self.points.is_empty() && self.points.len() <= 60,
            "session.points",
            "must list 1 to 60 points",
        );
        let mut points = Vec::new();
        for (i, p) in self.points.iter().enumerate() {
            let (code, side, depth_mm, angle) = match p {
                PointRef::Code(code) => (code, None, None, None),
                PointRef::Full {
                    code,
                    side,
                    depth_mm,
                    angle,
                } => (code, side.as_deref(), *depth_mm, angle.clone()),
            };
            let code = match acumen_knowledge::aliases::resolve(code) {
                Some(who) => who.to_string(),
                None => {
                    c.fail(
                        format!("session.points[{i}].code"),
                        acumen_knowledge::aliases::unknown_message(code),
                    );
                    code.trim().to_ascii_uppercase()
                }
            };
            if let Some(s) = side {
                c.ensure(
                    ["left", "right", "bilateral", "both", "none"].contains(&s),
                    &format!("session.points[{i}].side"),
                    "must be left, right, bilateral (both) or none",
                );
            }
            if let Some(d) = depth_mm {
                c.range(d, 0.0, 100.0, &format!("session.points[{i}].depth_mm"));
            }
            points.push(PlannedPoint {
                code,
                side: side_of(side),
                depth_mm,
                angle: angle.filter(|a| !a.trim().is_empty()),
            });
        }
        let electrical = match &self.stimulation {
            None => false,
            Some(Stimulation::Flags { electrical }) => *electrical,
            Some(Stimulation::Word(w)) => {
                c.ensure(
                    w == "manual" || w == "electrical",
                    "session.stimulation",
                    "must be manual, electrical or {\"electrical\": true|false}",
                );
                w == "electrical"
            }
        };
        let skin = self.skin_check.parse(&mut c, "session.skin_check");
        let intent = self.intent.as_deref().or(course_intent);
        if let Some(i) = intent {
            c.ensure(
                i == "treatment" || i == "prevention",
                "session.intent",
                "must be treatment or prevention",
            );
        }
        c.finish(Plan {
            points,
            electrical,
            skin,
            has_rationale: self.rationale.as_ref().is_some_and(|r| !r.trim().is_empty()),
            prevention: intent == Some("prevention"),
            day,
        })
    }
}
