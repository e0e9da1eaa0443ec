//! Who is asked what, and when: the state of each scheduled timepoint
//! ([`crate::followup`]) and the next message to a patient.
//!
//! Rules (the numbers are a [`FollowUpPlan`]'s, defaults in brackets):
//! - A timepoint asked by a link is sent from the day it falls due; a
//!   reminder follows on the days after the first message the plan names
//!   ([3 and 7]) unless it was recorded or declined. Each message's link stays
//!   open `link_days` [7] after it: the timepoint expires, unrecorded, on the
//!   later of the last reminder's day and the last message's day plus those
//!   days [day 14]. Never sent (no consent, no channel), it expires on the
//!   same day counted from the day it fell due.
//! - A timepoint recorded at a visit is due from its visit and expires
//!   `link_days` after it; a baseline expires once session 1 has passed.
//! - Nothing is sent without the patient's consent and a channel, or after
//!   they opted out; nothing in quiet hours [21:00 to 08:00] in the clinic's
//!   time zone; at most one message to a patient a (local) day. When several
//!   are waiting, the one waiting longest goes first.
//!
//! Days are the clinic's calendar days; `now` is passed in.

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};

use crate::followup::{FollowUpPlan, Scheduled, Timepoint};

impl MessageKind {
    /// As the outbox stores it: `link`, `reminder:1`, ...
    pub fn key(self) -> String {
        match self {
            MessageKind::Link => "link".into(),
            MessageKind::Reminder(n) => format!("reminder:{n}"),
        }
    }

    /// From the outbox's key.
    pub fn of_key(k: &str) -> Option<MessageKind> {
        match k {
            "link" => Some(MessageKind::Link),
            _ => k.strip_prefix("reminder:")?.parse().ok().map(MessageKind::Reminder),
        }
    }
}

/// How a patient is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail.
    Email,
    /// Text message.
    Sms,
}

/// A patient's choice about being contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Contact {
    /// They agreed to follow-up messages (default: no contact).
    pub consent: bool,
    /// How, with an address on file.
    pub channel: Option<Channel>,
    /// They opted out (unsubscribe or STOP) since.
    pub opted_out: bool,
}

impl Contact {
    /// The channel to use, if the patient may be contacted.
    pub fn reachable(&self) -> Option<Channel> {
        self.channel.filter(|_| self.consent && !self.opted_out)
    }
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "n", rename_all = "snake_case")]
pub enum MessageKind {
    /// The first message, with the link.
    Link,
    /// The n-th reminder (1, 2, ...), with the link again.
    Reminder(u32),
}

/// A message sent (or queued) about one timepoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The timepoint's key ([`Timepoint::key`]).
    pub timepoint: String,
    /// What it was.
    pub kind: MessageKind,
    /// When it was queued.
    pub at: OffsetDateTime,
}

/// The state of a scheduled timepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Fallen due, nothing sent.
    Due,
    /// Its link was sent.
    Sent,
    /// At least one reminder was sent.
    Reminded,
    /// Recorded.
    Completed,
    /// Closed unrecorded (counted as missing).
    Expired,
    /// The patient declined to answer (counted as missing).
    Declined,
}

/// The clinic's time zone (an IANA name), for quiet hours and calendar days.
#[derive(Debug, Clone)]
pub struct ClinicZone(jiff::tz::TimeZone);

impl ClinicZone {
    /// The zone of an IANA name ("Europe/London"); None for an unknown name.
    pub fn named(name: &str) -> Option<ClinicZone> {
        jiff::tz::TimeZone::get(name).ok().map(ClinicZone)
    }

    /// Its IANA name ("UTC" for a zone without one).
    pub fn name(&self) -> String {
        self.0.iana_name().unwrap_or("UTC").to_string()
    }

    /// Coordinated universal time.
    pub fn utc() -> ClinicZone {
        ClinicZone(jiff::tz::TimeZone::UTC)
    }

    /// The clinic's calendar day and hour at an instant.
    pub fn local(&self, at: OffsetDateTime) -> (Date, u8) {
        let z = jiff::Timestamp::from_second(at.unix_timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.0.clone());
        let month = time::Month::try_from(z.month() as u8).unwrap_or(time::Month::January);
        let day = Date::from_calendar_date(i32::from(z.year()), month, z.day() as u8).unwrap_or(at.date());
        (day, z.hour() as u8)
    }
}

/// Whether `hour` is inside the quiet hours `from` to `to` (which may wrap midnight).
pub fn quiet(hour: u8, from: u8, to: u8) -> bool {
    if from == to {
        false
    } else if from > to {
        hour >= from || hour < to
    } else {
        hour >= from && hour < to
    }
}

/// One timepoint with the messages sent about it.
#[derive(Debug, Clone)]
pub struct Outreach<'a> {
    /// The timepoint.
    pub item: &'a Scheduled,
    /// Its messages, oldest first.
    pub messages: Vec<&'a Message>,
    /// The patient declined it.
    pub declined: bool,
}

impl Outreach<'_> {
    /// The last day its link is open (the day before it expires), if it was sent.
    pub fn open_until(&self, plan: &FollowUpPlan, zone: &ClinicZone) -> Option<Date> {
        let first = zone.local(self.messages.first()?.at).0;
        let last = zone.local(self.messages.last()?.at).0;
        let last_reminder = first + Duration::days(plan.reminder_days.iter().copied().max().unwrap_or(0));
        Some(last_reminder.max(last) + Duration::days(plan.link_days - 1))
    }

    /// Its state at `now`.
    pub fn state(&self, plan: &FollowUpPlan, zone: &ClinicZone, now: OffsetDateTime) -> State {
        let today = zone.local(now).0;
        let item = self.item;
        if item.recorded {
            return State::Completed;
        }
        if self.declined {
            return State::Declined;
        }
        if item.closes.is_some_and(|c| today > c) {
            return State::Expired;
        }
        if !item.timepoint.by_link() {
            return if today >= item.due + Duration::days(plan.link_days) {
                State::Expired
            } else {
                State::Due
            };
        }
        match self.open_until(plan, zone) {
            None if today >= item.due + Duration::days(plan.window_days()) => State::Expired,
            None => State::Due,
            Some(until) if today > until => State::Expired,
            Some(_) if self.messages.len() > 1 => State::Reminded,
            Some(_) => State::Sent,
        }
    }
}

/// The next message to send a patient now, if any: which timepoint, and whether
/// it is the link or a reminder.
pub fn next_message(
    items: &[Outreach<'_>],
    contact: &Contact,
    sent_to_patient: &[OffsetDateTime],
    plan: &FollowUpPlan,
    zone: &ClinicZone,
    now: OffsetDateTime,
) -> Option<(Timepoint, MessageKind)> {
    next_message_of(items, contact, sent_to_patient, plan, zone, now).map(|(i, kind)| (items[i].item.timepoint, kind))
}

/// As [`next_message`], naming the item by its place in `items` (a patient
/// with two courses has two baselines).
pub fn next_message_of(
    items: &[Outreach<'_>],
    contact: &Contact,
    sent_to_patient: &[OffsetDateTime],
    plan: &FollowUpPlan,
    zone: &ClinicZone,
    now: OffsetDateTime,
) -> Option<(usize, MessageKind)> {
    contact.reachable()?;
    let (today, hour) = zone.local(now);
    if quiet(hour, plan.quiet_from, plan.quiet_to) {
        return None;
    }
    if sent_to_patient.iter().any(|at| zone.local(*at).0 == today) {
        return None;
    }
    let mut waiting: Vec<(Date, usize, MessageKind)> = Vec::new();
    for (i, o) in items.iter().enumerate().filter(|(_, o)| o.item.timepoint.by_link()) {
        match o.state(plan, zone, now) {
            State::Due => waiting.push((o.item.due, i, MessageKind::Link)),
            State::Sent | State::Reminded => {
                let Some(first) = o.messages.first() else { continue };
                let reminded = o.messages.len() - 1;
                if let Some(days) = plan.reminder_days.get(reminded) {
                    let on = zone.local(first.at).0 + Duration::days(*days);
                    if today >= on {
                        waiting.push((on, i, MessageKind::Reminder(reminded as u32 + 1)));
                    }
                }
            }
            _ => {}
        }
    }
    waiting.sort_by_key(|(on, i, _)| (*on, *i));
    waiting.first().map(|(_, i, kind)| (*i, *kind))
}
