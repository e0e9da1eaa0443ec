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
        c.finish(Valid(self))
    }
}
