//! The audit log's HMAC chain: each entry's MAC covers the entry and the
//! previous entry's MAC, keyed by a secret kept outside the database; the
//! latest head is also written to a checkpoint file so that a deleted tail
//! is detected too, and anchored outside the database (the server logs it
//! at every start and stop, each backup's manifest records it) so that a
//! tail deleted together with the checkpoint is found by comparing with an
//! anchor ([`anchored`]).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::AuditEntry;

/// MAC of an entry given the previous entry's MAC ("" for the first).
pub fn entry_mac(key: &[u8], prev: &str, e: &AuditEntry) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    let canonical = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}",
        prev,
        e.id,
        e.at,
        e.user_id.map_or(String::new(), |v| v.to_string()),
        e.role.clone().unwrap_or_default(),
        e.clinic_id.map_or(String::new(), |v| v.to_string()),
        e.action,
        e.record_kind.clone().unwrap_or_default(),
        e.record_id.map_or(String::new(), |v| v.to_string()),
    );
    mac.update(canonical.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry checks out and the head matches the checkpoint.
    Intact {
        /// Number of entries.
        entries: usize,
    },
    /// The first entry whose MAC does not match (edited or a row before it deleted).
    Broken {
        /// Its id.
        id: i64,
    },
    /// The log has entries but its checkpoint file is gone.
    CheckpointMissing {
        /// Entries in the log.
        entries: usize,
    },
    /// The checkpoint names an earlier head than the log's (a crash between
    /// a commit and the checkpoint write, or an older checkpoint put back).
    CheckpointBehind {
        /// Id the checkpoint names.
        checkpoint_head: i64,
        /// Id of the last entry present.
        log_head: i64,
    },
    /// Entries after the checkpointed head are missing.
    TailMissing {
        /// Id of the checkpointed head.
        expected_head: i64,
        /// Id of the last entry present.
        found_head: i64,
    },
}

/// Verifies entries (in id order) against the key and the checkpoint `(head id, head mac)`.
pub fn verify(key: &[u8], entries: &[AuditEntry], checkpoint: Option<(i64, String)>) -> Verdict {
    let mut prev = String::new();
    let mut last_id = 0;
    for (i, e) in entries.iter().enumerate() {
        // Ids are consecutive from 1: a gap means a deleted row.
        if e.id != i as i64 + 1 || entry_mac(key, &prev, e) != e.hmac {
            return Verdict::Broken { id: e.id };
        }
        prev = e.hmac.clone();
        last_id = e.id;
    }
    if let Some((head, mac)) = checkpoint {
        if last_id < head || (last_id == head && mac != prev) {
            return Verdict::TailMissing {
                expected_head: head,
                found_head: last_id,
            };
        }
    }
    Verdict::Intact { entries: entries.len() }
}

/// An SQLite checkpoint file: the committed head, and the head a batch was
/// about to commit when the file was last written (a crash between that
/// commit and the next write leaves the log at the pending head).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// `(id, mac)` of the last head known committed.
    pub committed: (i64, String),
    /// `(id, mac)` of the head being committed, if a batch was in progress.
    pub pending: Option<(i64, String)>,
}

/// Reads a checkpoint file (`ID MAC`, then optionally `pending ID MAC`).
pub fn read_checkpoint_file(path: &std::path::Path) -> Option<Checkpoint> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let pair = |l: &str| -> Option<(i64, String)> {
        let (id, mac) = l.trim().split_once(' ')?;
        Some((id.parse().ok()?, mac.to_string()))
    };
    let committed = pair(lines.next()?)?;
    let pending = lines.next().and_then(|l| l.strip_prefix("pending ")).and_then(pair);
    Some(Checkpoint { committed, pending })
}

/// As [`verify`] for a backend that keeps a checkpoint file (SQLite): a
/// missing checkpoint, or one behind the log (other than by the batch it
/// notes as pending), is a failure too.
pub fn verify_kept(key: &[u8], entries: &[AuditEntry], checkpoint: Option<Checkpoint>) -> Verdict {
    let log = entries.last().map(|e| (e.id, e.hmac.clone()));
    // A crash after the pending batch committed: the pending head is the head.
    let head = match &checkpoint {
        Some(c) if c.pending.is_some() && c.pending == log => c.pending.clone(),
        Some(c) => Some(c.committed.clone()),
        None => None,
    };
    let verdict = verify(key, entries, head.clone());
    if verdict != (Verdict::Intact { entries: entries.len() }) {
        return verdict;
    }
    let log_head = log.map_or(0, |l| l.0);
    match head {
        None if !entries.is_empty() => Verdict::CheckpointMissing { entries: entries.len() },
        Some((h, _)) if h < log_head => Verdict::CheckpointBehind {
            checkpoint_head: h,
            log_head,
        },
        _ => verdict,
    }
}

/// Whether the log still holds the anchored head `(id, mac)`: an entry with
/// that id and MAC (the chain up to it verified by [`verify`]).
pub fn anchored(entries: &[AuditEntry], id: i64, mac: &str) -> bool {
    entries.iter().any(|e| e.id == id && e.hmac == mac)
}
