//! Follow-up between visits: the planner that makes each timepoint due by
//! link into a link and its messages (in the outbox, in the transaction that
//! makes it due), the worker that sends what waits, and what a patient's link
//! does (the date-of-birth check, the answers, declining, opting out).
//!
//! A link's token is the HMAC-SHA256 of its nonce under the server's key:
//! only its hash is stored, and a message sent again after a crash carries
//! the same link. Logs name a message by its id, template and channel only:
//! never a token, a link, an address or a name.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::BTreeMap;
use time::OffsetDateTime;

use acumen_domain::followup::{FollowUpPlan, Scheduled, Timepoint};
use acumen_domain::messaging::{Fill, Messaging};
use acumen_domain::outreach::{next_message_of, Channel, ClinicZone, Contact, Message, MessageKind, Outreach, State};
use acumen_store::{Actor, FollowUpLink, LinkChange, NewLink, NewMessage, OutboxMessage};

use crate::auth::{new_token, token_hash};
use crate::delivery::{Delivery, Outgoing};
use crate::error::{ApiError, ApiResult};
use crate::service::messaging::settings_of;
use crate::state::AppState;

/// Wrong answers to the date-of-birth check that lock a link.
pub const LOCK_AT: i64 = 5;

/// How a server does follow-up (absent: no link is made, nothing is sent;
/// the due measures still show on the day view).
pub struct FollowUp {
    /// The key tokens are derived with.
    pub key: Vec<u8>,
    /// Where messages go (a demo logs them instead).
    pub delivery: Delivery,
    /// The time zone of a clinic that did not name its own.
    pub zone: ClinicZone,
    /// What is scheduled and when messages go (quiet hours: those of a
    /// clinic that did not set its own).
    pub plan: FollowUpPlan,
    /// The address links point at (`https://clinic.example`).
    pub base_url: String,
    /// Held by a run of the planner and the worker, so that two runs in one
    /// server (the minute's and an admin's) never send one message twice.
    pub running: tokio::sync::Mutex<()>,
}

/// The token of a link's nonce.
pub fn token_of(key: &[u8], nonce: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(b"acumen follow-up link\n");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The writer of what comes through a link or the worker (no user: audited under this role).
pub fn link_actor(clinic_id: i64) -> Actor {
    Actor {
        user_id: 0,
        role: "follow_up".into(),
        clinic_id,
    }
}

/// A patient's choice about contact, from their record.
pub fn contact_of(patient: &Value) -> Contact {
    let f = patient.get("follow_up");
    let channel = match f.and_then(|f| f.get("channel")).and_then(Value::as_str) {
        Some("email") if patient.get("email").and_then(Value::as_str).is_some() => Some(Channel::Email),
        Some("sms") if patient.get("phone").and_then(Value::as_str).is_some() => Some(Channel::Sms),
        _ => None,
    };
    Contact {
        consent: f.and_then(|f| f.get("consent")).and_then(Value::as_bool) == Some(true),
        channel,
        opted_out: f.and_then(|f| f.get("opted_out")).is_some_and(|v| !v.is_null()),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

pub(crate) fn message_of(m: &OutboxMessage, timepoint: &str) -> Option<Message> {
    Some(Message {
        timepoint: timepoint.to_string(),
        kind: MessageKind::of_key(&m.kind)?,
        at: parse_instant(&m.created_at)?,
    })
}

/// What the planner and the worker did in one run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RunReport {
    /// Messages queued (links and reminders).
    pub queued: usize,
    /// Messages the provider accepted.
    pub sent: usize,
    /// Messages that failed (tried again later).
    pub failed: usize,
    /// Messages no longer needed (recorded, declined or opted out since).
    pub cancelled: usize,
}

/// Queues every link and reminder of a clinic due at `now`.
pub async fn plan_clinic(st: &AppState, fu: &FollowUp, clinic_id: i64, now: OffsetDateTime) -> ApiResult<usize> {
    let settings = settings_of(st, &st.store.clinic(clinic_id).await?);
    if !settings.enabled() {
        // Its texts were not enabled: no link is made (the due list still shows).
        return Ok(0);
    }
    let zone = settings.zone();
    let plan = FollowUpPlan {
        quiet_from: settings.texts.quiet_from,
        quiet_to: settings.texts.quiet_to,
        ..fu.plan.clone()
    };
    let today = zone.local(now).0;
    let snap = st.snapshots.of(st.store.as_ref(), clinic_id).await?;
    let patients: BTreeMap<i64, Value> = st
        .store
        .clinic_records(clinic_id, &["patient"])
        .await?
        .into_iter()
        .map(|p| (p.id, p.data))
        .collect();
    // Each patient's timepoints asked by link and not recorded, with their course.
    let mut by_patient: BTreeMap<i64, Vec<(i64, Scheduled)>> = BTreeMap::new();
    for (course, pid, t) in acumen_analytics::owner::course_timepoints(&snap.raw, |_| true, &plan, today) {
        // Long past its last message day, a timepoint is not read further.
        if t.timepoint.by_link() && !t.recorded && today <= plan.last_message_day(t.due) {
            by_patient.entry(pid).or_default().push((course, t));
        }
    }
    let mut queued = 0;
    for (pid, items) in by_patient {
        let Some(patient) = patients.get(&pid) else { continue };
        let contact = contact_of(patient);
        let Some(channel) = contact.reachable() else { continue };
        let mut links: BTreeMap<(i64, String), (FollowUpLink, Vec<Message>)> = BTreeMap::new();
        for course in items.iter().map(|(c, _)| *c).collect::<std::collections::BTreeSet<_>>() {
            for (l, ms) in st.store.links_of_course(course).await? {
                let msgs = ms.iter().filter_map(|m| message_of(m, &l.timepoint)).collect();
                links.insert((course, l.timepoint.clone()), (l, msgs));
            }
        }
        let sent: Vec<OffsetDateTime> = st
            .store
            .messages_of_patient(pid)
            .await?
            .iter()
            .filter_map(|m| parse_instant(&m.created_at))
            .collect();
        let outreach: Vec<Outreach<'_>> = items
            .iter()
            .map(|(course, t)| {
                let l = links.get(&(*course, t.timepoint.key()));
                Outreach {
                    item: t,
                    messages: l.map(|(_, ms)| ms.iter().collect()).unwrap_or_default(),
                    declined: l.is_some_and(|(l, _)| l.state != "open"),
                }
            })
            .collect();
        let Some((i, kind)) = next_message_of(&outreach, &contact, &sent, &plan, &zone, now) else {
            continue;
        };
        let (course, item) = &items[i];
        let open_until = (today + time::Duration::days(plan.link_days - 1)).to_string();
        let message = NewMessage {
            kind: kind.key(),
            channel: match channel {
                Channel::Email => "email".into(),
                Channel::Sms => "sms".into(),
            },
            message_id: format!("{}@acumen.follow-up", new_token()),
            at: rfc3339(now),
            at_s: now.unix_timestamp(),
        };
        let new = match links.get(&(*course, item.timepoint.key())) {
            Some((l, _)) => st.store.queue_message(l.id, message, &open_until).await?.1,
            None => {
                let nonce = new_token();
                let link = NewLink {
                    clinic_id,
                    patient_id: pid,
                    course_id: *course,
                    timepoint: item.timepoint.key(),
                    token_hash: token_hash(&token_of(&fu.key, &nonce)),
                    nonce,
                    open_until,
                };
                st.store.queue_link(link, message).await?.2
            }
        };
        if new {
            queued += 1;
        }
    }
    Ok(queued)
}

fn backoff(attempts: i64) -> i64 {
    (60_i64 << attempts.clamp(0, 6)).min(3600)
}

/// Sends what waits in the outbox at `now` (of one clinic, or all).
pub async fn send_waiting(
    st: &AppState,
    fu: &FollowUp,
    clinic: Option<i64>,
    now: OffsetDateTime,
) -> ApiResult<RunReport> {
    let mut report = RunReport::default();
    let waiting = st.store.waiting_messages(now.unix_timestamp(), 1000).await?;
    let mut settings: BTreeMap<i64, Messaging> = BTreeMap::new();
    for m in waiting.into_iter().filter(|m| clinic.is_none_or(|c| c == m.clinic_id)) {
        if !settings.contains_key(&m.clinic_id) {
            let c = st.store.clinic(m.clinic_id).await?;
            settings.insert(m.clinic_id, settings_of(st, &c));
        }
        let texts = &settings[&m.clinic_id];
        if !texts.enabled() {
            // Held until an admin enables the clinic's texts again.
            continue;
        }
        let link = st.store.link(m.link_id).await?;
        let actor = link_actor(m.clinic_id);
        let patient = st.store.record(&actor, "patient", m.patient_id).await?;
        let contact = contact_of(&patient.data);
        let expired = texts.zone().local(now).0.to_string() > link.open_until;
        if link.state != "open" || contact.reachable().is_none() || expired {
            st.store
                .message_tried(m.id, Err(("not sent: no longer needed".into(), i64::MAX / 4)))
                .await?;
            report.cancelled += 1;
            continue;
        }
        let sms = m.channel == "sms";
        let to = patient
            .data
            .get(if sms { "phone" } else { "email" })
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let token = token_of(&fu.key, &link.nonce);
        let base = fu.base_url.trim_end_matches('/');
        let when = Timepoint::of_key(&link.timepoint)
            .map(|t| t.words())
            .unwrap_or_default();
        let kind = MessageKind::of_key(&m.kind).unwrap_or(MessageKind::Link);
        let fill = Fill {
            when: &when,
            link: &format!("{base}/f/{token}"),
            stop: &format!("{base}/f/{token}/stop"),
            until: &link.open_until,
            reminder: matches!(kind, MessageKind::Reminder(_)),
        };
        let (subject, body) = texts.texts.render(&fill, sms);
        let out = Outgoing {
            message_id: m.message_id.clone(),
            to,
            subject,
            body,
        };
        let result = match fu.delivery.channel(&m.channel) {
            Some(ch) => ch.send(&out).await,
            None => {
                // Not configured (the demo): logged, never sent.
                tracing::info!(message = %m.message_id, template = %m.kind, channel = %m.channel, "follow-up message (not sent: no channel configured)");
                Ok(())
            }
        };
        match result {
            Ok(()) => {
                st.store
                    .message_tried(m.id, Ok(rfc3339(OffsetDateTime::now_utc())))
                    .await?;
                tracing::info!(message = %m.message_id, template = %m.kind, channel = %m.channel, "follow-up message sent");
                report.sent += 1;
            }
            Err(e) => {
                let next = now.unix_timestamp() + backoff(m.attempts);
                tracing::warn!(message = %m.message_id, channel = %m.channel, error = %e, "follow-up message failed; tried again later");
                st.store.message_tried(m.id, Err((e, next))).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// One run of the planner and the worker (every clinic, or one).
pub async fn run(st: &AppState, clinic: Option<i64>, now: OffsetDateTime) -> ApiResult<RunReport> {
    let Some(fu) = st.follow_up.clone() else {
        return Err(ApiError::Closed(
            "follow-up is not configured on this server: start it with --smtp or --sms-webhook (or --demo)".into(),
        ));
    };
    let _one_at_a_time = fu.running.lock().await;
    let clinics: Vec<i64> = match clinic {
        Some(c) => vec![c],
        None => st.store.clinics().await?.into_iter().map(|c| c.id).collect(),
    };
    let mut queued = 0;
    for c in clinics {
        queued += plan_clinic(st, &fu, c, now).await?;
    }
    let mut report = send_waiting(st, &fu, clinic, now).await?;
    report.queued = queued;
    Ok(report)
}

/// A link a patient opened, while it is open (today in the clinic's calendar).
pub async fn open_link(
    st: &AppState,
    token: &str,
    now: OffsetDateTime,
) -> ApiResult<(ClinicZone, FollowUpLink, State)> {
    st.follow_up.as_ref().ok_or(ApiError::NotFound)?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound);
    }
    let link = st
        .store
        .link_by_token(&token_hash(token))
        .await
        .map_err(|_| ApiError::NotFound)?;
    let zone = settings_of(st, &st.store.clinic(link.clinic_id).await?).zone();
    let today = zone.local(now).0.to_string();
    let state = match link.state.as_str() {
        "used" => State::Completed,
        "declined" | "locked" => State::Declined,
        _ if today > link.open_until => State::Expired,
        _ => State::Due,
    };
    Ok((zone, link, state))
}

/// Whether `answer` is the patient's date of birth; a wrong one counts
/// towards the lock. The link after.
pub async fn check_birth(st: &AppState, link: &FollowUpLink, answer: &str) -> ApiResult<(bool, FollowUpLink)> {
    let patient = st
        .store
        .record(&link_actor(link.clinic_id), "patient", link.patient_id)
        .await?;
    let known = patient.data.get("date_of_birth").and_then(Value::as_str);
    if known.is_some_and(|d| d == answer.trim()) {
        return Ok((true, link.clone()));
    }
    let after = st
        .store
        .link_answer(link.id, LinkChange::WrongAnswer { lock_at: LOCK_AT })
        .await?;
    Ok((false, after))
}

/// Records the answers given through a link and closes it.
pub async fn record_answers(
    st: &AppState,
    link: &FollowUpLink,
    answers: Vec<acumen_domain::OutcomeInput>,
) -> ApiResult<()> {
    let actor = link_actor(link.clinic_id);
    let at = acumen_store::Placement {
        patient_id: Some(link.patient_id),
        parent_id: Some(link.course_id),
    };
    for a in answers {
        let data = serde_json::to_value(&a).map_err(|e| ApiError::Internal(format!("outcome: {e}")))?;
        st.store.insert_record(&actor, "outcome", at, data, None).await?;
    }
    st.store
        .link_answer(link.id, LinkChange::Close { state: "used" })
        .await?;
    Ok(())
}

/// The patient declines this timepoint.
pub async fn decline(st: &AppState, link: &FollowUpLink) -> ApiResult<()> {
    st.store
        .link_answer(link.id, LinkChange::Close { state: "declined" })
        .await?;
    Ok(())
}

/// The patient opts out of every follow-up message (their record, audited).
pub async fn opt_out(st: &AppState, link: &FollowUpLink, now: OffsetDateTime) -> ApiResult<()> {
    let actor = link_actor(link.clinic_id);
    let p = st.store.record(&actor, "patient", link.patient_id).await?;
    let mut data = p.data.clone();
    let f = data
        .as_object_mut()
        .ok_or_else(|| ApiError::Internal("patient data is not an object".into()))?
        .entry("follow_up")
        .or_insert_with(|| serde_json::json!({"consent": false, "channel": null}));
    f["opted_out"] = Value::String(rfc3339(now));
    st.store
        .update_record_audited(&actor, "patient", p.id, p.version, data, &["opt_out".to_string()])
        .await?;
    Ok(())
}
