//! Everything a patient's chart shows, read in one pass after one
//! visibility check (staff): the patient, conditions, screenings, and each
//! course with its outcomes and sessions (each with its adverse events),
//! and what of them was voided.

use acumen_store::Record;

use crate::access::{staff_only, visible_patient};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::state::AppState;

/// A course and what hangs from it.
pub struct CourseChart {
    /// The course.
    pub course: Record,
    /// Its outcomes, in order.
    pub outcomes: Vec<Record>,
    /// Its sessions, each with its adverse events.
    pub sessions: Vec<(Record, Vec<Record>)>,
    /// Its voided sessions and outcomes, and the voided adverse events of
    /// its sessions: kept and shown with their reasons, in no figure.
    pub voided: Vec<Record>,
}

/// A patient's chart.
pub struct Chart {
    /// The patient.
    pub patient: Record,
    /// Conditions.
    pub conditions: Vec<Record>,
    /// DN4 screenings.
    pub screenings: Vec<Record>,
    /// Courses.
    pub courses: Vec<CourseChart>,
}

/// Reads a patient's chart.
pub async fn chart(st: &AppState, who: &Authed, id: i64) -> ApiResult<Chart> {
    staff_only(who)?;
    let patient = visible_patient(st, who, id).await?;
    let actor = who.actor();
    let conditions = st.store.children(&actor, "condition", id).await?;
    let screenings = st.store.children(&actor, "screening", id).await?;
    let mut courses = Vec::new();
    for course in st.store.children(&actor, "course", id).await? {
        let outcomes = st.store.children(&actor, "outcome", course.id).await?;
        let mut voided = st.store.voided_children(&actor, "session", course.id).await?;
        voided.extend(st.store.voided_children(&actor, "outcome", course.id).await?);
        let mut sessions = Vec::new();
        for s in st.store.children(&actor, "session", course.id).await? {
            let events = st.store.children(&actor, "adverse_event", s.id).await?;
            voided.extend(st.store.voided_children(&actor, "adverse_event", s.id).await?);
            sessions.push((s, events));
        }
        courses.push(CourseChart {
            course,
            outcomes,
            sessions,
            voided,
        });
    }
    Ok(Chart {
        patient,
        conditions,
        screenings,
        courses,
    })
}
