//! The clinic's records as the figures read them (courses, sessions,
//! outcomes and adverse events, not voided), kept in memory per clinic and
//! keyed on the store's record generation, with the answers computed from
//! them on a day. The day view, the answers page and the owner's dashboard
//! read every record of the clinic; reading them once per change instead of
//! once per page keeps those pages under 100 ms on a 320-patient clinic.
//!
//! The kept copy is brought up to date with what changed after its
//! generation ([`Store::records_since`]): a write costs the next page the
//! changed records, not the clinic's. The generation is read in the same
//! transaction before the records, so a write landing meanwhile can only
//! leave records newer than their generation, which the next refresh reads
//! again; a record is never older than the generation it is kept under.
//! The counter lives in the database, so a write by another server process
//! on the same PostgreSQL database reaches this one's copy too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use acumen_analytics::answers::Answers;
use acumen_analytics::records::RawRecord;
use acumen_store::{Record, RecordChanges, Store};

use crate::error::ApiResult;

/// The record kinds the figures read (never the patient records themselves).
pub const KINDS: [&str; 4] = ["course", "session", "outcome", "adverse_event"];

/// One clinic's records at one generation.
#[derive(Clone, Default)]
pub struct Snapshot {
    /// The generation they were read at.
    pub generation: i64,
    /// The records as the analytics read them (no order promised).
    pub raw: Arc<Vec<RawRecord>>,
    /// Public ids: of each record kept, and of its patient.
    pub public_ids: Arc<HashMap<i64, String>>,
}

impl Snapshot {
    /// The public id of a record (or patient) of the snapshot.
    pub fn public_id(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.public_ids.get(&i)).cloned().unwrap_or_default()
    }
}

#[derive(Default)]
struct Entry {
    snapshot: Snapshot,
    /// Where each record id sits in `snapshot.raw`.
    at: HashMap<i64, usize>,
    /// Answers computed from this snapshot, and the day they were computed on.
    answers: Option<(time::Date, Answers)>,
}

impl Entry {
    /// Brings the kept records to the changes' generation: voided ones
    /// dropped, the others replaced or added.
    fn apply(&mut self, changes: RecordChanges) {
        if changes.generation == self.snapshot.generation && changes.live.is_empty() && changes.voided.is_empty() {
            return;
        }
        let raw = Arc::make_mut(&mut self.snapshot.raw);
        let ids = Arc::make_mut(&mut self.snapshot.public_ids);
        for id in changes.voided {
            if let Some(i) = self.at.remove(&id) {
                raw.swap_remove(i);
                if let Some(moved) = raw.get(i) {
                    self.at.insert(moved.id, i);
                }
            }
        }
        for r in changes.live {
            ids.insert(r.id, r.public_id.clone());
            if let (Some(p), Some(pp)) = (r.patient_id, r.patient_public_id.clone()) {
                ids.insert(p, pp);
            }
            match self.at.get(&r.id) {
                Some(&i) => raw[i] = raw_of(r),
                None => {
                    self.at.insert(r.id, raw.len());
                    raw.push(raw_of(r));
                }
            }
        }
        self.snapshot.generation = changes.generation;
        self.answers = None;
    }
}

/// The cache of every clinic's snapshot (one entry per clinic).
#[derive(Default)]
pub struct Snapshots {
    clinics: Mutex<HashMap<i64, Entry>>,
}

fn raw_of(r: Record) -> RawRecord {
    RawRecord {
        id: r.id,
        kind: r.kind,
        patient_id: r.patient_id,
        parent_id: r.parent_id,
        data: r.data,
    }
}

impl Snapshots {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Entry>> {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.clinics.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The clinic's records now: the kept copy, brought up to date with the
    /// records written after its generation (all of them the first time).
    pub async fn of(&self, store: &dyn Store, clinic_id: i64) -> ApiResult<Snapshot> {
        let mut tries = 0;
        loop {
            tries += 1;
            let after = self.lock().get(&clinic_id).map_or(-1, |e| e.snapshot.generation);
            let changes = store.records_since(clinic_id, &KINDS, after).await?;
            let mut clinics = self.lock();
            let kept = clinics.get(&clinic_id).map(|e| e.snapshot.generation);
            match kept {
                // The changes apply to what is kept (or, read in full, to nothing).
                k if k == Some(after) || (k.is_none() && after < 0) => {
                    let e = clinics.entry(clinic_id).or_default();
                    e.apply(changes);
                    return Ok(e.snapshot.clone());
                }
                // Another request brought it as far or further meanwhile.
                Some(k) if k >= changes.generation || tries >= 3 => {
                    return Ok(clinics[&clinic_id].snapshot.clone());
                }
                // Another request refreshed it to a generation between: again from there.
                _ => continue,
            }
        }
    }

    /// The answers computed from the clinic's snapshot at `generation` on `day`, if kept.
    pub fn answers(&self, clinic_id: i64, generation: i64, day: time::Date) -> Option<Answers> {
        let clinics = self.lock();
        let e = clinics
            .get(&clinic_id)
            .filter(|e| e.snapshot.generation == generation)?;
        e.answers.as_ref().filter(|(d, _)| *d == day).map(|(_, a)| a.clone())
    }

    /// Keeps the answers computed from the clinic's snapshot at `generation` on `day`.
    pub fn keep_answers(&self, clinic_id: i64, generation: i64, day: time::Date, answers: &Answers) {
        if let Some(e) = self
            .lock()
            .get_mut(&clinic_id)
            .filter(|e| e.snapshot.generation == generation)
        {
            e.answers = Some((day, answers.clone()));
        }
    }
}
