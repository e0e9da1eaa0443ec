//! A patient record with its safety profile.

use serde::{Deserialize, Serialize};

use crate::error::{Check, Invalid};
use crate::profile::SafetyProfile;
use crate::valid::{Valid, Validate};

/// A patient record (identifiers and contact are PHI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientInput {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Year of birth.
    pub year_of_birth: i32,
    /// Sex: female, male, other, unknown.
    pub sex: String,
    /// Safety profile.
    #[serde(default)]
    pub safety: SafetyProfile,
    /// Full date of birth (YYYY-MM-DD), optional: asked before a follow-up
    /// link opens, for patients who agree to follow-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Consent to be contacted between visits (absent: no contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUpConsent>,
}

/// A patient's choice about follow-up messages between visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpConsent {
    /// They agreed to be contacted.
    pub consent: bool,
    /// How: `email` or `sms` (with the address on the record).
    pub channel: Option<String>,
    /// When they opted out (unsubscribe or STOP), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opted_out: Option<String>,
}

const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];

impl Validate for PatientInput {
    fn validate(mut self) -> Result<Valid<Self>, Invalid> {
        let mut c = Check::default();
        self.given_name = c.text(&self.given_name, 100, "given_name");
        self.family_name = c.text(&self.family_name, 100, "family_name");
        if let Some(e) = &self.email {
            let ok = e.len() <= 254 && e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
            c.ensure(ok, "email", "must be an e-mail address like name@example.org");
        }
        if let Some(p) = &self.phone {
            let digits = p.chars().filter(|ch| ch.is_ascii_digit()).count();
            let ok = (6..=20).contains(&digits) && p.chars().all(|ch| ch.is_ascii_digit() || " +-()".contains(ch));
            c.ensure(ok, "phone", "must be a phone number of 6 to 20 digits");
        }
        c.ensure(
            (1900..=2100).contains(&self.year_of_birth),
            "year_of_birth",
            "must be a year between 1900 and 2100",
        );
        c.ensure(
            SEXES.contains(&self.sex.as_str()),
            "sex",
            "must be one of female, male, other, unknown",
        );
        self.safety.check(&mut c, "safety", true);
        if let Some(d) = self.date_of_birth.as_deref() {
            if let Some(day) = c.date(d, "date_of_birth") {
                c.ensure(
                    day.year() == self.year_of_birth,
                    "date_of_birth",
                    "must fall in the year of birth",
                );
            }
        }
        if let Some(f) = &self.follow_up {
            match f.channel.as_deref() {
                None => c.ensure(
                    !f.consent,
                    "follow_up.channel",
                    "is needed (email or sms) when the patient agrees to follow-up",
                ),
                Some("email") => c.ensure(
                    self.email.is_some(),
                    "follow_up.channel",
                    "is e-mail but the record has no e-mail address",
                ),
                Some("sms") => c.ensure(
                    self.phone.is_some(),
                    "follow_up.channel",
                    "is text message but the record has no phone number",
                ),
                Some(_) => c.fail("follow_up.channel", "must be email or sms"),
            }
            c.ensure(
                !f.consent || self.date_of_birth.is_some(),
                "date_of_birth",
                "is needed for follow-up: the patient gives it to open a link",
            );
        }
        c.finish(Valid(self))
    }
}
