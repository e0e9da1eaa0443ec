//! A cancel flag for long analyses: the caller (a server with a time budget
//! per analysis) holds one end and sets it; the engine checks it at every
//! model fit and every iteration of the iterative estimators and stops with
//! [`MetaError::Cancelled`]. Checking an atomic flag is not IO: the engine
//! stays pure, and the caller's thread ends as soon as the flag is seen.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::MetaError;

/// A cancel flag (none by default: the analysis runs to its end).
#[derive(Clone, Default)]
pub struct Budget(Option<Arc<AtomicBool>>);

impl Budget {
    /// A budget that stops the analysis once `flag` is set.
    pub fn with_flag(flag: Arc<AtomicBool>) -> Self {
        Budget(Some(flag))
    }

    /// Whether the caller has asked the analysis to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// `Err(MetaError::Cancelled)` once the caller has asked to stop.
    pub fn check(&self) -> Result<(), MetaError> {
        if self.is_cancelled() {
            Err(MetaError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// A budget is not a model setting: two options that differ only in their
/// budget describe the same model.
impl PartialEq for Budget {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Budget(cancelled: {})", self.is_cancelled())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_flag_stops_and_no_flag_never_does() {
        let flag = Arc::new(AtomicBool::new(false));
        let b = Budget::with_flag(flag.clone());
        assert!(b.check().is_ok());
        flag.store(true, Ordering::Relaxed);
        assert_eq!(b.check(), Err(MetaError::Cancelled));
        assert!(Budget::default().check().is_ok());
    }
}
