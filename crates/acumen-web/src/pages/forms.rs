//! The record forms of the clinic pages and what every form shares: new
//! course and portal login here (patients in `patient_form.rs`, sessions
//! and adverse events in `session_forms.rs`), and `submit`, which reads a posted form as the
//! request body, calls the same service function as the JSON API (so the
//! rules, the safety checks and the audit are the same) and redirects, or
//! shows the form again with what was typed and the reasons.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::de::DeserializeOwned;
use serde_json::Value;

use acumen_domain::CourseInput;

use super::form::{f, posted, refused, shown, to_json, views, Field, FormPage, Kind, Posted};
use super::layout::{error_page, to_login, UserView};
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::service::records::{self as rec};
use crate::state::AppState;

fn course_fields() -> Vec<Field> {
    let conditions: Vec<(&str, &str)> = acumen_knowledge::conditions::CONDITIONS
        .iter()
        .map(|c| (c.code, c.name))
        .collect();
    vec![
        f("condition", "Condition treated", Kind::Select(conditions)),
        f(
            "style",
            "Style",
            Kind::Select(vec![
                ("tcm", "TCM"),
                ("japanese", "Japanese"),
                ("korean", "Korean"),
                ("western_medical", "Western medical"),
                ("five_element", "Five element"),
                ("auricular", "Auricular"),
                ("other", "other"),
            ]),
        ),
        f(
            "intent",
            "Intent",
            Kind::Select(vec![
                ("treatment", "treatment"),
                ("prevention", "prevention (during chemotherapy)"),
            ]),
        ),
        f("planned_sessions", "Planned sessions", Kind::Integer),
        f("sessions_per_week", "Sessions per week", Kind::Number),
        f("start", "Start date", Kind::Date),
        f("consent_version", "Consent form version", Kind::Text),
        Field {
            hint: "Blank: the clinic's schedule (sessions 6 and 12). Session numbers separated by commas, e.g. 4, 8",
            ..f(
                "follow_up_schedule.pgic_sessions",
                "Global impression of change (PGIC) at sessions",
                Kind::Text,
            )
        },
        Field {
            hint: "Blank: 4 weeks and 3 months after the course. Weeks or months separated by commas, e.g. 6w, 6m",
            ..f(
                "follow_up_schedule.follow_ups",
                "Follow-ups after the course",
                Kind::Text,
            )
        },
    ]
}

/// The course form's schedule fields as the API's `follow_up_schedule`
/// (comma-separated text to lists; both blank: the clinic's schedule).
fn schedule_of_form(v: &mut Value) -> Result<(), (String, String)> {
    let Some(s) = v.get_mut("follow_up_schedule").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let list = |t: Option<&Value>| -> Vec<String> {
        t.and_then(Value::as_str)
            .unwrap_or("")
            .split(',')
            .map(|x| x.trim().to_lowercase())
            .filter(|x| !x.is_empty())
            .collect()
    };
    let pgic = list(s.get("pgic_sessions"));
    let follow_ups = list(s.get("follow_ups"));
    let mut sessions = Vec::new();
    for x in &pgic {
        match x.parse::<u32>() {
            Ok(n) => sessions.push(n),
            Err(_) => {
                return Err((
                    "follow_up_schedule.pgic_sessions".into(),
                    format!("must be session numbers separated by commas, e.g. 4, 8; got '{x}'"),
                ))
            }
        }
    }
    let sessions = if pgic.is_empty() { vec![6, 12] } else { sessions };
    let follow_ups = if follow_ups.is_empty() {
        vec!["4w".to_string(), "3m".to_string()]
    } else {
        follow_ups
    };
    s.insert("pgic_sessions".into(), serde_json::json!(sessions));
    s.insert("follow_ups".into(), serde_json::json!(follow_ups));
    Ok(())
}

fn portal_fields() -> Vec<Field> {
    vec![
        f("email", "Patient's e-mail (login)", Kind::Email),
        f("name", "Name shown", Kind::Text),
        f("password", "First password (8 or more characters)", Kind::Text),
    ]
}

pub(crate) fn page(
    st: &AppState,
    who: &Authed,
    title: &str,
    action: String,
    cancel: String,
    fields: &[Field],
    p: &Posted,
) -> FormPage {
    FormPage {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        title: title.into(),
        banner: None,
        action,
        submit: "Save".into(),
        cancel,
        errors: vec![],
        fields: views(fields, p, &Default::default()),
        notes: vec![],
        hard_stop: false,
        hide: vec![],
        script: None,
    }
}

/// Reads the posted form as the API body `T`; a wrong shape is a field error.
fn body<T: DeserializeOwned>(
    fields: &[Field],
    p: &Posted,
    extra: impl FnOnce(&mut Value) -> Result<(), (String, String)>,
) -> Result<T, ApiError> {
    let (mut v, errors) = to_json(fields, p);
    let mut errs: Vec<acumen_domain::FieldError> = errors
        .into_iter()
        .map(|(field, rule)| acumen_domain::FieldError { field, rule })
        .collect();
    if let Err((field, rule)) = extra(&mut v) {
        errs.push(acumen_domain::FieldError { field, rule });
    }
    if let Err(e) = acumen_domain::hygiene::clean(&mut v) {
        errs.extend(e.errors);
    }
    if !errs.is_empty() {
        return Err(ApiError::Invalid(acumen_domain::Invalid { errors: errs }));
    }
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        ApiError::Invalid(acumen_domain::Invalid {
            errors: vec![serde_rule(&path, &e.into_inner().to_string())],
        })
    })
}

/// A serde message in a clinician's words, at the field it is about.
fn serde_rule(path: &str, msg: &str) -> acumen_domain::FieldError {
    let path = if path == "." { "" } else { path };
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or("").to_string();
    let join = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, rule) = if msg.starts_with("missing field") {
        (join(&quoted(msg)), "is required".to_string())
    } else if msg.starts_with("unknown field") {
        (join(&quoted(msg)), "is not a field of this form".to_string())
    } else if msg.starts_with("unknown variant") {
        (path.to_string(), "is not one of the choices".to_string())
    } else if msg.contains("expected u") || msg.contains("expected i") {
        (path.to_string(), "must be a whole number".to_string())
    } else if msg.contains("expected f") {
        (path.to_string(), "must be a number".to_string())
    } else {
        (path.to_string(), "is not valid here".to_string())
    };
    acumen_domain::FieldError { field, rule }
}

/// Parses the posted form as the body `T`, calls the service function with
/// it, and redirects to `to` on success or back to the form (`action`) with
/// what was typed and the messages.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn submit<T, R, F, Fut>(
    st: &AppState,
    who: &Authed,
    fields: &[Field],
    p: &Posted,
    extra: impl FnOnce(&mut Value) -> Result<(), (String, String)>,
    call: F,
    to: impl FnOnce(&R) -> String,
    action: &str,
) -> Response
where
    T: DeserializeOwned,
    F: FnOnce(T) -> Fut,
    Fut: std::future::Future<Output = ApiResult<R>>,
{
    let result = match body::<T>(fields, p, extra) {
        Ok(b) => done(call(b).await, to),
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| refused(st, who, action, p, e))
}

fn done<T>(r: ApiResult<T>, to: impl FnOnce(&T) -> String) -> Result<Response, ApiError> {
    Ok(Redirect::to(&to(&r?)).into_response())
}

/// A clinical form about patient `id`: with the patient banner, and the
/// refusal its last POST left, if any.
pub(crate) async fn with_banner(st: &AppState, who: &Authed, id: i64, mut pg: FormPage, fields: &[Field]) -> Response {
    match super::banner::banner(st, who, id).await {
        Ok(b) => {
            pg.banner = Some(b);
            shown(st, who, pg, fields)
        }
        Err(e) => error_page(e),
    }
}

/// The version a correction was started from (`?v=`).
#[derive(serde::Deserialize)]
pub struct Version {
    /// The version the form shows.
    pub v: Option<i64>,
}

/// The version a posted correction showed, or the page that says it is missing.
pub(crate) fn version_of(v: Option<i64>) -> Result<i64, Response> {
    v.ok_or_else(|| error_page(ApiError::BadRequest("the form's version (?v=) is missing".into())))
}

pub(crate) fn staff(who: &Option<Authed>, here: &str) -> Result<Authed, Response> {
    match who {
        None => Err(to_login(here)),
        Some(w) if !w.is_staff() => Err(error_page(ApiError::Forbidden("staff only".into()))),
        Some(w) => Ok(w.clone()),
    }
}

/// `GET /patients/{id}/courses/new`
pub async fn new_course(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/patients/{public}/courses/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if id == crate::access::NO_RECORD {
        return error_page(crate::error::ApiError::NotFound);
    }
    let mut p = Posted::new();
    p.insert("start".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    p.insert("consent_version".into(), vec!["v1".into()]);
    p.insert("sessions_per_week".into(), vec!["1".into()]);
    let fields = course_fields();
    let pg = page(
        &st,
        &who,
        "New treatment course",
        here,
        format!("/patients/{public}"),
        &fields,
        &p,
    );
    with_banner(&st, &who, id, pg, &fields).await
}

/// `POST /patients/{id}/courses/new`
pub async fn create_course(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/patients/{public}/courses/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let p = posted(pairs);
    let fields = course_fields();
    submit::<CourseInput, _, _, _>(
        &st,
        &who,
        &fields,
        &p,
        schedule_of_form,
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::add_course(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{public}"),
        &here,
    )
    .await
}

/// `GET /patients/{id}/portal` (admins): a portal login for the patient.
pub async fn new_portal(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/patients/{public}/portal");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if id == crate::access::NO_RECORD {
        return error_page(crate::error::ApiError::NotFound);
    }
    let fields = portal_fields();
    let pg = page(
        &st,
        &who,
        "Portal login for this patient",
        here,
        format!("/patients/{public}"),
        &fields,
        &Posted::new(),
    );
    with_banner(&st, &who, id, pg, &fields).await
}

/// `POST /patients/{id}/portal`
pub async fn create_portal(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/patients/{public}/portal");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let p = posted(pairs);
    let fields = portal_fields();
    let result = match body::<crate::service::accounts::CreateUser>(&fields, &p, |v| {
        v["role"] = Value::String("patient".into());
        v["patient_id"] = serde_json::json!(public);
        Ok(())
    }) {
        Ok(b) => match crate::service::records::patient(&st, &who, id).await {
            Ok(_) => done(crate::service::accounts::create_user(&st, &who, b).await, |_| {
                format!("/patients/{public}")
            }),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| refused(&st, &who, &here, &p, e))
}
