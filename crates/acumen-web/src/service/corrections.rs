//! Corrections of what was recorded at a visit: a session, an outcome or an
//! adverse event is corrected (a new version, validated as a new one is; a
//! session passes the safety rules again), voided with a reason (a new
//! version with a `voided` entry, audited as `void`: kept with all its
//! versions, left out of every list and figure), and a session recorded on
//! the wrong course is moved to another active course of the same patient
//! (audited as `move`; its adverse events go with it). Staff only; a stale
//! version is refused (409), and so is any change to a voided record.

use serde_json::json;

use acumen_domain::{AdverseEventInput, OutcomeInput, SessionInput, Validate};
use acumen_store::Record;

use super::records::to_value;
use super::sessions::{gated, open_course};
use crate::access::{staff_only, visible};
use crate::auth::Authed;
use crate::error::{invalid, ApiError, ApiResult};
use crate::state::AppState;

/// The kinds of record a visit leaves, which can be corrected and voided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// A session.
    Session,
    /// An outcome measure.
    Outcome,
    /// An adverse event.
    AdverseEvent,
}

impl Visit {
    /// The stored kind.
    pub fn kind(self) -> &'static str {
        match self {
            Visit::Session => "session",
            Visit::Outcome => "outcome",
            Visit::AdverseEvent => "adverse_event",
        }
    }

    /// The kind in words.
    fn words(self) -> &'static str {
        match self {
            Visit::Session => "session",
            Visit::Outcome => "outcome",
            Visit::AdverseEvent => "adverse event",
        }
    }
}

/// The most characters a reason for voiding may have.
pub const REASON_MAX: usize = 500;

/// Whether a record has been voided.
pub fn is_voided(r: &Record) -> bool {
    r.data.get("voided").is_some_and(|v| !v.is_null())
}

/// Why a record was voided, if it was.
pub fn void_reason(r: &Record) -> Option<&str> {
    r.data.get("voided")?.get("reason")?.as_str()
}

/// A visit's record the caller may see (voided or not).
pub async fn record(st: &AppState, who: &Authed, what: Visit, id: i64) -> ApiResult<Record> {
    visible(st, who, what.kind(), id).await
}

/// A record of `kind` the caller (staff) may change: visible and not voided.
pub async fn changeable(st: &AppState, who: &Authed, what: Visit, id: i64) -> ApiResult<Record> {
    staff_only(who)?;
    let r = visible(st, who, what.kind(), id).await?;
    if is_voided(&r) {
        return Err(ApiError::Voided(format!(
            "this {} was voided ({}); record it anew instead",
            what.words(),
            void_reason(&r).unwrap_or("no reason given")
        )));
    }
    Ok(r)
}

/// Refuses a record voided (for writes under it: an adverse event of a
/// voided session).
pub fn not_voided(r: &Record, what: &str) -> ApiResult<()> {
    if is_voided(r) {
        return Err(ApiError::Voided(format!(
            "this {what} was voided; nothing can be added to it"
        )));
    }
    Ok(())
}

/// Corrects a session: validated and checked by the safety rules as a new
/// session is (an override is audited with the correction).
pub async fn correct_session(st: &AppState, who: &Authed, id: i64, version: i64, b: SessionInput) -> ApiResult<Record> {
    let s = changeable(st, who, Visit::Session, id).await?;
    let course = visible(st, who, "course", s.parent_id.ok_or(ApiError::NotFound)?).await?;
    let (data, audit) = gated(st, who, &course, b).await?;
    Ok(st
        .store
        .update_record_audited(&who.actor(), "session", id, version, data, &audit)
        .await?)
}

/// Corrects an outcome.
pub async fn correct_outcome(st: &AppState, who: &Authed, id: i64, version: i64, o: OutcomeInput) -> ApiResult<Record> {
    changeable(st, who, Visit::Outcome, id).await?;
    let v = o.validate()?;
    Ok(st
        .store
        .update_record(&who.actor(), "outcome", id, version, to_value(v))
        .await?)
}

/// Corrects an adverse event.
pub async fn correct_adverse(
    st: &AppState,
    who: &Authed,
    id: i64,
    version: i64,
    a: AdverseEventInput,
) -> ApiResult<Record> {
    changeable(st, who, Visit::AdverseEvent, id).await?;
    let v = a.validate()?;
    Ok(st
        .store
        .update_record(&who.actor(), "adverse_event", id, version, to_value(v))
        .await?)
}

/// Voids a record with a reason, at `now` (RFC 3339). A session that still
/// has adverse events is refused until they are voided (or the session is
/// moved, if it belongs to another course).
pub async fn void(
    st: &AppState,
    who: &Authed,
    what: Visit,
    id: i64,
    version: i64,
    reason: &str,
    now: &str,
) -> ApiResult<Record> {
    let r = changeable(st, who, what, id).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "say why this record is voided"));
    }
    if reason.chars().count() > REASON_MAX || reason.chars().any(char::is_control) {
        return Err(invalid(
            "reason",
            &format!("must be at most {REASON_MAX} characters without control characters"),
        ));
    }
    if what == Visit::Session {
        let events = st.store.children(&who.actor(), "adverse_event", id).await?;
        if !events.is_empty() {
            return Err(ApiError::Voided(format!(
                "this session has {} adverse event(s) recorded; void them first, or move the session if it belongs to another course",
                events.len()
            )));
        }
    }
    let mut data = r.data.clone();
    if let Some(m) = data.as_object_mut() {
        m.insert("voided".into(), json!({"reason": reason, "at": now}));
    }
    Ok(st
        .store
        .update_record_audited(&who.actor(), what.kind(), id, version, data, &["void".to_string()])
        .await?)
}

/// Moves a session to another active course of the same patient.
pub async fn move_session(st: &AppState, who: &Authed, id: i64, version: i64, to_course: i64) -> ApiResult<Record> {
    let s = changeable(st, who, Visit::Session, id).await?;
    let target = visible(st, who, "course", to_course).await?;
    if target.patient_id != s.patient_id {
        return Err(invalid("course_id", "is not a course of this session's patient"));
    }
    if s.parent_id == Some(to_course) {
        return Err(invalid("course_id", "is the course the session is already on"));
    }
    open_course(&target)?;
    Ok(st
        .store
        .move_record(&who.actor(), "session", id, version, to_course)
        .await?)
}

/// The voided records under a parent, for the chart (staff).
pub async fn voided_under(st: &AppState, who: &Authed, what: Visit, parent: i64) -> ApiResult<Vec<Record>> {
    staff_only(who)?;
    Ok(st.store.voided_children(&who.actor(), what.kind(), parent).await?)
}

/// What a void request says.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    /// The version the caller read.
    pub version: i64,
    /// Why the record is voided.
    pub reason: String,
}

/// What a move request says.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// The version the caller read.
    pub version: i64,
    /// The course to move the session to (public id).
    pub course_id: String,
}
