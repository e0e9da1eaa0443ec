//! A clinic's record generation: each write of a record (create, correction,
//! void, move) raises the clinic's counter by one and stamps the record;
//! `records_since(g)` gives exactly the records written after `g` (the voided
//! ones by id), and another clinic's writes leave the counter alone.

use acumen_store::{Placement, RecordChanges};
use serde_json::json;

use crate::helpers::{backends, clinic_with_practitioner, NEW};

const KINDS: [&str; 4] = ["course", "session", "outcome", "adverse_event"];

fn live_ids(c: &RecordChanges) -> Vec<i64> {
    c.live.iter().map(|r| r.id).collect()
}

#[tokio::test]
async fn each_write_raises_the_generation_and_records_since_gives_what_changed() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        let other = clinic_with_practitioner(s, "South").await;
        // A fresh clinic: generation 0, nothing to read.
        let none = s.records_since(doc.clinic_id, &KINDS, -1).await.unwrap();
        assert_eq!(
            (none.generation, none.live.len(), none.voided.len()),
            (0, 0, 0),
            "{}",
            b.name
        );

        // Writes 1 (patient: not a kind read here, but a write), 2 (course), 3 and 4 (outcomes).
        let (p, _) = s
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Ada"}), None)
            .await
            .unwrap();
        let (course, _) = s
            .insert_record(
                &doc,
                "course",
                Placement {
                    patient_id: Some(p.id),
                    parent_id: Some(p.id),
                },
                json!({"condition": "cipn", "start": "2026-10-01"}),
                None,
            )
            .await
            .unwrap();
        let under = Placement {
            patient_id: Some(p.id),
            parent_id: Some(course.id),
        };
        let outcome =
            |v: f64| json!({"instrument": "nrs_average", "value": v, "timepoint": "baseline", "date": "2026-10-01"});
        let (a, _) = s
            .insert_record(&doc, "outcome", under, outcome(7.0), None)
            .await
            .unwrap();
        let (typo, _) = s
            .insert_record(&doc, "outcome", under, outcome(70.0), None)
            .await
            .unwrap();
        let all = s.records_since(doc.clinic_id, &KINDS, -1).await.unwrap();
        assert_eq!(all.generation, 4, "{}: one per write", b.name);
        assert_eq!(
            live_ids(&all),
            vec![course.id, a.id, typo.id],
            "{}: kinds in order, then ids",
            b.name
        );
        assert_eq!(all.live[0].public_id, course.public_id, "{}", b.name);
        assert_eq!(
            all.live[1].patient_public_id.as_deref(),
            Some(p.public_id.as_str()),
            "{}",
            b.name
        );
        let after2 = s.records_since(doc.clinic_id, &KINDS, 2).await.unwrap();
        assert_eq!(
            live_ids(&after2),
            vec![a.id, typo.id],
            "{}: only what came after 2",
            b.name
        );

        // Another clinic's write leaves North's generation where it was.
        s.insert_record(&other, "patient", NEW, json!({"given_name": "Bo"}), None)
            .await
            .unwrap();
        let same = s.records_since(doc.clinic_id, &KINDS, 4).await.unwrap();
        assert_eq!(
            (same.generation, same.live.len(), same.voided.len()),
            (4, 0, 0),
            "{}",
            b.name
        );

        // A correction (5) and a void (6): the corrected record comes back
        // at its new version, the voided one by id only.
        let mut fixed = a.data.clone();
        fixed["value"] = json!(6.0);
        s.update_record(&doc, "outcome", a.id, 1, fixed).await.unwrap();
        let mut gone = typo.data.clone();
        gone["voided"] = json!({"reason": "typed 70 for 7", "at": "2026-10-01T10:00:00Z"});
        s.update_record_audited(&doc, "outcome", typo.id, 1, gone, &["void".to_string()])
            .await
            .unwrap();
        let c = s.records_since(doc.clinic_id, &KINDS, 4).await.unwrap();
        assert_eq!(c.generation, 6, "{}", b.name);
        assert_eq!(live_ids(&c), vec![a.id], "{}", b.name);
        assert_eq!(c.live[0].data["value"], json!(6.0), "{}", b.name);
        assert_eq!(c.live[0].version, 2, "{}", b.name);
        assert_eq!(c.voided, vec![typo.id], "{}", b.name);
        // In full, a voided record is not among the live ones.
        let full = s.records_since(doc.clinic_id, &KINDS, -1).await.unwrap();
        assert_eq!(live_ids(&full), vec![course.id, a.id], "{}", b.name);
        assert_eq!(full.voided, vec![typo.id], "{}", b.name);
    }
}
