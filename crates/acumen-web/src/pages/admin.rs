//! The admin's page (`/admin`): the clinic's users with a one-time
//! invitation (password) link for each, a form to add a user, whether the
//! answers page is public, and the audit log; and the page an invitation
//! link opens (`/reset`), where the user chooses their password. Every
//! action goes through the same service functions as the API.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::form::{posted, req, shown, Field, Kind, Posted};
use super::forms::{page, submit};
use super::layout::{error_page, render, to_login, UserView};
use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::{accounts, answers, oversight};
use crate::state::AppState;

/// A user as the page lists them.
pub struct UserRow {
    /// Public id.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role.
    pub role: String,
}

#[derive(Template)]
#[template(path = "pages/admin.html")]
struct AdminPage {
    user: Option<UserView>,
    simulated: bool,
    clinic: String,
    code: String,
    public: bool,
    /// An invitation link made just now (shown once).
    invitation: Option<(String, String)>,
    users: Vec<UserRow>,
    audit: Vec<AuditRow>,
    audit_total: usize,
    /// Follow-up messages: whether they go, and the texts patients get.
    follow_up: crate::service::messaging::MessagingView,
}

/// One line of the audit log as the page shows it.
struct AuditRow {
    seq: usize,
    /// "2026-12-02 17:18 UTC".
    at: String,
    /// "Demo Practitioner (practitioner)", or the role alone.
    who: String,
    action: String,
    /// The kind of record, in words ("adverse event").
    record: String,
}

/// Entries shown on the page (the API gives the whole log).
const AUDIT_SHOWN: i64 = 30;

pub(crate) fn admin(who: &Option<Authed>, here: &str) -> Result<Authed, Response> {
    match who {
        None => Err(to_login(here)),
        Some(w) if w.role() != acumen_domain::Role::Admin => Err(error_page(ApiError::Forbidden("admins only".into()))),
        Some(w) => Ok(w.clone()),
    }
}

/// The address the server is reached at, for the invitation link.
fn base(st: &AppState) -> String {
    st.public_url
        .clone()
        .or_else(|| st.origins.first().cloned())
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

/// `GET /admin`
pub async fn admin_page(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let who = match admin(&who, "/admin") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let data = async {
        let c = answers::clinic(&st, &who).await?;
        let users = accounts::users(&st, &who).await?;
        let (audit_total, lines) = oversight::audit_tail(&st, &who, AUDIT_SHOWN).await?;
        let names: std::collections::HashMap<&str, &str> =
            users.iter().map(|u| (u.public_id.as_str(), u.name.as_str())).collect();
        let audit = lines
            .into_iter()
            .map(|a| {
                let role = a.role.unwrap_or_default();
                let who = match a.user_id.as_deref().and_then(|u| names.get(u)) {
                    Some(name) if role.is_empty() => name.to_string(),
                    Some(name) => format!("{name} ({role})"),
                    None => role,
                };
                AuditRow {
                    seq: a.seq,
                    // "2026-12-02 17:18" (UTC) rather than the full RFC 3339 time.
                    at: format!("{} UTC", a.at.chars().take(16).collect::<String>().replace('T', " ")),
                    who,
                    action: a.action,
                    record: a.record_kind.unwrap_or_default().replace('_', " "),
                }
            })
            .collect();
        let follow_up = crate::service::messaging::get(&st, &who).await?;
        Ok::<_, ApiError>(AdminPage {
            user: Some(UserView::of(&who)),
            simulated: st.demo,
            clinic: c.name,
            code: c.code,
            public: c.answers_public,
            invitation: st
                .notice
                .take(who.user.id, "/admin")
                .and_then(|n| n.split_once('\n').map(|(a, b)| (a.to_string(), b.to_string()))),
            users: users
                .into_iter()
                .map(|u| UserRow {
                    id: u.public_id,
                    name: u.name,
                    email: u.email,
                    role: u.role,
                })
                .collect(),
            audit,
            audit_total,
            follow_up,
        })
    };
    match data.await {
        Ok(p) => render(&p),
        Err(e) => error_page(e),
    }
}

/// `POST /admin/answers`: the answers page public or not.
pub async fn set_answers(
    State(st): State<AppState>,
    who: Option<Authed>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let who = match admin(&who, "/admin") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let public = f.iter().any(|(k, v)| k == "public" && v == "yes");
    match answers::set_public(&st, &who, public).await {
        Ok(_) => Redirect::to("/admin").into_response(),
        Err(e) => error_page(e),
    }
}

/// `POST /admin/users/{id}/invite`: a one-time link (24 hours) with which
/// the user chooses their password; shown once on the admin page.
pub async fn invite(
    State(st): State<AppState>,
    who: Option<Authed>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let who = match admin(&who, "/admin") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let name = match accounts::users(&st, &who).await {
        Ok(us) => us.into_iter().find(|u| u.public_id == id).map(|u| u.name),
        Err(e) => return error_page(e),
    };
    let Some(name) = name else {
        return error_page(ApiError::NotFound);
    };
    match accounts::reset_token(&st, &who, &id).await {
        Ok(token) => {
            st.notice.put(
                who.user.id,
                "/admin",
                format!("{name}\n{}/reset?token={token}", base(&st)),
            );
            Redirect::to("/admin").into_response()
        }
        Err(e) => error_page(e),
    }
}

fn user_fields() -> Vec<Field> {
    vec![
        req("name", "Name", Kind::Text),
        req("email", "E-mail (their login)", Kind::Email),
        req(
            "role",
            "Role",
            Kind::Select(vec![
                ("", "Choose one"),
                ("practitioner", "practitioner"),
                ("admin", "admin"),
                ("researcher", "researcher"),
            ]),
        ),
        Field {
            hint: "8 or more characters; they can choose their own with an invitation link",
            ..req("password", "First password", Kind::Text)
        },
    ]
}

/// `GET /admin/users/new`
pub async fn new_user(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let who = match admin(&who, "/admin/users/new") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let fields = user_fields();
    let pg = page(
        &st,
        &who,
        "New staff user",
        "/admin/users/new".into(),
        "/admin".into(),
        &fields,
        &Posted::new(),
    );
    shown(&st, &who, pg, &fields)
}

/// `POST /admin/users/new`
pub async fn create_user(
    State(st): State<AppState>,
    who: Option<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let who = match admin(&who, "/admin/users/new") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let p = posted(pairs);
    submit::<accounts::CreateUser, _, _, _>(
        &st,
        &who,
        &user_fields(),
        &p,
        |_| Ok(()),
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { accounts::create_user(&st2, &who2, b).await }
        },
        |_| "/admin".to_string(),
        "/admin/users/new",
    )
    .await
}

/// `?token=` of an invitation link.
#[derive(Deserialize)]
pub struct Token {
    /// The one-time token.
    pub token: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/reset.html")]
struct ResetPage {
    user: Option<UserView>,
    simulated: bool,
    token: String,
    error: Option<String>,
}

/// `GET /reset?token=`: choose a password with an invitation link.
pub async fn reset_form(State(st): State<AppState>, Query(t): Query<Token>) -> Response {
    render(&ResetPage {
        user: None,
        simulated: st.demo,
        token: t
            .token
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(128)
            .collect(),
        error: None,
    })
}

/// `POST /reset`: sets the password once and sends the user to log in.
pub async fn reset(State(st): State<AppState>, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let p = posted(pairs);
    let get = |k: &str| p.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
    match accounts::use_reset(&st, get("token").trim(), get("password")).await {
        Ok(()) => Redirect::to("/login?reset=done").into_response(),
        Err(e) => {
            let msg = match e {
                ApiError::Invalid(inv) => inv
                    .errors
                    .first()
                    .map_or("Not valid.".into(), |x| format!("The password {}.", x.rule)),
                _ => "This invitation link has expired or was already used; ask the clinic for a new one.".into(),
            };
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                render(&ResetPage {
                    user: None,
                    simulated: st.demo,
                    token: get("token").chars().filter(char::is_ascii_hexdigit).take(128).collect(),
                    error: Some(msg),
                }),
            )
                .into_response()
        }
    }
}
