//! The living answers of a clinic: computed from its non-identifying
//! record kinds off the async executor, for the clinic's own users or, when
//! an admin has made the page public, for anyone (aggregate figures only,
//! with the same small-number suppression); and the admin's switch.

use serde::{Deserialize, Serialize};

use acumen_analytics::answers::{answers, Answers, ClinicRef};
use acumen_analytics::evidence::AddedTrial;
use acumen_analytics::records::{assemble, RawRecord};
use acumen_store::Store;

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub use super::snapshot::KINDS;

/// A clinic's courses, sessions, outcomes and adverse events (not voided)
/// as the analytics read them.
pub async fn raw_records(store: &dyn Store, clinic_id: i64) -> ApiResult<Vec<RawRecord>> {
    let records = store.clinic_records(clinic_id, &KINDS).await?;
    Ok(records
        .into_iter()
        .map(|r| RawRecord {
            id: r.id,
            kind: r.kind,
            patient_id: r.patient_id,
            parent_id: r.parent_id,
            data: r.data,
        })
        .collect())
}

/// The answers of a clinic from its records: the server's kept snapshot
/// (see [`super::snapshot`]), and the answers kept with it for the day.
pub async fn compute(st: &AppState, clinic_id: i64) -> ApiResult<Answers> {
    let clinic = st.store.clinic(clinic_id).await?;
    let snap = st.snapshots.of(st.store.as_ref(), clinic_id).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let clinic_ref = ClinicRef {
        code: clinic.code.clone(),
        name: clinic.name.clone(),
    };
    let mut a = match st.snapshots.answers(clinic_id, snap.generation, today) {
        Some(mut a) => {
            // The clinic's name is not a record: always the current one.
            a.clinic = clinic_ref;
            a
        }
        None => {
            let mut a = figures(clinic_ref, clinic_id, clinic.demo, snap.raw.clone(), Vec::new()).await?;
            a.completion = completion_of(&snap.raw, today);
            st.snapshots.keep_answers(clinic_id, snap.generation, today, &a);
            a
        }
    };
    // The evidence project is read each time: a version an admin marks
    // reviewed shows at once (not a record, so not in the snapshot).
    super::project_answers::attach(st, clinic_id, &mut a).await;
    Ok(a)
}

/// Computes the answers of a clinic, with trials a user adds to the evidence.
pub async fn compute_with(store: &dyn Store, clinic_id: i64, added: Vec<AddedTrial>) -> ApiResult<Answers> {
    let clinic = store.clinic(clinic_id).await?;
    let raw = std::sync::Arc::new(raw_records(store, clinic_id).await?);
    let clinic_ref = ClinicRef {
        code: clinic.code.clone(),
        name: clinic.name,
    };
    let today = time::OffsetDateTime::now_utc().date();
    let mut a = figures(clinic_ref, clinic_id, clinic.demo, raw.clone(), added).await?;
    a.completion = completion_of(&raw, today);
    Ok(a)
}

/// Follow-up completion per scheduled timepoint over every course.
fn completion_of(raw: &[RawRecord], today: time::Date) -> Vec<serde_json::Value> {
    let courses = raw.iter().filter(|r| r.kind == "course").map(|r| r.id).collect();
    acumen_analytics::owner::completion_by_timepoint(raw, &courses, today)
}

/// The answers of the records, computed off the async executor.
async fn figures(
    clinic_ref: ClinicRef,
    clinic_id: i64,
    demo: bool,
    raw: std::sync::Arc<Vec<RawRecord>>,
    added: Vec<AddedTrial>,
) -> ApiResult<Answers> {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    tokio::task::spawn_blocking(move || {
        let data = assemble(&raw);
        if data.unreadable > 0 {
            tracing::warn!(
                clinic = clinic_id,
                unreadable = data.unreadable,
                "records skipped by the answers"
            );
        }
        answers(clinic_ref, now, demo, &data.courses, &added)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("answers task: {e}")))
}

/// `?clinic=` of a public page.
#[derive(Deserialize)]
pub struct Which {
    /// The clinic's code.
    pub clinic: Option<String>,
}

/// The clinic whose answers the caller may see: their own, or one whose
/// answers page is public (any other code is "not found").
pub async fn allowed_clinic(st: &AppState, who: Option<Authed>, which: Option<String>) -> ApiResult<i64> {
    let asked = match which {
        Some(code) => match st.store.clinic_by_code(&code).await {
            Ok(c) => Some(c),
            Err(_) => return Err(ApiError::NotFound),
        },
        None => None,
    };
    if let Some(a) = &who {
        if asked.as_ref().is_none_or(|c| c.id == a.user.clinic_id) {
            return Ok(a.user.clinic_id);
        }
    }
    match asked {
        None => Err(ApiError::Unauthorized),
        Some(c) if c.answers_public => Ok(c.id),
        Some(_) => Err(ApiError::NotFound),
    }
}

/// A clinic as its users see it.
#[derive(Debug, Serialize)]
pub struct ClinicView {
    /// The login code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Whether it is a simulated demo clinic.
    pub demo: bool,
    /// Whether its answers page is public.
    pub answers_public: bool,
}

/// The caller's clinic.
pub async fn clinic(st: &AppState, who: &Authed) -> ApiResult<ClinicView> {
    let c = st.store.clinic(who.user.clinic_id).await?;
    Ok(ClinicView {
        code: c.code,
        name: c.name,
        demo: c.demo,
        answers_public: c.answers_public,
    })
}

/// Makes the clinic's answers page public or not (admins); audited.
pub async fn set_public(st: &AppState, who: &Authed, public: bool) -> ApiResult<ClinicView> {
    crate::access::admin_only(who, "only an admin decides whether the answers page is public")?;
    st.store.set_answers_public(&who.actor(), public).await?;
    clinic(st, who).await
}
