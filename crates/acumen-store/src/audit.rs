//! The audit log's HMAC chain: each entry's MAC covers the entry and the
//! previous entry's MAC, keyed by a secret kept outside the database; the
//! latest head is also written to a checkpoint file so that a deleted tail
//! is detected too.

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
