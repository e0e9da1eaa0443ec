//! Point-of-care safety checks over HTTP: `POST /safety/check` runs the
//! rules without writing, and `records::create_session` runs them before a
//! session is stored. The rules themselves are `acumen_domain::safety`.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_domain::plan::day_of;
use acumen_domain::{check, PlannedSessionInput, ProfileInput, SafetyProfile, Severity};

use crate::access::{staff_only, visible, visible_patient};
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{invalid, ApiError, ApiResult};
use crate::AppState;

/// The course a check is for, when not stored.
#[derive(Debug, Deserialize)]
pub struct CourseRef {
    /// treatment or prevention.
    pub intent: Option<String>,
}

/// `POST /safety/check` request: a stored patient or a profile, and the planned session.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// A patient of the clinic, by public id (their stored profile and conditions are used).
    pub patient_id: Option<String>,
    /// Or a profile given in the request (the `Patient.safety` fields and `conditions`).
    pub profile: Option<Value>,
    /// The course (its intent), if stored, by public id.
    pub course_id: Option<String>,
    /// Or the course's intent.
    pub course: Option<CourseRef>,
    /// The planned session.
    pub session: PlannedSessionInput,
    /// When (date or date-time; default today).
    pub at: Option<String>,
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

/// `POST /safety/check`
pub async fn check_handler(
    State(st): State<AppState>,
    who: Authed,
    Body(req): Body<CheckRequest>,
) -> ApiResult<Json<Value>> {
    staff_only(&who)?;
    let day = match &req.at {
        None => time::OffsetDateTime::now_utc().date(),
        Some(a) => day_of(a).ok_or_else(|| invalid("at", "must be a date YYYY-MM-DD or an RFC 3339 date-time"))?,
    };
    let patient_key = match &req.patient_id {
        Some(p) => Some(crate::ids::record_key(&st, &who, p).await),
        None => None,
    };
    let (profile, conditions) = match (patient_key, req.profile) {
        (Some(id), None) => patient_context(&st, &who, id).await?,
        (None, Some(p)) => {
            let p = ProfileInput::from_json(&p)?;
            (p.safety, p.conditions)
        }
        (None, None) => return Err(invalid("patient_id", "give patient_id (a stored patient) or profile")),
        (Some(_), Some(_)) => return Err(invalid("profile", "give patient_id or profile, not both")),
    };
    let mut intent = req.course.and_then(|c| c.intent);
    if let Some(cid) = &req.course_id {
        let course = visible(&st, &who, "course", crate::ids::record_key(&st, &who, cid).await).await?;
        if patient_key.is_some() && course.patient_id != patient_key {
            return Err(invalid("course_id", "is not a course of this patient"));
        }
        intent = course.data.get("intent").and_then(Value::as_str).map(str::to_string);
    }
    let plan = req.session.plan(day, intent.as_deref())?;
    let findings = check(&profile, &conditions, &plan);
    Ok(Json(json!({
        "at": day.to_string(),
        "hard_stop": !acumen_domain::gate::rule_ids(&findings, Severity::HardStop).is_empty(),
        "needs_rationale": !acumen_domain::gate::rule_ids(&findings, Severity::NeedsRationale).is_empty() && !plan.has_rationale,
        "findings": findings,
    })))
}
