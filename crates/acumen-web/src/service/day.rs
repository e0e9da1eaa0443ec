//! What a day at the clinic reads: the staff's dashboard (the clinic, its
//! non-identifying records and its patients' names), a patient's own diary
//! (their latest active course and its outcomes), and the patient a course
//! belongs to (for a form's title).

use serde_json::Value;

use acumen_domain::Role;
use acumen_store::{Clinic, Record};

use crate::access::{staff_only, visible};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The dashboard's reading of the clinic.
pub struct ClinicDay {
    /// The clinic.
    pub clinic: Clinic,
    /// Its courses, sessions, outcomes and adverse events.
    pub records: crate::service::snapshot::Snapshot,
    /// Its patients (for their names).
    pub patients: Vec<Record>,
}

/// The clinic as the dashboard shows it (staff).
pub async fn clinic_day(st: &AppState, who: &Authed) -> ApiResult<ClinicDay> {
    staff_only(who)?;
    let clinic = st.store.clinic(who.user.clinic_id).await?;
    let records = st.snapshots.of(st.store.as_ref(), clinic.id).await?;
    let patients = st.store.patients(&who.actor(), "").await?;
    Ok(ClinicDay {
        clinic,
        records,
        patients,
    })
}

/// The patient a course belongs to.
pub async fn course_patient(st: &AppState, who: &Authed, course_id: i64) -> ApiResult<Record> {
    let course = visible(st, who, "course", course_id).await?;
    let pid = course.patient_id.ok_or(ApiError::NotFound)?;
    Ok(st.store.record(&who.actor(), "patient", pid).await?)
}

/// The caller's own latest active course (patients), if any.
pub async fn my_active_course(st: &AppState, who: &Authed) -> ApiResult<Option<i64>> {
    if who.role() != Role::Patient {
        return Err(ApiError::Forbidden("the diary is for patients".into()));
    }
    let Some(pid) = who.user.patient_id else {
        return Ok(None);
    };
    let courses = st.store.children(&who.actor(), "course", pid).await?;
    Ok(courses
        .iter()
        .rev()
        .find(|c| c.data.get("status").and_then(Value::as_str) == Some("active"))
        .map(|c| c.id))
}

/// The caller's own courses (patients), oldest first.
pub async fn my_courses(st: &AppState, who: &Authed) -> ApiResult<Vec<Record>> {
    if who.role() != Role::Patient {
        return Err(ApiError::Forbidden("the diary is for patients".into()));
    }
    let Some(pid) = who.user.patient_id else {
        return Ok(vec![]);
    };
    Ok(st.store.children(&who.actor(), "course", pid).await?)
}

/// Saves the caller's diary answers of one day on their course: an answer
/// to a scale already answered that day by the patient replaces it (a new
/// version of that outcome), so today's entry can be corrected; others are
/// new outcomes. Every answer was validated by the caller first.
pub async fn save_diary(
    st: &AppState,
    who: &Authed,
    course: i64,
    answers: Vec<acumen_domain::OutcomeInput>,
) -> ApiResult<usize> {
    let existing = st.store.children(&who.actor(), "outcome", course).await?;
    let mut n = 0;
    for a in answers {
        let same = existing.iter().find(|o| {
            let t = |k: &str| o.data.get(k).and_then(Value::as_str).unwrap_or("");
            t("instrument") == a.instrument
                && t("date") == a.date
                && t("source") == "patient"
                && t("timepoint") == "follow_up"
        });
        match same {
            Some(o) => {
                let v = acumen_domain::Validate::validate(a)?;
                let data = serde_json::to_value(v).map_err(|e| ApiError::Internal(format!("diary: {e}")))?;
                st.store
                    .update_record(&who.actor(), "outcome", o.id, o.version, data)
                    .await?;
            }
            None => {
                crate::service::records::add_outcome(st, who, None, course, a).await?;
            }
        }
        n += 1;
    }
    Ok(n)
}

/// The caller's own active course with its outcomes (patients), if any.
pub async fn my_diary(st: &AppState, who: &Authed) -> ApiResult<Option<(i64, Vec<Record>)>> {
    match my_active_course(st, who).await? {
        Some(course) => Ok(Some((
            course,
            st.store.children(&who.actor(), "outcome", course).await?,
        ))),
        None => Ok(None),
    }
}
