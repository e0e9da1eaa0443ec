//! The admin's follow-up message settings (`/admin/follow-up`): the name
//! messages are signed with, the clinic's time zone and quiet hours, and the
//! texts; and the switch on the admin page that enables the texts shown
//! there (or stops sending). The same service functions as the API.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use acumen_domain::messaging::MessagingInput;

use super::form::{posted, req, shown, Field, Kind, Posted};
use super::forms::{page, submit};
use super::layout::error_page;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::messaging;
use crate::state::AppState;

const HERE: &str = "/admin/follow-up";

fn admin(who: &Option<Authed>) -> Result<Authed, Response> {
    super::admin::admin(who, HERE)
}

fn fields() -> Vec<Field> {
    const PLACES: &str = "Placeholders: {clinic} the name above, {when} the timepoint (\u{201c}4 weeks after your course\u{201d}), \
                          {link} the form, {stop} the stop link, {until} the link's last day, {again} \u{201c}A reminder: \u{201d} in reminders. \
                          No placeholder names the patient; a health condition in a text is refused.";
    vec![
        Field {
            hint: "Messages are signed with this name; nothing else about the clinic or the patient is in them. \
                   Saving a changed name or text stops the messages until you enable them again on the administration page, \
                   where they are shown as patients get them",
            ..req("display_name", "Name in messages", Kind::Text)
        },
        Field {
            hint: "An IANA time zone name, e.g. Europe/London, Europe/Berlin, America/New_York",
            ..req("time_zone", "Time zone", Kind::Text)
        },
        Field {
            hint: "Nothing is sent from this hour (0 to 23) ...",
            ..req("quiet_from", "Quiet hours from", Kind::Integer)
        },
        Field {
            hint: "... to this hour; the same hour twice means no quiet hours",
            ..req("quiet_to", "Quiet hours to", Kind::Integer)
        },
        Field {
            hint: "One line",
            ..req("email_subject", "E-mail subject", Kind::Text)
        },
        Field {
            hint: PLACES,
            ..req("email_body", "E-mail text (must contain {link} and {stop})", Kind::Area)
        },
        Field {
            hint: "One line of at most 200 characters before the links are filled in; must contain {link} and {stop}",
            ..req("sms_body", "Text message", Kind::Text)
        },
    ]
}

fn as_posted(s: &MessagingInput) -> Posted {
    let mut p = Posted::new();
    for (k, v) in [
        ("display_name", s.display_name.clone()),
        ("time_zone", s.time_zone.clone()),
        ("quiet_from", s.quiet_from.to_string()),
        ("quiet_to", s.quiet_to.to_string()),
        ("email_subject", s.email_subject.clone()),
        ("email_body", s.email_body.clone()),
        ("sms_body", s.sms_body.clone()),
    ] {
        p.insert(k.into(), vec![v]);
    }
    p
}

/// `GET /admin/follow-up`: the settings form.
pub async fn form(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let who = match admin(&who) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let view = match messaging::get(&st, &who).await {
        Ok(v) => v,
        Err(e) => return error_page(e),
    };
    let fields = fields();
    let pg = page(
        &st,
        &who,
        "Follow-up messages",
        HERE.into(),
        "/admin".into(),
        &fields,
        &as_posted(&view.settings),
    );
    shown(&st, &who, pg, &fields)
}

/// `POST /admin/follow-up`: saves the settings (or shows the form again with the reasons).
pub async fn save(
    State(st): State<AppState>,
    who: Option<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let who = match admin(&who) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let p = posted(pairs);
    submit::<MessagingInput, _, _, _>(
        &st,
        &who,
        &fields(),
        &p,
        |_| Ok(()),
        |input| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { messaging::put(&st2, &who2, input).await }
        },
        |_| "/admin#h-follow-up".to_string(),
        HERE,
    )
    .await
}

/// `POST /admin/follow-up/enable`: sends the texts of the revision shown
/// (`revision`), or stops sending (`stop=yes`).
pub async fn switch(State(st): State<AppState>, who: Option<Authed>, Form(f): Form<Vec<(String, String)>>) -> Response {
    let who = match admin(&who) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
    let revision = if get("stop").as_deref() == Some("yes") {
        None
    } else {
        match get("revision").and_then(|r| r.parse::<u32>().ok()) {
            Some(r) => Some(r),
            None => return error_page(ApiError::BadRequest("the form's revision is missing".into())),
        }
    };
    match messaging::enable(&st, &who, revision).await {
        Ok(_) => Redirect::to("/admin#h-follow-up").into_response(),
        Err(ApiError::Conflict(_)) => error_page(ApiError::Closed(
            "The texts were changed since this page was shown. Read them again on the administration page, then enable them.".into(),
        )),
        Err(e) => error_page(e),
    }
}
