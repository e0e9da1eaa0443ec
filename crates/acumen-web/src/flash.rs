//! Refused forms kept for one redirect (post/redirect/get): a refused POST
//! leaves what was typed and the reasons here and answers 303 to the
//! form's own address, whose GET shows them once. Going back and forward
//! then never asks to resubmit. Entries are the caller's own (keyed by
//! user and form address), live ten minutes, are taken on first read, and
//! are bounded in number; they stay in the server's memory only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a refused form waits for its GET.
pub const TTL: Duration = Duration::from_secs(600);
/// At most this many refused forms are kept (the oldest go first).
pub const MAX_ENTRIES: usize = 2000;

/// The kept forms: (user, form address) -> (when, what).
#[derive(Clone)]
pub struct Flash<T: Clone> {
    entries: Arc<Mutex<HashMap<(i64, String), (Instant, T)>>>,
}

impl<T: Clone> Default for Flash<T> {
    fn default() -> Self {
        Flash {
            entries: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

impl<T: Clone> Flash<T> {
    /// Keeps `what` for `user`'s next GET of `path` (replacing an older one).
    pub fn put(&self, user: i64, path: &str, what: T) {
        let now = Instant::now();
        let mut m = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, (at, _)| now.duration_since(*at) < TTL);
        if m.len() >= MAX_ENTRIES {
            if let Some(oldest) = m.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| k.clone()) {
                m.remove(&oldest);
            }
        }
        m.insert((user, path.to_string()), (now, what));
    }

    /// Takes what `user` left for `path`, if it is still fresh.
    pub fn take(&self, user: i64, path: &str) -> Option<T> {
        let mut m = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (at, what) = m.remove(&(user, path.to_string()))?;
        (at.elapsed() < TTL).then_some(what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_read_once_by_its_own_user() {
        let f: Flash<u32> = Flash::default();
        f.put(1, "/patients/new", 7);
        assert_eq!(f.take(2, "/patients/new"), None, "another user");
        assert_eq!(f.take(1, "/patients/other"), None, "another form");
        assert_eq!(f.take(1, "/patients/new"), Some(7));
        assert_eq!(f.take(1, "/patients/new"), None, "taken once");
    }

    #[test]
    fn the_store_is_bounded() {
        let f: Flash<usize> = Flash::default();
        for i in 0..MAX_ENTRIES + 10 {
            f.put(i as i64, "/x", i);
        }
        let n = f.entries.lock().unwrap().len();
        assert_eq!(n, MAX_ENTRIES);
        assert_eq!(f.take(0, "/x"), None, "the oldest went first");
        assert_eq!(f.take((MAX_ENTRIES + 9) as i64, "/x"), Some(MAX_ENTRIES + 9));
    }
}
