//! The patient list (`GET /patients`), searchable by name.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::layout::{error_page, patient_name, render, safety_words, to_login, UserView};
use crate::auth::Authed;
use crate::error::ApiError;
use crate::state::AppState;

/// A row of the patient list.
pub struct PatientRow {
    /// Public id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Year of birth.
    pub born: String,
    /// Risk factors in a few words.
    pub flags: String,
}

#[derive(Template)]
#[template(path = "pages/patients.html")]
struct Patients {
    user: Option<UserView>,
    simulated: bool,
    q: String,
    rows: Vec<PatientRow>,
    limit: usize,
}

/// `?q=`
#[derive(Deserialize)]
pub struct Search {
    /// Name text.
    pub q: Option<String>,
}

/// `GET /patients`
pub async fn patients(State(st): State<AppState>, who: Option<Authed>, Query(s): Query<Search>) -> Response {
    let Some(who) = who else { return to_login("/patients") };
    if !who.is_staff() {
        return error_page(ApiError::Forbidden("staff only".into()));
    }
    // Control characters are dropped and the search is cut at 200 characters.
    let q: String =
        s.q.unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
    let limit = 200;
    match crate::service::records::patients(&st, &who, &q).await {
        Ok(list) => {
            let rows = list
                .iter()
                .take(limit)
                .map(|p| PatientRow {
                    id: p.public_id.clone(),
                    name: patient_name(p),
                    born: p.data.get("year_of_birth").map(|y| y.to_string()).unwrap_or_default(),
                    flags: safety_words(p.data.get("safety").unwrap_or(&Value::Null)).join("; "),
                })
                .collect();
            render(&Patients {
                user: Some(UserView::of(&who)),
                simulated: st.demo,
                q,
                rows,
                limit,
            })
        }
        Err(e) => error_page(e),
    }
}
