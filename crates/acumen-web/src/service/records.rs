//! The registry's records as use cases: find, read, create, correct and
//! export patients and their conditions, screenings, courses, outcomes and
//! adverse events (sessions are `session_write.rs`). Each checks role and
//! tenancy through [`crate::access`] before the store is touched.

use serde_json::Value;

use acumen_domain::{
    AdverseEventInput, ConditionInput, CourseInput, FieldError, Invalid, OutcomeInput, PatientInput, Role,
    ScreeningInput, Validate,
};
use acumen_store::{IdemKey, Placement, Record, RecordVersion};

use crate::access::{staff_only, visible, visible_patient};
use crate::auth::Authed;
use crate::error::{invalid, ApiError, ApiResult};
use crate::state::AppState;

/// A record written, and whether this request created it (`false`: the
/// idempotent retry of an earlier request, which wrote nothing).
pub struct Written {
    /// The record.
    pub record: Record,
    /// Whether it was created now.
    pub created: bool,
}

/// The kinds of record that hang directly from a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientChild {
    /// A diagnosed condition.
    Condition,
    /// A DN4 screening.
    Screening,
    /// A treatment course.
    Course,
}

impl PatientChild {
    /// The stored kind.
    pub fn kind(self) -> &'static str {
        match self {
            PatientChild::Condition => "condition",
            PatientChild::Screening => "screening",
            PatientChild::Course => "course",
        }
    }
}

/// The kinds of record that hang from a course or a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Under {
    /// Sessions of a course.
    Sessions,
    /// Outcomes of a course.
    Outcomes,
    /// Adverse events of a session.
    AdverseEvents,
}

impl Under {
    /// The parent's kind and the children's kind.
    fn kinds(self) -> (&'static str, &'static str) {
        match self {
            Under::Sessions => ("course", "session"),
            Under::Outcomes => ("course", "outcome"),
            Under::AdverseEvents => ("session", "adverse_event"),
        }
    }
}

pub(crate) fn to_value<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Writes a new record with its first version and audit entries.
pub(crate) async fn write(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    kind: &str,
    at: Placement,
    data: Value,
    also_audit: &[String],
) -> ApiResult<Written> {
    let (record, created) = st
        .store
        .insert_record_audited(&who.actor(), kind, at, data, key.as_ref(), also_audit)
        .await?;
    Ok(Written { record, created })
}

/// The patients a caller may list: staff search by name; a patient sees their own record.
pub async fn patients(st: &AppState, who: &Authed, q: &str) -> ApiResult<Vec<Record>> {
    if who.role() == Role::Patient {
        let id = who.user.patient_id.ok_or(ApiError::NotFound)?;
        return Ok(vec![visible_patient(st, who, id).await?]);
    }
    staff_only(who)?;
    let q = q.trim();
    if q.chars().any(char::is_control) || q.chars().count() > 200 {
        return Err(invalid(
            "q",
            "must be at most 200 characters without control characters",
        ));
    }
    Ok(st.store.patients(&who.actor(), q).await?)
}

/// A patient the caller may see (staff, or the patient themself).
pub async fn patient(st: &AppState, who: &Authed, id: i64) -> ApiResult<Record> {
    visible_patient(st, who, id).await
}

/// A course the caller may see.
pub async fn course(st: &AppState, who: &Authed, id: i64) -> ApiResult<Record> {
    visible(st, who, "course", id).await
}

/// A session the caller may see.
pub async fn session(st: &AppState, who: &Authed, id: i64) -> ApiResult<Record> {
    visible(st, who, "session", id).await
}

/// Registers a patient (staff).
pub async fn create_patient(st: &AppState, who: &Authed, key: Option<IdemKey>, p: PatientInput) -> ApiResult<Written> {
    staff_only(who)?;
    let v = p.validate()?;
    let at = Placement {
        patient_id: None,
        parent_id: None,
    };
    write(st, who, key, "patient", at, to_value(v), &[]).await
}

/// Corrects a patient's details (staff): a new version if `version` is current.
pub async fn update_patient(st: &AppState, who: &Authed, id: i64, version: i64, p: PatientInput) -> ApiResult<Record> {
    staff_only(who)?;
    visible_patient(st, who, id).await?;
    let v = p.validate()?;
    Ok(st
        .store
        .update_record(&who.actor(), "patient", id, version, to_value(v))
        .await?)
}

/// A record's versions (admins), each with its author's public id.
pub async fn versions(st: &AppState, who: &Authed, id: i64) -> ApiResult<Vec<(RecordVersion, Option<String>)>> {
    crate::access::admin_only(who, "only admins read old versions")?;
    // Authors by their public ids (the internal keys never leave the server).
    let authors: std::collections::HashMap<i64, String> = st
        .store
        .users(who.user.clinic_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.public_id))
        .collect();
    let versions = st.store.versions(&who.actor(), id).await?;
    Ok(versions
        .into_iter()
        .map(|v| {
            let author = authors.get(&v.author_id).cloned();
            (v, author)
        })
        .collect())
}

/// Everything held on a patient (the patient or staff), audited as an export.
pub async fn export(st: &AppState, who: &Authed, id: i64) -> ApiResult<(Option<String>, Vec<Record>)> {
    visible_patient(st, who, id).await?;
    let rows = st.store.patient_records(&who.actor(), id).await?;
    let public = rows.iter().find(|r| r.id == id).map(|r| r.public_id.clone());
    Ok((public, rows))
}

/// A patient's conditions, screenings or courses.
pub async fn of_patient(st: &AppState, who: &Authed, kind: PatientChild, id: i64) -> ApiResult<Vec<Record>> {
    visible_patient(st, who, id).await?;
    Ok(st.store.children(&who.actor(), kind.kind(), id).await?)
}

/// Records a condition, screening or course of a patient (staff).
async fn add_to_patient<T: Validate + serde::Serialize>(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    kind: PatientChild,
    id: i64,
    input: T,
) -> ApiResult<Written> {
    staff_only(who)?;
    visible_patient(st, who, id).await?;
    let v = input.validate()?;
    let at = Placement {
        patient_id: Some(id),
        parent_id: Some(id),
    };
    write(st, who, key, kind.kind(), at, to_value(v), &[]).await
}

/// Records a diagnosed condition (staff).
pub async fn add_condition(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    id: i64,
    c: ConditionInput,
) -> ApiResult<Written> {
    add_to_patient(st, who, key, PatientChild::Condition, id, c).await
}

/// Records a DN4 screening (staff).
pub async fn add_screening(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    id: i64,
    s: ScreeningInput,
) -> ApiResult<Written> {
    add_to_patient(st, who, key, PatientChild::Screening, id, s).await
}

/// Starts a treatment course (staff). A course that names no practitioner
/// and is started by one is theirs (the owner's dashboard counts it for them).
pub async fn add_course(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    id: i64,
    mut c: CourseInput,
) -> ApiResult<Written> {
    if c.practitioner_id.is_none() && who.role() == Role::Practitioner {
        c.practitioner_id = Some(acumen_domain::PractitionerRef::Public(who.user.public_id.clone()));
    }
    add_to_patient(st, who, key, PatientChild::Course, id, c).await
}

/// Corrects a course (staff).
pub async fn update_course(st: &AppState, who: &Authed, id: i64, version: i64, c: CourseInput) -> ApiResult<Record> {
    staff_only(who)?;
    visible(st, who, "course", id).await?;
    let v = c.validate()?;
    Ok(st
        .store
        .update_record(&who.actor(), "course", id, version, to_value(v))
        .await?)
}

/// Reopens a course that has ended (staff): a new version with status
/// active and no end day or reason, audited as every correction is; the
/// chart's "Reopen" button. A course that is active is left as it is.
pub async fn reopen_course(st: &AppState, who: &Authed, id: i64) -> ApiResult<Record> {
    staff_only(who)?;
    let course = visible(st, who, "course", id).await?;
    if course.data.get("status").and_then(Value::as_str).unwrap_or("active") == "active" {
        return Ok(course);
    }
    let mut data = course.data.clone();
    if let Some(m) = data.as_object_mut() {
        m.insert("status".into(), Value::String("active".into()));
        m.remove("end");
        m.remove("end_reason");
    }
    let c: CourseInput =
        serde_json::from_value(data).map_err(|e| ApiError::Internal(format!("stored course {id}: {e}")))?;
    let v = c.validate()?;
    Ok(st
        .store
        .update_record(&who.actor(), "course", id, course.version, to_value(v))
        .await?)
}

/// The sessions or outcomes of a course, or the adverse events of a session.
pub async fn under(st: &AppState, who: &Authed, what: Under, id: i64) -> ApiResult<Vec<Record>> {
    let (parent, child) = what.kinds();
    visible(st, who, parent, id).await?;
    Ok(st.store.children(&who.actor(), child, id).await?)
}

/// Records an outcome of a course: staff, or the patient in their own diary
/// (whose outcomes are the patient's own report).
pub async fn add_outcome(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    id: i64,
    o: OutcomeInput,
) -> ApiResult<Written> {
    let course = visible(st, who, "course", id).await?;
    if who.role() == Role::Patient && o.source != "patient" {
        return Err(ApiError::Invalid(Invalid {
            errors: vec![FieldError {
                field: "source".into(),
                rule: "must be patient for a patient's own diary".into(),
            }],
        }));
    } else if who.role() != Role::Patient {
        staff_only(who)?;
    }
    let v = o.validate()?;
    let at = Placement {
        patient_id: course.patient_id,
        parent_id: Some(id),
    };
    write(st, who, key, "outcome", at, to_value(v), &[]).await
}

/// Records an adverse event of a session (staff).
pub async fn add_adverse(
    st: &AppState,
    who: &Authed,
    key: Option<IdemKey>,
    id: i64,
    a: AdverseEventInput,
) -> ApiResult<Written> {
    staff_only(who)?;
    let s = visible(st, who, "session", id).await?;
    super::corrections::not_voided(&s, "session")?;
    let v = a.validate()?;
    let at = Placement {
        patient_id: s.patient_id,
        parent_id: Some(id),
    };
    write(st, who, key, "adverse_event", at, to_value(v), &[]).await
}
