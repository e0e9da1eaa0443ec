//! The patient banner every clinical form and the chart show, so that a
//! note never lands on the wrong patient: name, year of birth, record
//! number, the active course, the safety flags and the safety items not
//! yet recorded (with the way to record them).

use serde_json::Value;

use acumen_store::Record;

use super::layout::{patient_name, safety_words, stored_profile, text};
use crate::access::{staff_only, visible_patient};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::state::AppState;

/// The short record number shown and searched: the first 8 hex digits of
/// the patient's public id (random, so unique within any clinic's size in
/// practice; the search also takes the whole id).
pub fn record_no(public_id: &str) -> String {
    public_id.chars().take(8).collect()
}

/// The banner.
pub struct Banner {
    /// The chart's address.
    pub href: String,
    /// Given and family name.
    pub name: String,
    /// Year of birth.
    pub born: String,
    /// Record number.
    pub record: String,
    /// The active course in a few words ("none active" otherwise).
    pub course: String,
    /// Safety flags in words.
    pub flags: Vec<String>,
    /// Safety-profile items not recorded, in words.
    pub not_recorded: Vec<String>,
}

/// A course in a few words: "Painful diabetic neuropathy, from 2026-11-02".
pub fn course_words(c: &Value) -> String {
    let code = text(c, "condition");
    let name = acumen_knowledge::conditions::condition(&code).map_or(code.replace('_', " "), |k| k.name.to_string());
    format!("{name}, from {}", text(c, "start"))
}

impl Banner {
    /// The banner of a patient with their courses.
    pub fn of(p: &Record, courses: &[Record]) -> Banner {
        let active: Vec<String> = courses
            .iter()
            .filter(|c| text(&c.data, "status") == "active" || c.data.get("status").is_none())
            .map(|c| course_words(&c.data))
            .collect();
        Banner {
            href: format!("/patients/{}", p.public_id),
            name: patient_name(p),
            born: p.data.get("year_of_birth").map(|y| y.to_string()).unwrap_or_default(),
            record: record_no(&p.public_id),
            course: if active.is_empty() {
                "no active course".into()
            } else {
                active.join("; ")
            },
            flags: safety_words(p.data.get("safety").unwrap_or(&Value::Null)),
            not_recorded: stored_profile(p.data.get("safety").unwrap_or(&Value::Null))
                .not_recorded()
                .into_iter()
                .map(str::to_string)
                .collect(),
        }
    }
}

/// Reads the banner of patient `id` (staff).
pub async fn banner(st: &AppState, who: &Authed, id: i64) -> ApiResult<Banner> {
    staff_only(who)?;
    let p = visible_patient(st, who, id).await?;
    let courses = st.store.children(&who.actor(), "course", id).await?;
    Ok(Banner::of(&p, &courses))
}
