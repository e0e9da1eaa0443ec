//! A treatment session (STRICTA items 2 and 4) and its safety plan.

use serde::{Deserialize, Serialize};

use crate::error::{Check, Invalid};
use crate::plan::{day_of, side_of, Plan, PlannedPoint, SkinCheckInput};
use crate::valid::{Valid, Validate};

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
            match acumen_knowledge::aliases::resolve(&p.code) {
                Some(code) => p.code = code.to_string(),
                None => c.fail(
                    format!("points[{i}].code"),
                    acumen_knowledge::aliases::unknown_message(&p.code),
                ),
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
