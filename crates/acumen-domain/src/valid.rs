//! Parse, don't validate: a `Valid<T>` is made only by `Validate::validate`.

use serde::Serialize;

use crate::error::Invalid;

/// A value that passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Valid<T>(pub(crate) T);

impl<T> Valid<T> {
    /// The validated value.
    pub fn get(&self) -> &T {
        &self.0
    }
    /// Consumes the wrapper.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Whether `s` has the form of a public id: 32 lower-case hex digits (what
/// the server names records, users and tokens by).
pub fn is_public_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Something that can be validated.
pub trait Validate: Sized {
    /// Checks every rule; on success the value is wrapped as `Valid`.
    fn validate(self) -> Result<Valid<Self>, Invalid>;
}
