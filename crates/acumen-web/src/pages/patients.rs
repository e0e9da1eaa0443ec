//! The patient list (`GET /patients`): searched by name, year of birth,
//! record number or phone; sorted by name, year of birth or most recent;
//! fifty a page. Each row shows what tells apart two patients of one name.

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
    /// Record number.
    pub record: String,
    /// Phone.
    pub phone: String,
    /// Risk factors in a few words.
    pub flags: String,
}

#[derive(Template)]
#[template(path = "pages/patients.html")]
struct Patients {
    user: Option<UserView>,
    simulated: bool,
    q: String,
    sort: String,
    rows: Vec<PatientRow>,
    total: usize,
    first: usize,
    last: usize,
    prev: Option<String>,
    next: Option<String>,
    sorts: Vec<(String, String)>,
}

/// Patients a page.
pub const PAGE: usize = 50;

/// `?q=`
#[derive(Deserialize)]
pub struct Search {
    /// Name, year of birth, record number or phone.
    pub q: Option<String>,
    /// name (default), born or recent.
    pub sort: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
}

/// The list's address with a query.
fn href(q: &str, sort: &str, page: usize) -> String {
    let enc: String = q
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/patients?q={enc}&sort={sort}&page={page}")
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
    let sort = match s.sort.as_deref() {
        Some("born") => "born",
        Some("recent") => "recent",
        _ => "name",
    };
    match crate::service::records::patients(&st, &who, &q).await {
        Ok(mut list) => {
            match sort {
                "born" => list.sort_by_key(|p| p.data.get("year_of_birth").and_then(Value::as_i64).unwrap_or(0)),
                "recent" => list.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id))),
                _ => {}
            }
            let total = list.len();
            let pages = total.div_ceil(PAGE).max(1);
            let page = s.page.unwrap_or(1).clamp(1, pages);
            let start = (page - 1) * PAGE;
            let rows: Vec<PatientRow> = list
                .iter()
                .skip(start)
                .take(PAGE)
                .map(|p| PatientRow {
                    id: p.public_id.clone(),
                    name: patient_name(p),
                    born: p.data.get("year_of_birth").map(|y| y.to_string()).unwrap_or_default(),
                    record: super::banner::record_no(&p.public_id),
                    phone: super::layout::text(&p.data, "phone"),
                    flags: safety_words(p.data.get("safety").unwrap_or(&Value::Null)).join("; "),
                })
                .collect();
            render(&Patients {
                user: Some(UserView::of(&who)),
                simulated: st.demo,
                first: if total == 0 { 0 } else { start + 1 },
                last: start + rows.len(),
                prev: (page > 1).then(|| href(&q, sort, page - 1)),
                next: (page < pages).then(|| href(&q, sort, page + 1)),
                sorts: [("name", "name"), ("born", "year of birth"), ("recent", "most recent")]
                    .iter()
                    .map(|(k, w)| (k.to_string(), w.to_string()))
                    .collect(),
                sort: sort.into(),
                q,
                rows,
                total,
            })
        }
        Err(e) => error_page(e),
    }
}
