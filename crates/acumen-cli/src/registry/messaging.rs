//! `acumen serve`'s follow-up messaging: the options, the channels they
//! configure (credentials only from the environment or a file), and the
//! worker that plans and sends every minute.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Args;

use acumen_domain::followup::FollowUpPlan;
use acumen_domain::outreach::ClinicZone;
use acumen_web::delivery::{Delivery, Email, Sms, SmsShape};
use acumen_web::service::follow_up::FollowUp;

/// Follow-up messaging options (each also read from the environment variable named).
#[derive(Debug, Clone, Args)]
pub struct MessagingArgs {
    /// SMTP server for follow-up e-mail, without credentials (`ACUMEN_SMTP`):
    /// smtps://HOST:465, smtp://HOST:587?tls=required, or smtp://127.0.0.1:PORT on loopback.
    /// Credentials: ACUMEN_SMTP_USER with ACUMEN_SMTP_PASSWORD or ACUMEN_SMTP_PASSWORD_FILE.
    #[arg(long)]
    pub smtp: Option<String>,
    /// The sender of follow-up e-mail (`ACUMEN_SMTP_FROM`).
    #[arg(long)]
    pub smtp_from: Option<String>,
    /// SMS provider endpoint, https (http on loopback) (`ACUMEN_SMS_WEBHOOK`).
    /// Credentials: ACUMEN_SMS_USER with ACUMEN_SMS_TOKEN or ACUMEN_SMS_TOKEN_FILE.
    #[arg(long)]
    pub sms_webhook: Option<String>,
    /// The SMS provider's API: webhook (JSON) or twilio (`ACUMEN_SMS_PROVIDER`).
    #[arg(long)]
    pub sms_provider: Option<String>,
    /// The sender number or name of text messages (`ACUMEN_SMS_FROM`).
    #[arg(long)]
    pub sms_from: Option<String>,
    /// The clinic's time zone, an IANA name such as Europe/London (`ACUMEN_TIME_ZONE`; default UTC).
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Hours in which nothing is sent, FROM-TO in the clinic's time zone
    /// (`ACUMEN_QUIET_HOURS`; default 21-8; `none` sends at any hour).
    #[arg(long)]
    pub quiet_hours: Option<String>,
}

/// `21-8` as (21, 8); `none` as (0, 0).
fn quiet_hours(text: &str) -> Result<(u8, u8)> {
    if text == "none" {
        return Ok((0, 0));
    }
    let parsed = text
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?)))
        .filter(|(a, b)| *a < 24 && *b < 24);
    parsed.with_context(|| format!("--quiet-hours {text:?}: write FROM-TO in whole hours, e.g. 21-8, or none"))
}

fn opt(arg: &Option<String>, var: &str) -> Option<String> {
    arg.clone()
        .or_else(|| std::env::var(var).ok())
        .filter(|v| !v.trim().is_empty())
}

/// A secret from `VAR`, or from the file `VAR_FILE` names.
fn secret(var: &str) -> Result<Option<String>> {
    if let Ok(v) = std::env::var(var) {
        return Ok(Some(v));
    }
    match std::env::var(format!("{var}_FILE")) {
        Ok(path) => Ok(Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("{path}: cannot read {var}_FILE"))?
                .trim()
                .to_string(),
        )),
        Err(_) => Ok(None),
    }
}

fn credentials(user: &str, pass: &str) -> Result<Option<(String, String)>> {
    match (std::env::var(user).ok(), secret(pass)?) {
        (Some(u), Some(p)) => Ok(Some((u, p))),
        (None, None) => Ok(None),
        _ => bail!("set both {user} and {pass} (or {pass}_FILE), or neither"),
    }
}

/// The follow-up configuration of a server: None when no channel is given
/// and it is not a demo (the due measures still show on the day view).
pub fn follow_up(a: &MessagingArgs, key: Vec<u8>, base_url: String, demo: bool) -> Result<Option<FollowUp>> {
    let mut delivery = Delivery::default();
    if let Some(url) = opt(&a.smtp, "ACUMEN_SMTP") {
        let from = opt(&a.smtp_from, "ACUMEN_SMTP_FROM").unwrap_or_else(|| "follow-up@localhost".into());
        let email = Email::new(&url, &from, credentials("ACUMEN_SMTP_USER", "ACUMEN_SMTP_PASSWORD")?)
            .map_err(anyhow::Error::msg)?;
        delivery.email = Some(Arc::new(email));
    }
    if let Some(url) = opt(&a.sms_webhook, "ACUMEN_SMS_WEBHOOK") {
        let shape = match opt(&a.sms_provider, "ACUMEN_SMS_PROVIDER").as_deref() {
            None | Some("webhook") => SmsShape::Webhook,
            Some("twilio") => SmsShape::Twilio,
            Some(other) => bail!("--sms-provider {other:?}: webhook or twilio"),
        };
        let from = opt(&a.sms_from, "ACUMEN_SMS_FROM").unwrap_or_default();
        let sms = Sms::new(&url, shape, &from, credentials("ACUMEN_SMS_USER", "ACUMEN_SMS_TOKEN")?)
            .map_err(anyhow::Error::msg)?;
        delivery.sms = Some(Arc::new(sms));
    }
    if !delivery.any() && !demo {
        return Ok(None);
    }
    let zone_name = opt(&a.time_zone, "ACUMEN_TIME_ZONE").unwrap_or_else(|| "UTC".into());
    let zone = ClinicZone::named(&zone_name)
        .with_context(|| format!("--time-zone {zone_name:?} is not an IANA time zone (e.g. Europe/London)"))?;
    let mut plan = FollowUpPlan::default();
    if let Some(q) = opt(&a.quiet_hours, "ACUMEN_QUIET_HOURS") {
        (plan.quiet_from, plan.quiet_to) = quiet_hours(&q)?;
    }
    Ok(Some(FollowUp {
        key,
        delivery,
        zone,
        plan,
        base_url,
        running: Default::default(),
    }))
}

/// Runs the planner and the worker every minute until the server stops.
pub fn spawn_worker(state: acumen_web::AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match acumen_web::service::follow_up::run(&state, None, time::OffsetDateTime::now_utc()).await {
                Ok(r) if r.queued + r.sent + r.failed > 0 => {
                    tracing::info!(queued = r.queued, sent = r.sent, failed = r.failed, "follow-up run")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "follow-up run failed"),
            }
        }
    });
}
