//! Sending follow-up messages: e-mail over SMTP (`lettre`, TLS by rustls:
//! `smtps://` for TLS, `smtp://…?tls=required` for STARTTLS, plain `smtp://`
//! only to a loopback address) and text messages through an HTTP provider
//! (a generic JSON webhook, or the Twilio Messages API's shape). Credentials
//! come from the environment or a file, never from a URL or an argument.
//!
//! Every message carries a stable identity: the e-mail's `Message-ID` and the
//! SMS provider's idempotency key are the outbox row's `message_id`, so a
//! message sent again after a crash is the same message to its receiver.

use std::sync::Arc;

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// One message ready to go (no patient data beyond the address it goes to).
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Stable identity (the outbox's `message_id`).
    pub message_id: String,
    /// E-mail address or phone number.
    pub to: String,
    /// Subject (e-mail).
    pub subject: String,
    /// Text.
    pub body: String,
}

/// A way of sending.
#[async_trait::async_trait]
pub trait Channel: Send + Sync {
    /// Sends one message; an error says why, without the address or text.
    async fn send(&self, m: &Outgoing) -> Result<(), String>;
}

/// The configured channels (each off when not configured).
#[derive(Clone, Default)]
pub struct Delivery {
    /// E-mail.
    pub email: Option<Arc<dyn Channel>>,
    /// Text messages.
    pub sms: Option<Arc<dyn Channel>>,
}

impl Delivery {
    /// Whether any channel is on.
    pub fn any(&self) -> bool {
        self.email.is_some() || self.sms.is_some()
    }

    /// The channel for `email` or `sms`.
    pub fn channel(&self, name: &str) -> Option<&Arc<dyn Channel>> {
        match name {
            "email" => self.email.as_ref(),
            "sms" => self.sms.as_ref(),
            _ => None,
        }
    }
}

/// Whether a URL's host is this machine.
fn is_loopback(u: &reqwest::Url) -> bool {
    let host = u.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
}

/// E-mail over SMTP.
pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Email {
    /// From an SMTP URL without credentials (`smtps://host:465`,
    /// `smtp://host:587?tls=required`, or `smtp://127.0.0.1:2525` on
    /// loopback), the sender's address, and credentials if the server wants them.
    pub fn new(url: &str, from: &str, credentials: Option<(String, String)>) -> Result<Email, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("--smtp {url:?} is not a URL: {e}"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("--smtp must not carry credentials: set ACUMEN_SMTP_USER and ACUMEN_SMTP_PASSWORD (or ACUMEN_SMTP_PASSWORD_FILE)".into());
        }
        let tls = parsed.query_pairs().any(|(k, _)| k == "tls");
        let loopback = is_loopback(&parsed);
        match parsed.scheme() {
            "smtps" => {}
            "smtp" if tls || loopback => {}
            "smtp" => {
                return Err(format!(
                    "--smtp {url:?} would send in plain text to another machine: use smtps:// or add ?tls=required"
                ))
            }
            other => return Err(format!("--smtp: unknown scheme {other:?} (smtp or smtps)")),
        }
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("--smtp {url:?}: {e}"))?;
        if let Some((user, password)) = credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        let from: Mailbox = from.parse().map_err(|e| format!("the sender address {from:?}: {e}"))?;
        Ok(Email {
            transport: builder.timeout(Some(std::time::Duration::from_secs(20))).build(),
            from,
        })
    }
}

#[async_trait::async_trait]
impl Channel for Email {
    async fn send(&self, m: &Outgoing) -> Result<(), String> {
        let to: Mailbox =
            m.to.parse()
                .map_err(|_| "the patient's e-mail address does not parse".to_string())?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}>", m.message_id)))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// The shape of an SMS provider's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsShape {
    /// `POST` of JSON `{"id", "to", "from", "body"}` with an `Idempotency-Key` header.
    Webhook,
    /// Twilio's Messages API: a form of `To`, `From`, `Body`, basic
    /// authentication, and the `I-Twilio-Idempotency-Token` header.
    Twilio,
}

/// Text messages through an HTTP provider.
pub struct Sms {
    client: reqwest::Client,
    url: String,
    shape: SmsShape,
    from: String,
    auth: Option<(String, String)>,
}

impl Sms {
    /// A provider at `url` (https, or http on loopback), answering within 15 seconds.
    pub fn new(url: &str, shape: SmsShape, from: &str, auth: Option<(String, String)>) -> Result<Sms, String> {
        Sms::with_timeout(url, shape, from, auth, std::time::Duration::from_secs(15))
    }

    /// As [`Sms::new`], with how long to wait for the provider's answer.
    pub fn with_timeout(
        url: &str,
        shape: SmsShape,
        from: &str,
        auth: Option<(String, String)>,
        timeout: std::time::Duration,
    ) -> Result<Sms, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("--sms-webhook {url:?} is not a URL: {e}"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("--sms-webhook must not carry credentials: set ACUMEN_SMS_USER and ACUMEN_SMS_TOKEN".into());
        }
        let loopback = is_loopback(&parsed);
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(format!("--sms-webhook {url:?}: use https (http only on loopback)"));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Sms {
            client,
            url: url.to_string(),
            shape,
            from: from.to_string(),
            auth,
        })
    }
}

#[async_trait::async_trait]
impl Channel for Sms {
    async fn send(&self, m: &Outgoing) -> Result<(), String> {
        let mut req = self.client.post(&self.url);
        if let Some((user, token)) = &self.auth {
            req = req.basic_auth(user, Some(token));
        }
        req = match self.shape {
            SmsShape::Webhook => req.header("Idempotency-Key", &m.message_id).json(&serde_json::json!({
                "id": m.message_id, "to": m.to, "from": self.from, "body": m.body,
            })),
            SmsShape::Twilio => req.header("I-Twilio-Idempotency-Token", &m.message_id).form(&[
                ("To", m.to.as_str()),
                ("From", self.from.as_str()),
                ("Body", m.body.as_str()),
            ]),
        };
        let r = req.send().await.map_err(|e| {
            if e.is_timeout() {
                "the SMS provider did not answer in time".to_string()
            } else {
                "the SMS provider could not be reached".to_string()
            }
        })?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("the SMS provider answered {}", r.status().as_u16()))
        }
    }
}
