//! Validation errors that name the field and the rule broken.

use serde::Serialize;

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

    /// A date in ISO form (YYYY-MM-DD).
    pub fn date(&mut self, v: &str, field: &str) -> Option<time::Date> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(v.trim(), &fmt) {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(field, format!("must be a date written YYYY-MM-DD, got '{v}'"));
                None
            }
        }
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
