//! A session: the point-of-care safety check a practitioner runs before
//! needling (`POST /safety/check`, and the session form's live findings),
//! and recording the session, the one write that runs the rules first. The
//! course and patient are checked as visible, the session validated, the
//! rules (`acumen_domain::safety`) run on its plan, and the session policy
//! (`acumen_domain::gate`) decides: a hard stop is refused unless a
//! practitioner overrides it with a reason (audited in the same
//! transaction); a rule that needs a rationale is refused without one. The
//! findings are stored with the session.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use acumen_domain::gate::{gate, Gate};
use acumen_domain::plan::day_of;
use acumen_domain::{
    check, Finding, PlannedSessionInput, ProfileInput, Role, SafetyProfile, SessionInput, Severity, Validate,
};
use acumen_store::{IdemKey, Placement};

use super::records::Written;
use crate::access::{staff_only, visible, visible_patient};
use crate::auth::Authed;
use crate::error::{invalid, ApiError, ApiResult};
use crate::state::AppState;

/// A course as a check names it inline.
#[derive(Debug, Deserialize)]
pub struct CourseRef {
    /// `treatment` or `prevention`.
    pub intent: Option<String>,
}

/// A safety check request: a stored patient or a profile, and a planned session.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// A stored patient (public id).
    pub patient_id: Option<String>,
    /// A profile given inline instead.
    pub profile: Option<Value>,
    /// A stored course of the patient (public id).
    pub course_id: Option<String>,
    /// A course given inline.
    pub course: Option<CourseRef>,
    /// The planned session.
    pub session: PlannedSessionInput,
    /// The day of the session (default today).
    pub at: Option<String>,
}

/// What the rules found.
#[derive(Debug, Serialize)]
pub struct CheckResult {
    /// The day checked.
    pub at: String,
    /// Whether a hard stop was found.
    pub hard_stop: bool,
    /// Whether a rule needs a rationale that the plan does not give.
    pub needs_rationale: bool,
    /// The findings, hard stops first.
    pub findings: Vec<Finding>,
}

/// A stored patient's safety profile and condition codes.
pub async fn patient_context(st: &AppState, who: &Authed, patient_id: i64) -> ApiResult<(SafetyProfile, Vec<String>)> {
    let p = visible_patient(st, who, patient_id).await?;
    let profile: SafetyProfile = serde_json::from_value(p.data.get("safety").cloned().unwrap_or(json!({})))
        .map_err(|e| ApiError::Internal(format!("stored safety profile of record {patient_id}: {e}")))?;
    let conditions = st
        .store
        .children(&who.actor(), "condition", patient_id)
        .await?
        .iter()
        .filter_map(|r| r.data.get("code").and_then(Value::as_str).map(str::to_string))
        .collect();
    Ok((profile, conditions))
}

/// Runs the rules on a planned session without writing anything (staff).
pub async fn check_plan(st: &AppState, who: &Authed, req: CheckRequest) -> ApiResult<CheckResult> {
    staff_only(who)?;
    let day = match &req.at {
        None => time::OffsetDateTime::now_utc().date(),
        Some(a) => day_of(a).ok_or_else(|| invalid("at", "must be a date YYYY-MM-DD or an RFC 3339 date-time"))?,
    };
    let patient_key = match &req.patient_id {
        Some(p) => Some(crate::access::record_key(st, who, p).await),
        None => None,
    };
    let (profile, conditions) = match (patient_key, req.profile) {
        (Some(id), None) => patient_context(st, who, id).await?,
        (None, Some(p)) => {
            let p = ProfileInput::from_json(&p)?;
            (p.safety, p.conditions)
        }
        (None, None) => return Err(invalid("patient_id", "give patient_id (a stored patient) or profile")),
        (Some(_), Some(_)) => return Err(invalid("profile", "give patient_id or profile, not both")),
    };
    let mut intent = req.course.and_then(|c| c.intent);
    if let Some(cid) = &req.course_id {
        let course = visible(st, who, "course", crate::access::record_key(st, who, cid).await).await?;
        if patient_key.is_some() && course.patient_id != patient_key {
            return Err(invalid("course_id", "is not a course of this patient"));
        }
        intent = course.data.get("intent").and_then(Value::as_str).map(str::to_string);
    }
    let plan = req.session.plan(day, intent.as_deref())?;
    let findings = check(&profile, &conditions, &plan);
    Ok(CheckResult {
        at: day.to_string(),
        hard_stop: !acumen_domain::gate::rule_ids(&findings, Severity::HardStop).is_empty(),
        needs_rationale: !acumen_domain::gate::rule_ids(&findings, Severity::NeedsRationale).is_empty()
            && !plan.has_rationale,
        findings,
    })
}

/// Refuses a course that has ended: a session is added only to an active
/// course; a finished one is reopened first (an audited change).
pub fn open_course(course: &acumen_store::Record) -> ApiResult<()> {
    match course.data.get("status").and_then(Value::as_str).unwrap_or("active") {
        "active" => Ok(()),
        status => Err(ApiError::Closed(format!(
            "this course is {status}; reopen it before adding a session, or start a new course"
        ))),
    }
}

/// Records a session of course `course_id` (staff).
pub async fn add_session(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    course_id: i64,
    b: SessionInput,
) -> ApiResult<Written> {
    staff_only(who)?;
    let course = visible(st, who, "course", course_id).await?;
    open_course(&course)?;
    let patient_id = course.patient_id.ok_or(ApiError::NotFound)?;
    let (data, audit) = gated(st, who, &course, b).await?;
    let at = Placement {
        patient_id: Some(patient_id),
        parent_id: Some(course_id),
    };
    let (record, created) = st
        .store
        .insert_record_audited(&who.actor(), "session", at, data, key.as_ref(), &audit)
        .await?;
    Ok(Written { record, created })
}

/// Validates a session of `course` and runs the rules and the session
/// policy on it: the data to store (with its findings) and the audit
/// entries of any override, or the refusal. A new session and a corrected
/// one pass the same gate.
pub(crate) async fn gated(
    st: &AppState,
    who: &Authed,
    course: &acumen_store::Record,
    b: SessionInput,
) -> ApiResult<(Value, Vec<String>)> {
    let patient_id = course.patient_id.ok_or(ApiError::NotFound)?;
    let v = b.validate()?;
    let (profile, conditions) = patient_context(st, who, patient_id).await?;
    let intent = course.data.get("intent").and_then(Value::as_str).unwrap_or("treatment");
    let plan = v.plan(intent);
    let findings = check(&profile, &conditions, &plan);
    let overriding = v.get().override_reason.as_ref().is_some_and(|r| !r.trim().is_empty());
    let practitioner = who.role() == Role::Practitioner;
    let (safety, audit) = match gate(findings, overriding, practitioner, plan.has_rationale) {
        Gate::Allowed { safety, audit } => (safety, audit),
        Gate::HardStop { rule_ids, findings } => {
            return Err(ApiError::Safety {
                code: "safety_hard_stop",
                message: format!(
                "refused by safety rule {}; correct the session, or a practitioner may override with override_reason",
                rule_ids.join(", ")
            ),
                rule_ids,
                findings,
            })
        }
        Gate::OverrideNotAllowed => {
            return Err(ApiError::Forbidden(
                "only a practitioner may override a safety hard stop".into(),
            ))
        }
        Gate::NeedsRationale { rule_ids, findings } => {
            return Err(ApiError::Safety {
                code: "safety_needs_rationale",
                message: format!(
                    "safety rule {} needs a rationale for this point selection",
                    rule_ids.join(", ")
                ),
                rule_ids,
                findings,
            })
        }
    };
    let mut data = serde_json::to_value(v).map_err(|e| ApiError::Internal(format!("session: {e}")))?;
    data["safety"] = serde_json::to_value(&safety).map_err(|e| ApiError::Internal(format!("safety: {e}")))?;
    Ok((data, audit))
}
