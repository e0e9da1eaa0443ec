//! A clinic's follow-up messaging: the name its messages carry, its time zone
//! and quiet hours, the texts of its messages, and whether an admin approved
//! them for sending.
//!
//! Texts are templates with a fixed set of placeholders ([`PLACEHOLDERS`]):
//! the clinic's display name, the timepoint in words, the link, the stop
//! link, the last day the link opens and the reminder prefix. Nothing about
//! the patient can be put in a message, because no placeholder names it; a
//! text that names a health condition ("your neuropathy") is refused, since a
//! message can be read on a locked phone.
//!
//! Sending needs approval: every change of a text or the display name raises
//! the settings' `revision`, and messages go only while `enabled_revision` is
//! that revision, so an admin enables exactly the texts they were shown.

use serde::{Deserialize, Serialize};

use crate::error::{Check, Invalid};
use crate::outreach::ClinicZone;

/// The placeholders a text may use, with what each becomes.
pub const PLACEHOLDERS: [(&str, &str); 6] = [
    ("clinic", "the clinic's display name"),
    ("when", "the timepoint in words (\"4 weeks after your course\")"),
    (
        "link",
        "the link to the form (required in the e-mail and the text message)",
    ),
    (
        "stop",
        "the link that stops all messages (required in the e-mail and the text message)",
    ),
    ("until", "the last day the link opens (YYYY-MM-DD)"),
    ("again", "\"A reminder: \" in a reminder, nothing in the first message"),
];

/// Longest texts accepted (characters, before placeholders are filled in).
const MAX_NAME: usize = 60;
const MAX_SUBJECT: usize = 120;
const MAX_EMAIL: usize = 3000;
const MAX_SMS: usize = 200;

/// Word stems of health conditions a message must not carry.
const HEALTH_WORDS: [&str; 18] = [
    "neuropath",
    "neuralg",
    "neuritis",
    "diabet",
    "chemo",
    "herpe",
    "shingles",
    "carpal",
    "radicul",
    "sciatic",
    "trigemin",
    "phantom",
    "stroke",
    "amputat",
    "cancer",
    "tumo",
    "hiv",
    "diagnos",
];

/// A clinic's messaging settings as an admin sends them (unknown fields refused).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessagingInput {
    /// The name messages are signed with (e.g. "North Clinic").
    pub display_name: String,
    /// The clinic's time zone, an IANA name ("Europe/London").
    pub time_zone: String,
    /// Quiet hours: nothing is sent from this hour (0-23) ...
    pub quiet_from: u8,
    /// ... to this hour; equal hours mean no quiet hours.
    pub quiet_to: u8,
    /// The e-mail's subject.
    pub email_subject: String,
    /// The e-mail's text.
    pub email_body: String,
    /// The text message.
    pub sms_body: String,
}

/// A clinic's messaging settings, valid, with their approval (as stored).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Messaging {
    /// The settings.
    #[serde(flatten)]
    pub texts: MessagingInput,
    /// Raised by every change of a text or the display name.
    pub revision: u32,
    /// The revision an admin enabled; messages go only while it is `revision`.
    pub enabled_revision: Option<u32>,
}

/// What a placeholder is filled with in one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill<'a> {
    /// The timepoint in words.
    pub when: &'a str,
    /// The link.
    pub link: &'a str,
    /// The stop link.
    pub stop: &'a str,
    /// The link's last open day.
    pub until: &'a str,
    /// Whether this is a reminder.
    pub reminder: bool,
}

impl MessagingInput {
    /// The texts Acumen ships, signed with `name`, in `zone` with quiet hours `quiet`.
    pub fn defaults(name: &str, zone: &str, quiet: (u8, u8)) -> MessagingInput {
        MessagingInput {
            display_name: name.chars().take(MAX_NAME).collect(),
            time_zone: zone.to_string(),
            quiet_from: quiet.0,
            quiet_to: quiet.1,
            email_subject: "{clinic}: {again}a short question about your pain".into(),
            email_body: "Hello,\n\n{again}{clinic} asks how you are {when}. It takes about a minute:\n\n{link}\n\n\
                         The page asks for your date of birth first. The link is open until {until}.\n\n\
                         To stop these messages: {stop}"
                .into(),
            sms_body: "{clinic}: {again}how is your pain {when}? One minute: {link} (open until {until}). \
                       To stop these messages: {stop}"
                .into(),
        }
    }

    /// Checks every field; all broken rules at once, each naming its field.
    pub fn validate(mut self) -> Result<MessagingInput, Invalid> {
        let mut c = Check::default();
        self.display_name = c.text(&self.display_name, MAX_NAME, "display_name");
        if self.display_name.contains(['{', '}', '\n', '\r']) {
            c.fail("display_name", "must be one line without { or }");
        }
        healthy(&mut c, &self.display_name, "display_name");
        self.time_zone = self.time_zone.trim().to_string();
        if ClinicZone::named(&self.time_zone).is_none() {
            c.fail(
                "time_zone",
                format!(
                    "must be an IANA time zone name such as Europe/London or America/New_York, got '{}'",
                    self.time_zone
                ),
            );
        }
        for (h, field) in [(self.quiet_from, "quiet_from"), (self.quiet_to, "quiet_to")] {
            c.ensure(h <= 23, field, "must be a whole hour from 0 to 23");
        }
        self.email_subject = c.text(&self.email_subject, MAX_SUBJECT, "email_subject");
        c.ensure(!self.email_subject.contains('\n'), "email_subject", "must be one line");
        template(&mut c, &self.email_subject, "email_subject", false);
        self.email_body = c.text(&self.email_body.replace("\r\n", "\n"), MAX_EMAIL, "email_body");
        template(&mut c, &self.email_body, "email_body", true);
        self.sms_body = c.text(&self.sms_body, MAX_SMS, "sms_body");
        template(&mut c, &self.sms_body, "sms_body", true);
        c.finish(self)
    }

    /// The subject (empty for a text message) and text of one message.
    pub fn render(&self, fill: &Fill<'_>, sms: bool) -> (String, String) {
        let again = if fill.reminder { "A reminder: " } else { "" };
        let value = |name: &str, in_subject: bool| -> String {
            match name {
                "clinic" => self.display_name.clone(),
                "when" => fill.when.to_string(),
                "link" => fill.link.to_string(),
                "stop" => fill.stop.to_string(),
                "until" => fill.until.to_string(),
                "again" if in_subject => again.to_lowercase(),
                "again" => again.to_string(),
                _ => String::new(),
            }
        };
        let fill_in = |text: &str, in_subject: bool| -> String {
            let mut out = String::with_capacity(text.len() + 128);
            for piece in pieces(text) {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Name(n) => out.push_str(&value(n, in_subject)),
                }
            }
            out
        };
        if sms {
            (String::new(), fill_in(&self.sms_body, false))
        } else {
            let subject = fill_in(&self.email_subject, true);
            // A subject starting with the reminder prefix starts with a capital.
            let subject = match subject.strip_prefix("a reminder: ") {
                Some(rest) => format!("A reminder: {rest}"),
                None => subject,
            };
            (subject, fill_in(&self.email_body, false))
        }
    }
}

impl Messaging {
    /// Whether messages may go: an admin enabled these very texts.
    pub fn enabled(&self) -> bool {
        self.enabled_revision == Some(self.revision)
    }

    /// New settings replacing these: the revision rises when a text or the
    /// display name changed (so they must be enabled again).
    pub fn replaced(&self, next: MessagingInput) -> Messaging {
        let a = &self.texts;
        let same = a.display_name == next.display_name
            && a.email_subject == next.email_subject
            && a.email_body == next.email_body
            && a.sms_body == next.sms_body;
        Messaging {
            revision: if same { self.revision } else { self.revision + 1 },
            enabled_revision: self.enabled_revision,
            texts: next,
        }
    }

    /// The clinic's zone (UTC when the stored name is no longer known).
    pub fn zone(&self) -> ClinicZone {
        ClinicZone::named(&self.texts.time_zone).unwrap_or_else(ClinicZone::utc)
    }
}

enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

/// A template in pieces: text, and `{name}`s (an unclosed `{` stays text;
/// [`template`] refuses it).
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(Piece::Text(&rest[..open]));
        out.push(Piece::Name(&rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    out.push(Piece::Text(rest));
    out
}

fn healthy(c: &mut Check, text: &str, field: &str) {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|ch: char| !ch.is_alphanumeric()).collect();
    if let Some(w) = words.iter().find(|w| HEALTH_WORDS.iter().any(|h| w.starts_with(h))) {
        c.fail(
            field,
            format!("must not name a health condition or diagnosis ('{w}'): messages can be read on a locked phone"),
        );
    }
}

fn template(c: &mut Check, text: &str, field: &str, body: bool) {
    let known = |n: &str| PLACEHOLDERS.iter().any(|(p, _)| *p == n);
    let mut used = Vec::new();
    let mut depth_error = false;
    let mut open = false;
    for ch in text.chars() {
        match ch {
            '{' if open => depth_error = true,
            '{' => open = true,
            '}' if !open => depth_error = true,
            '}' => open = false,
            _ => {}
        }
    }
    if open || depth_error {
        c.fail(
            field,
            "has a { without its } (placeholders are written {link}, {stop}, ...)",
        );
        return;
    }
    for p in pieces(text) {
        if let Piece::Name(n) = p {
            if known(n) {
                used.push(n);
            } else {
                let names: Vec<String> = PLACEHOLDERS.iter().map(|(p, _)| format!("{{{p}}}")).collect();
                c.fail(
                    field,
                    format!(
                        "has an unknown placeholder {{{n}}}; the placeholders are {}",
                        names.join(", ")
                    ),
                );
            }
        }
    }
    if body {
        for need in ["link", "stop"] {
            if !used.contains(&need) {
                c.fail(
                    field,
                    format!("must contain {{{need}}}: every message carries the link and the way to stop messages"),
                );
            }
        }
    } else if used.iter().any(|n| *n == "link" || *n == "stop") {
        c.fail(field, "must not contain a link ({link} or {stop} belong in the text)");
    }
    healthy(c, text, field);
}
