//! A patient's history forms: diagnosed conditions and DN4 screenings
//! (10 items: 7 asked, 3 examined), posted to the API's own handlers.

use axum::extract::State;
use axum::response::Response;
use axum::Form;
use serde_json::Value;

use acumen_domain::{ConditionInput, ScreeningInput};

use super::form::{f, posted, Field, Kind, Posted};
use super::forms::{page, staff, submit, with_banner};
use crate::access::Pid;
use crate::auth::Authed;
use crate::state::AppState;

fn condition_fields() -> Vec<Field> {
    let conditions: Vec<(&str, &str)> = acumen_knowledge::conditions::CONDITIONS
        .iter()
        .map(|c| (c.code, c.name))
        .collect();
    let regions: Vec<(&str, &str)> = acumen_knowledge::conditions::REGIONS.iter().map(|r| (*r, *r)).collect();
    vec![
        f("code", "Condition", Kind::Select(conditions)),
        f("regions", "Affected regions", Kind::Multi(regions)),
        f("diagnosed", "Diagnosed on", Kind::Date),
    ]
}

/// The DN4 items (Bouhassira et al. 2005; wording of the NHS form in the research notes).
const INTERVIEW: [&str; 7] = [
    "Burning",
    "Painful cold",
    "Electric shocks",
    "Tingling",
    "Pins and needles",
    "Numbness",
    "Itching",
];
const EXAMINATION: [&str; 3] = [
    "Hypoaesthesia to touch",
    "Hypoaesthesia to pinprick",
    "Pain caused or increased by brushing",
];
const I_PATHS: [&str; 7] = ["dn4.i1", "dn4.i2", "dn4.i3", "dn4.i4", "dn4.i5", "dn4.i6", "dn4.i7"];
const E_PATHS: [&str; 3] = ["dn4.e1", "dn4.e2", "dn4.e3"];

fn screening_fields() -> Vec<Field> {
    let mut v = vec![f("date", "Date", Kind::Date)];
    for (p, l) in I_PATHS.iter().zip(INTERVIEW) {
        v.push(f(p, l, Kind::Check));
    }
    v.push(f("dn4.examined", "Examination done (items 8-10)", Kind::Check));
    for (p, l) in E_PATHS.iter().zip(EXAMINATION) {
        v.push(f(p, l, Kind::Check));
    }
    v
}

/// The ticked DN4 boxes as the API's `interview` and `examination` arrays.
fn dn4_arrays(v: &mut Value) -> Result<(), (String, String)> {
    let d = v.get("dn4").cloned().unwrap_or(Value::Null);
    let item = |k: &str| Value::Bool(d.get(k).and_then(Value::as_bool).unwrap_or(false));
    v["interview"] = Value::Array(
        ["i1", "i2", "i3", "i4", "i5", "i6", "i7"]
            .iter()
            .map(|k| item(k))
            .collect(),
    );
    v["examination"] = if d.get("examined").and_then(Value::as_bool) == Some(true) {
        Value::Array(["e1", "e2", "e3"].iter().map(|k| item(k)).collect())
    } else {
        Value::Null
    };
    if let Some(m) = v.as_object_mut() {
        m.remove("dn4");
    }
    Ok(())
}

fn today() -> Posted {
    let mut p = Posted::new();
    let d = time::OffsetDateTime::now_utc().date().to_string();
    p.insert("date".into(), vec![d.clone()]);
    p.insert("diagnosed".into(), vec![d]);
    p
}

/// `GET /patients/{id}/conditions/new`
pub async fn new_condition(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/patients/{public}/conditions/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if id == crate::access::NO_RECORD {
        return super::layout::error_page(crate::error::ApiError::NotFound);
    }
    with_banner(
        &st,
        &who,
        id,
        page(
            &st,
            &who,
            "Add a condition",
            here,
            format!("/patients/{public}"),
            &condition_fields(),
            &today(),
        ),
        &condition_fields(),
    )
    .await
}

/// `POST /patients/{id}/conditions/new`
pub async fn create_condition(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/patients/{public}/conditions/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (p, fields) = (posted(pairs), condition_fields());
    let (st2, who2) = (st.clone(), who.clone());
    submit::<ConditionInput, _, _, _>(
        &st,
        &who,
        &fields,
        &p,
        |_| Ok(()),
        |b| async move { crate::service::records::add_condition(&st2, &who2, None, id, b).await },
        |_| format!("/patients/{public}"),
        &here,
    )
    .await
}

/// `GET /patients/{id}/screenings/new`
pub async fn new_screening(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/patients/{public}/screenings/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if id == crate::access::NO_RECORD {
        return super::layout::error_page(crate::error::ApiError::NotFound);
    }
    with_banner(
        &st,
        &who,
        id,
        page(
            &st,
            &who,
            "DN4 screening",
            here,
            format!("/patients/{public}"),
            &screening_fields(),
            &today(),
        ),
        &screening_fields(),
    )
    .await
}

/// `POST /patients/{id}/screenings/new`
pub async fn create_screening(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/patients/{public}/screenings/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (p, fields) = (posted(pairs), screening_fields());
    let (st2, who2) = (st.clone(), who.clone());
    submit::<ScreeningInput, _, _, _>(
        &st,
        &who,
        &fields,
        &p,
        dn4_arrays,
        |b| async move { crate::service::records::add_screening(&st2, &who2, None, id, b).await },
        |_| format!("/patients/{public}"),
        &here,
    )
    .await
}
