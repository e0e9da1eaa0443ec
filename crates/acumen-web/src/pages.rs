//! Server-rendered pages (askama, `templates/pages/`): log in and out, the
//! clinic dashboard, the patient list and chart. They use the same session
//! cookie, tenancy checks and store calls as the JSON API; a visitor without
//! a valid session is sent to the login page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::Value;

use acumen_plot::{chart_svg, Chart, Join, RefLine};
use acumen_store::Record;

use crate::access::visible_patient;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::ids::Pid;
use crate::records::out;
use crate::users::{start_session, ClientAddr};
use crate::AppState;

/// The signed-in user as the layout shows it.
pub struct UserView {
    /// Display name.
    pub name: String,
    /// Clinic staff (admin, practitioner).
    pub staff: bool,
    /// A patient using the portal.
    pub patient: bool,
}

impl UserView {
    /// From the authenticated caller.
    pub fn of(who: &Authed) -> Self {
        UserView {
            name: who.user.name.clone(),
            staff: who.is_staff(),
            patient: who.role() == acumen_domain::Role::Patient,
        }
    }
}

/// Renders a template, or a plain 500 page (logged) if it fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::Internal(format!("template: {e}")).into_response(),
    }
}

/// Where an anonymous visitor goes.
pub fn to_login(next: &str) -> Response {
    let next: String = next
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "/?=&-_".contains(*c))
        .collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// An error page for a page request (not JSON).
pub fn error_page(e: ApiError) -> Response {
    let (status, text) = match &e {
        ApiError::NotFound => (axum::http::StatusCode::NOT_FOUND, "Not found."),
        ApiError::Forbidden(_) => (axum::http::StatusCode::FORBIDDEN, "You may not see this page."),
        ApiError::Busy => (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "An analysis of yours is still running; wait for it to finish.",
        ),
        ApiError::Overloaded => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "The server is busy with other analyses; try again in a minute.",
        ),
        _ => return e.into_response(),
    };
    (status, Html(format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{text}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main id=\"main\"><h1>{text}</h1><p><a href=\"/\">Back</a></p></main></body></html>"))).into_response()
}

/// `GET /static/session.js`: the point picker and live safety findings.
pub async fn session_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/session.js"),
    )
        .into_response()
}

/// `GET /static/app.css` (vendored; no CDN).
pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/app.css"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    user: Option<UserView>,
    simulated: bool,
    error: Option<String>,
    next: String,
    clinic: String,
    email: String,
}

/// `?next=` (and `?clinic=`) of the login page.
#[derive(Deserialize)]
pub struct Next {
    /// Path to return to.
    pub next: Option<String>,
    /// The clinic's code, to fill in.
    pub clinic: Option<String>,
}

use crate::security::safe_next;

/// `GET /login`
pub async fn login_form(State(st): State<AppState>, Query(n): Query<Next>) -> Response {
    let clinic = match n.clinic {
        Some(c) => c
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(60)
            .collect(),
        None => crate::users::sole_clinic(&st).await.ok().flatten().unwrap_or_default(),
    };
    render(&LoginPage {
        user: None,
        simulated: st.demo,
        error: None,
        next: safe_next(n.next.as_deref()),
        clinic,
        email: String::new(),
    })
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    /// The clinic's code.
    #[serde(default)]
    pub clinic: String,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// Where to go next.
    pub next: Option<String>,
}

/// `POST /login`
pub async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let old = crate::auth::cookie_in(&headers);
    match start_session(&st, &addr, Some(&f.clinic), &f.email, &f.password, old).await {
        Ok((user, cookie)) => {
            let dest = if crate::access::role_of(&user.role) == acumen_domain::Role::Patient {
                "/diary".to_string()
            } else {
                safe_next(f.next.as_deref())
            };
            ([(header::SET_COOKIE, cookie)], Redirect::to(&dest)).into_response()
        }
        Err(e) => {
            let (status, msg) = match e {
                ApiError::TooMany(secs) => (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    format!("Too many failed logins; try again in {} minute(s).", (secs + 59) / 60),
                ),
                ApiError::Unauthorized => (
                    axum::http::StatusCode::UNAUTHORIZED,
                    "Clinic code, e-mail or password is not right.".to_string(),
                ),
                other => return other.into_response(),
            };
            let page = LoginPage {
                user: None,
                simulated: st.demo,
                error: Some(msg),
                next: safe_next(f.next.as_deref()),
                clinic: f.clinic,
                email: f.email,
            };
            (status, render(&page)).into_response()
        }
    }
}

/// `POST /logout`
pub async fn logout(State(st): State<AppState>, who: Option<Authed>, headers: axum::http::HeaderMap) -> Response {
    if let Some(who) = who {
        let _ = crate::users::logout(State(st), who, headers).await;
    }
    (
        [(header::SET_COOKIE, crate::users::clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

/// A text field of a JSON object ("" when absent).
pub fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

/// "Given Family".
pub fn patient_name(p: &Record) -> String {
    format!("{} {}", text(&p.data, "given_name"), text(&p.data, "family_name"))
}

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

/// Risk factors of a stored safety profile, in words.
pub fn safety_words(s: &Value) -> Vec<String> {
    let on = |k: &str| s.get(k).and_then(Value::as_bool).unwrap_or(false);
    let mut v = Vec::new();
    if s.get("pregnancy").and_then(Value::as_str) == Some("yes") {
        v.push(format!("pregnant (recorded {})", text(s, "pregnancy_date")));
    }
    for (k, w) in [
        ("anticoagulant", "takes an anticoagulant"),
        ("implanted_device", "implanted electrical device"),
        ("diabetes", "diabetes"),
    ] {
        if on(k) {
            v.push(w.to_string());
        }
    }
    for (k, w) in [
        ("reduced_sensation", "reduced sensation"),
        ("lymphoedema", "lymphoedema"),
    ] {
        if let Some(a) = s.get(k).and_then(Value::as_array).filter(|a| !a.is_empty()) {
            let parts: Vec<String> = a
                .iter()
                .filter_map(Value::as_str)
                .map(|x| x.replace('_', " "))
                .collect();
            v.push(format!("{w}: {}", parts.join(", ")));
        }
    }
    if s.get("bleeding_disorder").is_some_and(|b| !b.is_null()) {
        v.push("bleeding disorder".into());
    }
    if s.get("chemotherapy").is_some_and(|c| !c.is_null()) {
        v.push("chemotherapy".into());
    }
    v
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
    match st.store.patients(&who.actor(), q.trim()).await {
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
        Err(e) => error_page(e.into()),
    }
}

/// " on 2026-12-01 (reason)" for a course that ended, else "".
fn course_end(data: &serde_json::Value) -> String {
    let end = data.get("end").and_then(|v| v.as_str());
    let reason = data
        .get("end_reason")
        .and_then(|v| v.as_str())
        .filter(|r| !r.is_empty());
    match (end, reason) {
        (Some(e), Some(r)) => format!(" on {e} ({r})"),
        (Some(e), None) => format!(" on {e}"),
        (None, Some(r)) => format!(" ({r})"),
        (None, None) => String::new(),
    }
}

/// A course on the chart.
pub struct CourseView {
    /// Public id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// One line.
    pub summary: String,
    /// Pain chart (SVG made by the plot crate).
    pub chart: String,
    /// Caption.
    pub caption: String,
    /// Sessions.
    pub sessions: Vec<SessionRow>,
}

/// A session in the course table.
pub struct SessionRow {
    /// Public id.
    pub id: String,
    /// Number.
    pub number: String,
    /// Date.
    pub date: String,
    /// Points.
    pub points: String,
    /// Safety findings in a few words.
    pub safety: String,
    /// Adverse events recorded.
    pub events: usize,
}

#[derive(Template)]
#[template(path = "pages/patient.html")]
struct PatientPage {
    user: Option<UserView>,
    simulated: bool,
    id: String,
    admin: bool,
    name: String,
    born: String,
    sex: String,
    safety: Vec<String>,
    conditions: Vec<String>,
    screenings: Vec<String>,
    courses: Vec<CourseView>,
}

/// The pain chart of a course: NRS by session with the baseline, the 30%
/// and 50% response lines and PGIC marks.
pub fn pain_chart(outcomes: &[Record]) -> (String, String) {
    let num = |o: &Record, k: &str| o.data.get(k).and_then(Value::as_f64);
    let is_pain = |o: &Record| text(&o.data, "instrument") == "nrs_average";
    let baseline = outcomes
        .iter()
        .filter(|o| is_pain(o) && text(&o.data, "timepoint") == "baseline")
        .filter_map(|o| num(o, "value"))
        .next_back();
    let mut points: Vec<(f64, f64)> = outcomes
        .iter()
        .filter(|o| is_pain(o) && text(&o.data, "timepoint") == "session")
        .filter_map(|o| Some((num(o, "session_number")?, num(o, "value")?)))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some(b) = baseline {
        points.insert(0, (0.0, b));
    }
    let marks: Vec<(f64, String)> = outcomes
        .iter()
        .filter(|o| text(&o.data, "instrument") == "pgic")
        .filter_map(|o| Some((num(o, "session_number")?, format!("PGIC {}", num(o, "value")?))))
        .collect();
    let mut refs = Vec::new();
    if let Some(b) = baseline {
        refs.push(RefLine {
            y: b,
            label: format!("baseline {b}"),
            dashed: false,
        });
        refs.push(RefLine {
            y: b * 0.7,
            label: "30% lower".into(),
            dashed: true,
        });
        refs.push(RefLine {
            y: b * 0.5,
            label: "50% lower".into(),
            dashed: true,
        });
    }
    let caption = match baseline {
        Some(b) => format!("Average pain (0-10) at each session; baseline {b}, with the 30% and 50% response lines."),
        None => "Average pain (0-10) at each session; no baseline recorded yet.".into(),
    };
    let svg = chart_svg(&Chart {
        title: caption.clone(),
        points,
        band: vec![],
        join: Join::Lines,
        marks,
        refs,
        y_range: (0.0, 10.0),
        xlab: "Session (0 = baseline)".into(),
        ylab: "Pain (NRS 0-10)".into(),
    });
    (svg, caption)
}

/// `GET /patients/{id}`
pub async fn patient(State(st): State<AppState>, who: Option<Authed>, Pid(id, public): Pid) -> Response {
    let Some(who) = who else {
        return to_login(&format!("/patients/{public}"));
    };
    if !who.is_staff() {
        return error_page(ApiError::Forbidden("staff only".into()));
    }
    match patient_data(&st, &who, id).await {
        Ok(p) => render(&p),
        Err(e) => error_page(e),
    }
}

async fn patient_data(st: &AppState, who: &Authed, id: i64) -> Result<PatientPage, ApiError> {
    let p = visible_patient(st, who, id).await?;
    let actor = who.actor();
    let conditions = st.store.children(&actor, "condition", id).await?;
    let screenings = st.store.children(&actor, "screening", id).await?;
    let courses = st.store.children(&actor, "course", id).await?;
    let mut views = Vec::new();
    for c in &courses {
        let outcomes = st.store.children(&actor, "outcome", c.id).await?;
        let sessions = st.store.children(&actor, "session", c.id).await?;
        let (chart, caption) = pain_chart(&outcomes);
        let mut rows = Vec::new();
        for s in &sessions {
            let events = st.store.children(&actor, "adverse_event", s.id).await?.len();
            let pts: Vec<String> = s
                .data
                .get("points")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| text(p, "code"))
                .collect();
            let safety = acumen_domain::gate::StoredSafety::of(&s.data);
            let findings = safety.rule_ids();
            let overridden = !safety.overridden.is_empty();
            rows.push(SessionRow {
                id: s.public_id.clone(),
                number: s.data.get("number").map(|n| n.to_string()).unwrap_or_default(),
                date: text(&s.data, "at"),
                points: pts.join(", "),
                safety: if findings.is_empty() {
                    "none".into()
                } else {
                    format!(
                        "{}{}",
                        findings.join(", "),
                        if overridden { " (hard stop overridden)" } else { "" }
                    )
                },
                events,
            });
        }
        views.push(CourseView {
            id: c.public_id.clone(),
            title: format!(
                "{} course from {}",
                text(&c.data, "condition").replace('_', " "),
                text(&c.data, "start")
            ),
            summary: format!(
                "{}{} · {} of {} planned sessions recorded · intent {}",
                text(&c.data, "status"),
                course_end(&c.data),
                sessions.len(),
                c.data
                    .get("planned_sessions")
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                text(&c.data, "intent")
            ),
            chart,
            caption,
            sessions: rows,
        });
    }
    Ok(PatientPage {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        id: p.public_id.clone(),
        admin: who.role() == acumen_domain::Role::Admin,
        name: patient_name(&p),
        born: p.data.get("year_of_birth").map(|y| y.to_string()).unwrap_or_default(),
        sex: text(&p.data, "sex"),
        safety: safety_words(p.data.get("safety").unwrap_or(&Value::Null)),
        conditions: conditions
            .iter()
            .map(|c| {
                let code = text(&c.data, "code");
                acumen_knowledge::conditions::condition(&code)
                    .map_or(code.clone(), |k| format!("{} ({})", k.name, k.icd10cm.join(", ")))
            })
            .collect(),
        screenings: screenings
            .iter()
            .map(|s| {
                let o = out(s);
                let d = &o["dn4"];
                format!(
                    "{}: DN4 {}/{} — neuropathic pain {}",
                    text(&s.data, "date"),
                    d["score"],
                    d["max"],
                    if d["neuropathic_likely"].as_bool() == Some(true) {
                        "likely"
                    } else {
                        "unlikely"
                    }
                )
            })
            .collect(),
        courses: views,
    })
}
