//! Which points the neuropathy trials used (`data/trial_points.csv`, one row
//! per trial and point, each with its source), so "which points for feet?"
//! can be answered with trial counts.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::Serialize;

const TRIAL_POINTS_CSV: &str = include_str!("../data/trial_points.csv");

/// One point used in one study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialPoint {
    /// Study identifier (`Garrow2014`).
    pub trial_id: &'static str,
    /// Condition code (see `conditions`).
    pub condition: &'static str,
    /// `rct`, `rct_protocol`, `controlled`, `uncontrolled` or `case_series`.
    pub design: &'static str,
    /// Point code.
    pub point: &'static str,
    /// Note on the regimen.
    pub note: &'static str,
    /// Source ids (see `SOURCES.md`).
    pub source: &'static str,
}

impl TrialPoint {
    /// Whether the study had a control group (randomised, planned randomised, or controlled).
    pub fn controlled(&self) -> bool {
        matches!(self.design, "rct" | "rct_protocol" | "controlled")
    }
}

static ROWS: LazyLock<Vec<TrialPoint>> =
    LazyLock::new(|| parse().unwrap_or_else(|e| panic!("bundled trial data is malformed: {e}")));

fn parse() -> Result<Vec<TrialPoint>, String> {
    let mut rows = Vec::new();
    for (i, line) in TRIAL_POINTS_CSV.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&'static str> = line.split(',').collect();
        let [trial_id, condition, design, point, note, source] = f[..] else {
            return Err(format!("trial_points.csv line {}: expected 6 fields", i + 1));
        };
        rows.push(TrialPoint {
            trial_id,
            condition,
            design,
            point,
            note,
            source,
        });
    }
    Ok(rows)
}

/// Every row.
pub fn trial_points() -> &'static [TrialPoint] {
    &ROWS
}

/// How often a point was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Controlled trials (randomised, planned randomised or controlled) that used the point.
    pub trials: usize,
    /// All studies that used it (trials, uncontrolled studies, case series).
    pub studies: usize,
    /// The studies, by identifier.
    pub study_ids: Vec<&'static str>,
}

/// How often `code` was used, over all conditions or one condition.
pub fn usage(code: &str, condition: Option<&str>) -> Usage {
    let rows: Vec<&TrialPoint> = ROWS
        .iter()
        .filter(|r| r.point == code && condition.is_none_or(|c| r.condition == c))
        .collect();
    let ids: BTreeSet<&'static str> = rows.iter().map(|r| r.trial_id).collect();
    let trials: BTreeSet<&'static str> = rows.iter().filter(|r| r.controlled()).map(|r| r.trial_id).collect();
    Usage {
        trials: trials.len(),
        studies: ids.len(),
        study_ids: ids.into_iter().collect(),
    }
}

/// A point with its flags and how the neuropathy trials used it: what the
/// API and the CLI show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointInfo {
    /// The point.
    #[serde(flatten)]
    pub point: &'static crate::Point,
    /// Its flags.
    pub flags: Vec<crate::Flag>,
    /// Trial use over all conditions.
    pub trial_use: Usage,
}

/// Describes a point.
pub fn describe(p: &'static crate::Point) -> PointInfo {
    PointInfo {
        point: p,
        flags: p.flags(),
        trial_use: usage(p.code, None),
    }
}
