//! The record forms of the clinic pages: new patient, course, session (with
//! the point picker and live safety findings), adverse event, and a portal
//! login for a patient. Each calls the same service function as the JSON API, so
//! the rules, the safety checks and the audit are the same.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::de::DeserializeOwned;
use serde_json::Value;

use acumen_domain::{AdverseEventInput, CourseInput, PatientInput, SessionInput};

use super::form::{f, posted, refused, to_json, views, Field, FormPage, Kind, Posted};
use super::layout::{error_page, render, to_login, UserView};
use crate::access::visible;
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::service::records::{self as rec, Written};
use crate::AppState;

const YES_NO: [(&str, &str); 3] = [("no", "no"), ("yes", "yes"), ("unknown", "unknown")];

fn patient_fields() -> Vec<Field> {
    vec![
        f("given_name", "Given name", Kind::Text),
        f("family_name", "Family name", Kind::Text),
        f("year_of_birth", "Year of birth", Kind::Integer),
        f(
            "sex",
            "Sex",
            Kind::Select(vec![
                ("female", "female"),
                ("male", "male"),
                ("other", "other"),
                ("unknown", "unknown"),
            ]),
        ),
        f("email", "E-mail", Kind::Email),
        f("phone", "Phone", Kind::Text),
        f("safety.pregnancy", "Pregnant", Kind::Select(YES_NO.to_vec())),
        f("safety.pregnancy_date", "Pregnancy status recorded on", Kind::Date),
        f("safety.anticoagulant", "Takes an anticoagulant", Kind::Check),
        f(
            "safety.implanted_device",
            "Implanted electrical device (pacemaker, ...)",
            Kind::Check,
        ),
        f("safety.diabetes", "Diabetes", Kind::Check),
        f(
            "safety.reduced_sensation",
            "Reduced sensation",
            Kind::Multi(vec![("feet", "feet"), ("hands", "hands")]),
        ),
        f(
            "safety.lymphoedema",
            "Lymphoedema",
            Kind::Multi(vec![
                ("left_arm", "left arm"),
                ("right_arm", "right arm"),
                ("left_leg", "left leg"),
                ("right_leg", "right leg"),
            ]),
        ),
    ]
}

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
    ]
}

fn session_fields() -> Vec<Field> {
    vec![
        f("at", "Date", Kind::Date),
        f("number", "Session number", Kind::Integer),
        Field {
            path: "points",
            label: "Points, one per line: code, side, depth in mm, angle",
            kind: Kind::Area,
            hint: "e.g. \"LI4 bilateral\" or \"GB21 left 8 oblique\"; type a code, pinyin or region in the picker to add one",
        },
        f("stimulation", "Stimulation", Kind::Select(vec![("manual", "manual"), ("electrical", "electrical")])),
        f("electro.frequency_hz", "Electrical: frequency (Hz)", Kind::Number),
        f("electro.waveform", "Electrical: waveform", Kind::Text),
        f("retention_min", "Retention (minutes)", Kind::Number),
        f("deqi_sought", "De qi sought", Kind::Check),
        f("skin_check", "Skin check of feet and hands at this visit", Kind::Multi(vec![("none", "done, nothing found"), ("ulcer", "ulcer"), ("fissure", "fissure"), ("oedema", "oedema")])),
        f("rationale", "Rationale for the point selection", Kind::Area),
        f("override_reason", "Override a hard stop: reason (practitioners)", Kind::Area),
        f("note", "Note", Kind::Area),
    ]
}

fn adverse_fields() -> Vec<Field> {
    let types: Vec<(&str, &str)> = acumen_domain::AE_TYPES.iter().map(|t| (*t, *t)).collect();
    vec![
        f("type", "Type", Kind::Select(types)),
        f("description", "Description", Kind::Area),
        f(
            "severity",
            "Severity",
            Kind::Select(vec![("mild", "mild"), ("moderate", "moderate"), ("severe", "severe")]),
        ),
        f("ctcae_grade", "CTCAE grade (1-5)", Kind::Integer),
        f("serious", "Serious adverse event", Kind::Check),
        f(
            "causality",
            "Causality",
            Kind::Select(vec![
                ("unrelated", "unrelated"),
                ("unlikely", "unlikely"),
                ("possible", "possible"),
                ("probable", "probable"),
                ("definite", "definite"),
            ]),
        ),
        f("action", "Action taken", Kind::Text),
        f(
            "outcome",
            "Outcome",
            Kind::Select(vec![
                ("recovered", "recovered"),
                ("recovering", "recovering"),
                ("not_recovered", "not recovered"),
                ("sequelae", "sequelae"),
                ("fatal", "fatal"),
                ("unknown", "unknown"),
            ]),
        ),
        f("onset", "Onset", Kind::Date),
        f("resolved", "Resolved", Kind::Date),
    ]
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
        action,
        submit: "Save".into(),
        cancel,
        errors: vec![],
        fields: views(fields, p, &Default::default()),
        notes: vec![],
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
        let field = e.path().to_string();
        ApiError::Invalid(acumen_domain::Invalid {
            errors: vec![acumen_domain::FieldError {
                field,
                rule: e.into_inner().to_string(),
            }],
        })
    })
}

/// Parses the posted form as the body `T`, calls the API handler with it,
/// and redirects to `to` on success or shows `form` again with the messages.
pub(crate) async fn submit<T, F, Fut>(
    fields: &[Field],
    p: &Posted,
    extra: impl FnOnce(&mut Value) -> Result<(), (String, String)>,
    call: F,
    to: impl FnOnce(&Written) -> String,
    form: FormPage,
) -> Response
where
    T: DeserializeOwned,
    F: FnOnce(T) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Written>>,
{
    let result = match body::<T>(fields, p, extra) {
        Ok(b) => done(call(b).await, to),
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| refused(form, fields, p, e))
}

fn done<T>(r: ApiResult<T>, to: impl FnOnce(&T) -> String) -> Result<Response, ApiError> {
    Ok(Redirect::to(&to(&r?)).into_response())
}

pub(crate) fn staff(who: &Option<Authed>, here: &str) -> Result<Authed, Response> {
    match who {
        None => Err(to_login(here)),
        Some(w) if !w.is_staff() => Err(error_page(ApiError::Forbidden("staff only".into()))),
        Some(w) => Ok(w.clone()),
    }
}

/// `GET /patients/new`
pub async fn new_patient(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let who = match staff(&who, "/patients/new") {
        Ok(w) => w,
        Err(r) => return r,
    };
    render(&page(
        &st,
        &who,
        "New patient",
        "/patients/new".into(),
        "/patients".into(),
        &patient_fields(),
        &Posted::new(),
    ))
}

/// `POST /patients/new`
pub async fn create_patient(
    State(st): State<AppState>,
    who: Option<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let who = match staff(&who, "/patients/new") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let p = posted(pairs);
    let fields = patient_fields();
    submit::<PatientInput, _, _>(
        &fields,
        &p,
        |_| Ok(()),
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::create_patient(&st2, &who2, None, b).await }
        },
        |w| format!("/patients/{}", w.record.public_id),
        page(
            &st,
            &who,
            "New patient",
            "/patients/new".into(),
            "/patients".into(),
            &fields,
            &p,
        ),
    )
    .await
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
    render(&page(
        &st,
        &who,
        "New treatment course",
        here,
        format!("/patients/{public}"),
        &course_fields(),
        &p,
    ))
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
    submit::<CourseInput, _, _>(
        &fields,
        &p,
        |_| Ok(()),
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::add_course(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{public}"),
        page(
            &st,
            &who,
            "New treatment course",
            here,
            format!("/patients/{public}"),
            &fields,
            &p,
        ),
    )
    .await
}

/// Parses the point lines into the API's point objects.
fn points_from_lines(v: &mut Value) -> Result<(), (String, String)> {
    let text = v.get("points").and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let mut it = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty());
        let code = it.next().unwrap_or("").to_string();
        let side = it.next().unwrap_or("bilateral").to_string();
        let mut p = serde_json::json!({"code": code, "side": side});
        if let Some(d) = it.next() {
            let depth: f64 = d
                .trim_end_matches("mm")
                .parse()
                .map_err(|_| (format!("points[{i}].depth_mm"), format!("'{d}' must be a depth in mm")))?;
            p["depth_mm"] = serde_json::json!(depth);
        }
        if let Some(a) = it.next() {
            p["angle"] = serde_json::json!(a);
        }
        out.push(p);
    }
    v["points"] = Value::Array(out);
    if v.get("stimulation").and_then(Value::as_str) != Some("electrical") {
        if let Some(m) = v.as_object_mut() {
            m.remove("electro");
        }
    }
    Ok(())
}

fn session_page(st: &AppState, who: &Authed, course: &str, patient: &str, p: &Posted) -> FormPage {
    let mut pg = page(
        st,
        who,
        "New session",
        format!("/courses/{course}/sessions/new"),
        format!("/patients/{patient}"),
        &session_fields(),
        p,
    );
    pg.script = Some("/static/session.js".into());
    pg
}

/// The public id of a course's patient.
async fn patient_of(st: &AppState, who: &Authed, course: i64) -> Result<String, ApiError> {
    visible(st, who, "course", course)
        .await?
        .patient_public_id
        .ok_or(ApiError::NotFound)
}

/// `GET /courses/{id}/sessions/new`
pub async fn new_session(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/courses/{public}/sessions/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match patient_of(&st, &who, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e),
    };
    let next = st
        .store
        .children(&who.actor(), "session", id)
        .await
        .map(|s| s.len() + 1)
        .unwrap_or(1);
    let mut p = Posted::new();
    p.insert("at".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    p.insert("number".into(), vec![next.to_string()]);
    p.insert("retention_min".into(), vec!["20".into()]);
    render(&session_page(&st, &who, &public, &patient, &p))
}

/// `POST /courses/{id}/sessions/new`
pub async fn create_session(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/courses/{public}/sessions/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match patient_of(&st, &who, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e),
    };
    let p = posted(pairs);
    let fields = session_fields();
    submit::<SessionInput, _, _>(
        &fields,
        &p,
        points_from_lines,
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { crate::service::sessions::add_session(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{patient}"),
        session_page(&st, &who, &public, &patient, &p),
    )
    .await
}

/// `GET /sessions/{id}/adverse-events/new`
pub async fn new_adverse(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let here = format!("/sessions/{public}/adverse-events/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match visible(&st, &who, "session", id).await {
        Ok(s) => s.patient_public_id.clone().unwrap_or_default(),
        Err(e) => return error_page(e),
    };
    let mut p = Posted::new();
    p.insert("onset".into(), vec![time::OffsetDateTime::now_utc().date().to_string()]);
    p.insert("ctcae_grade".into(), vec!["1".into()]);
    render(&page(
        &st,
        &who,
        "New adverse event",
        here,
        format!("/patients/{patient}"),
        &adverse_fields(),
        &p,
    ))
}

/// `POST /sessions/{id}/adverse-events/new`
pub async fn create_adverse(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/sessions/{public}/adverse-events/new");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let patient = match visible(&st, &who, "session", id).await {
        Ok(s) => s.patient_public_id.clone().unwrap_or_default(),
        Err(e) => return error_page(e),
    };
    let p = posted(pairs);
    let fields = adverse_fields();
    submit::<AdverseEventInput, _, _>(
        &fields,
        &p,
        |_| Ok(()),
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::add_adverse(&st2, &who2, None, id, b).await }
        },
        |_| format!("/patients/{patient}"),
        page(
            &st,
            &who,
            "New adverse event",
            here.clone(),
            format!("/patients/{patient}"),
            &fields,
            &p,
        ),
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
    render(&page(
        &st,
        &who,
        "Portal login for this patient",
        here,
        format!("/patients/{public}"),
        &portal_fields(),
        &Posted::new(),
    ))
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
        Ok(b) => match crate::access::visible_patient(&st, &who, id).await {
            Ok(_) => done(crate::service::accounts::create_user(&st, &who, b).await, |_| {
                format!("/patients/{public}")
            }),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| {
        refused(
            page(
                &st,
                &who,
                "Portal login for this patient",
                here.clone(),
                format!("/patients/{public}"),
                &fields,
                &p,
            ),
            &fields,
            &p,
            e,
        )
    })
}
