//! Validation errors that name the field and the rule broken.

use serde::Serialize;

/// The earliest clinical date accepted (birth years start at 1900 too).
pub const EARLIEST_DATE: time::Date = time::macros::date!(1900 - 01 - 01);
/// The latest clinical date accepted (planned course ends included).
pub const LATEST_DATE: time::Date = time::macros::date!(2099 - 12 - 31);

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON path of the field (`points[2].code`).
    pub field: String,
    /// The rule, in words a clinician understands.
    pub rule: String,
}

/// All broken rules of one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", .errors.iter().map(|e| format!("{}: {}", e.field, e.rule)).collect::<Vec<_>>().join("; "))]
pub struct Invalid {
    /// The broken rules.
    pub errors: Vec<FieldError>,
}

/// Collects field errors while validating.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    /// Records a broken rule.
    pub fn fail(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            rule: rule.into(),
        });
    }

    /// Records a broken rule unless `ok`.
    pub fn ensure(&mut self, ok: bool, field: &str, rule: &str) {
        if !ok {
            self.fail(field, rule);
        }
    }

    /// A number within [lo, hi].
    pub fn range(&mut self, v: f64, lo: f64, hi: f64, field: &str) {
        if !(v >= lo && v <= hi) || !v.is_finite() {
            self.fail(field, format!("must be between {lo} and {hi}, got {v}"));
        }
    }

    /// A required, trimmed, non-empty text of at most `max` characters.
    pub fn text(&mut self, v: &str, max: usize, field: &str) -> String {
        let t = v.trim();
        if t.is_empty() {
            self.fail(field, "must not be empty");
        } else if t.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        }
        t.to_string()
    }

    /// A date in ISO form (YYYY-MM-DD) within the clinical window.
    pub fn date(&mut self, v: &str, field: &str) -> Option<time::Date> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(v.trim(), &fmt) {
            Ok(d) => self.in_window(d, field),
            Err(_) => {
                self.fail(field, format!("must be a date written YYYY-MM-DD, got '{v}'"));
                None
            }
        }
    }

    /// A day (a date or an RFC 3339 date-time) within the clinical window.
    pub fn day(&mut self, v: &str, field: &str) -> Option<time::Date> {
        match day_of(v) {
            Some(d) => self.in_window(d, field),
            None => {
                self.fail(
                    field,
                    "must be a date-time (RFC 3339, e.g. 2026-11-25T10:30:00Z) or a date YYYY-MM-DD",
                );
                None
            }
        }
    }

    fn in_window(&mut self, d: time::Date, field: &str) -> Option<time::Date> {
        if d < EARLIEST_DATE || d > LATEST_DATE {
            self.fail(
                field,
                format!("must be between {EARLIEST_DATE} and {LATEST_DATE} (a clinical date), got {d}"),
            );
            return None;
        }
        Some(d)
    }

    /// The rules broken so far, as an error.
    pub fn into_invalid(self) -> Invalid {
        Invalid { errors: self.errors }
    }

    /// Finishes: the value if no rule was broken.
    pub fn finish<T>(self, value: T) -> Result<T, Invalid> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(Invalid { errors: self.errors })
        }
    }
}

/// Parses a day from a date (`2026-11-25`) or an RFC 3339 date-time.
pub fn day_of(s: &str) -> Option<time::Date> {
    let s = s.trim();
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .ok()
        .or_else(|| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|t| t.date())
        })
}
