//! A clinic's follow-up messaging settings: what an admin reads (the texts
//! as a patient gets them, and whether they go), changes and enables. A
//! change of a text withdraws the approval (see
//! [`acumen_domain::messaging`]); enabling names the revision the admin was
//! shown, so a text changed meanwhile by another admin is not enabled unseen.

use serde::Serialize;

use acumen_domain::messaging::{Fill, Messaging, MessagingInput, PLACEHOLDERS};
use acumen_store::Clinic;

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A clinic's settings: what it stored, or the shipped texts under the
/// server's time zone and quiet hours (not enabled).
pub fn settings_of(st: &AppState, clinic: &Clinic) -> Messaging {
    let stored = clinic
        .messaging
        .clone()
        .and_then(|v| serde_json::from_value::<Messaging>(v).ok());
    stored.unwrap_or_else(|| {
        let (zone, quiet) = match st.follow_up.as_deref() {
            Some(f) => (f.zone.name(), (f.plan.quiet_from, f.plan.quiet_to)),
            None => ("UTC".to_string(), (21, 8)),
        };
        Messaging {
            texts: MessagingInput::defaults(&clinic.name, &zone, quiet),
            revision: 1,
            enabled_revision: None,
        }
    })
}

/// One message as a patient gets it.
#[derive(Debug, Serialize)]
pub struct Preview {
    /// The e-mail's subject (empty for a text message).
    pub subject: String,
    /// Its text.
    pub body: String,
}

/// What the admin reads.
#[derive(Debug, Serialize)]
pub struct MessagingView {
    /// The settings.
    #[serde(flatten)]
    pub settings: MessagingInput,
    /// The revision of the texts (name it to enable them).
    pub revision: u32,
    /// Whether messages go (an admin enabled this revision).
    pub enabled: bool,
    /// Whether this server sends messages at all, in words.
    pub delivery: String,
    /// The first e-mail, a reminder e-mail and the text message, as a patient gets them.
    pub preview: Vec<(String, Preview)>,
    /// The placeholders a text may use.
    pub placeholders: Vec<(&'static str, &'static str)>,
}

/// Whether this server sends at all, in words.
pub fn delivery_words(st: &AppState) -> String {
    match st.follow_up.as_deref() {
        None => "off: this server was started without --smtp or --sms-webhook, so no link is sent (the day view still lists what is due)".to_string(),
        Some(f) => match (f.delivery.email.is_some(), f.delivery.sms.is_some()) {
            (true, true) => "by e-mail and text message".into(),
            (true, false) => "by e-mail (no text-message provider configured)".into(),
            (false, true) => "by text message (no SMTP server configured)".into(),
            (false, false) => "logged, not sent (no channel configured: a demo)".into(),
        },
    }
}

/// The view of `m`.
pub fn view(st: &AppState, m: &Messaging) -> MessagingView {
    let (link, stop) = ("https://…/f/LINK", "https://…/f/LINK/stop");
    let fill = |reminder| Fill {
        when: "4 weeks after your course",
        link,
        stop,
        until: "YYYY-MM-DD",
        reminder,
    };
    let one = |(subject, body): (String, String)| Preview { subject, body };
    MessagingView {
        settings: m.texts.clone(),
        revision: m.revision,
        enabled: m.enabled(),
        delivery: delivery_words(st),
        preview: vec![
            ("email".into(), one(m.texts.render(&fill(false), false))),
            ("email_reminder".into(), one(m.texts.render(&fill(true), false))),
            ("sms".into(), one(m.texts.render(&fill(false), true))),
        ],
        placeholders: PLACEHOLDERS.to_vec(),
    }
}

/// The caller's clinic's settings (admins).
pub async fn get(st: &AppState, who: &Authed) -> ApiResult<MessagingView> {
    crate::access::admin_only(who, "only admins see the follow-up message settings")?;
    let c = st.store.clinic(who.user.clinic_id).await?;
    Ok(view(st, &settings_of(st, &c)))
}

fn stored(m: &Messaging) -> ApiResult<serde_json::Value> {
    serde_json::to_value(m).map_err(|e| ApiError::Internal(format!("messaging settings: {e}")))
}

/// Replaces the settings (admins; audited). A changed text or display name
/// is not sent until enabled again.
pub async fn put(st: &AppState, who: &Authed, input: MessagingInput) -> ApiResult<MessagingView> {
    crate::access::admin_only(who, "only admins change the follow-up messages")?;
    let next = input.validate()?;
    let c = st.store.clinic(who.user.clinic_id).await?;
    let m = settings_of(st, &c).replaced(next);
    st.store
        .set_messaging(&who.actor(), &stored(&m)?, "messaging_changed")
        .await?;
    Ok(view(st, &m))
}

/// Enables revision `revision` of the texts (refused with 409 when the texts
/// changed since), or stops sending (`None`). Admins; audited.
pub async fn enable(st: &AppState, who: &Authed, revision: Option<u32>) -> ApiResult<MessagingView> {
    crate::access::admin_only(who, "only admins enable follow-up messages")?;
    let c = st.store.clinic(who.user.clinic_id).await?;
    let mut m = settings_of(st, &c);
    if let Some(r) = revision {
        if r != m.revision {
            return Err(ApiError::Conflict(i64::from(m.revision)));
        }
    }
    m.enabled_revision = revision;
    let action = if revision.is_some() {
        "messaging_enabled"
    } else {
        "messaging_disabled"
    };
    st.store.set_messaging(&who.actor(), &stored(&m)?, action).await?;
    Ok(view(st, &m))
}
