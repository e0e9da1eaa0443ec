//! Corrections of clinical records: a voided record is kept with all its
//! versions but left out of `children`, `clinic_records` and the research
//! aggregates; a moved record hangs from its new parent; each is one new
//! version with its audit entries, and a stale version is refused.

use acumen_store::{Placement, StoreError};
use serde_json::json;

use crate::helpers::{backends, clinic_with_practitioner, NEW};

#[tokio::test]
async fn voided_records_are_kept_and_left_out_and_moved_ones_follow_their_parent() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        let (p, _) = s
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Ada"}), None)
            .await
            .unwrap();
        let of_patient = Placement {
            patient_id: Some(p.id),
            parent_id: Some(p.id),
        };
        let course = |start: &str| json!({"condition": "cipn", "start": start});
        let (wrong, _) = s
            .insert_record(&doc, "course", of_patient, course("2026-01-05"), None)
            .await
            .unwrap();
        let (right, _) = s
            .insert_record(&doc, "course", of_patient, course("2026-10-01"), None)
            .await
            .unwrap();
        let under = |c: i64| Placement {
            patient_id: Some(p.id),
            parent_id: Some(c),
        };
        let outcome =
            |v: f64| json!({"instrument": "nrs_average", "value": v, "timepoint": "baseline", "date": "2026-10-01"});
        let (kept, _) = s
            .insert_record(&doc, "outcome", under(right.id), outcome(7.0), None)
            .await
            .unwrap();
        let (typo, _) = s
            .insert_record(&doc, "outcome", under(right.id), outcome(70.0), None)
            .await
            .unwrap();

        // Void the typo: a new version with the reason, audited as `void`.
        let mut data = typo.data.clone();
        data["voided"] = json!({"reason": "typed 70 for 7", "at": "2026-10-01T10:00:00Z"});
        let v = s
            .update_record_audited(&doc, "outcome", typo.id, 1, data, &["void".to_string()])
            .await
            .unwrap();
        assert_eq!(v.version, 2, "{}", b.name);
        let live: Vec<i64> = s
            .children(&doc, "outcome", right.id)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(live, vec![kept.id], "{}: a voided outcome is listed", b.name);
        let voided = s.voided_children(&doc, "outcome", right.id).await.unwrap();
        assert_eq!(voided.len(), 1, "{}", b.name);
        assert_eq!(voided[0].data["voided"]["reason"], "typed 70 for 7", "{}", b.name);
        let all = s.clinic_records(doc.clinic_id, &["outcome"]).await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![kept.id],
            "{}",
            b.name
        );
        // Kept: still readable by its key, with both versions.
        assert!(s
            .record(&doc, "outcome", typo.id)
            .await
            .unwrap()
            .data
            .get("voided")
            .is_some());
        assert_eq!(s.versions(&doc, typo.id).await.unwrap().len(), 2, "{}", b.name);
        // The research aggregates see the baseline score of 7, not the
        // voided 70 that was recorded after it.
        let agg = s.research_aggregates(1).await.unwrap();
        let cell = agg["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clinic_id"] == json!(doc.clinic_id))
            .cloned()
            .unwrap();
        assert_eq!(cell["baseline_nrs_mean"], json!(7.0), "{}: {agg}", b.name);

        // Move a session (and with it its adverse event) to the right course.
        let (session, _) = s
            .insert_record(&doc, "session", under(wrong.id), json!({"number": 1}), None)
            .await
            .unwrap();
        let at_session = Placement {
            patient_id: Some(p.id),
            parent_id: Some(session.id),
        };
        s.insert_record(&doc, "adverse_event", at_session, json!({"type": "bruising"}), None)
            .await
            .unwrap();
        let moved = s.move_record(&doc, "session", session.id, 1, right.id).await.unwrap();
        assert_eq!((moved.version, moved.parent_id), (2, Some(right.id)), "{}", b.name);
        assert_eq!(
            moved.parent_public_id.as_deref(),
            Some(right.public_id.as_str()),
            "{}",
            b.name
        );
        assert!(
            s.children(&doc, "session", wrong.id).await.unwrap().is_empty(),
            "{}",
            b.name
        );
        assert_eq!(
            s.children(&doc, "session", right.id).await.unwrap().len(),
            1,
            "{}",
            b.name
        );
        assert_eq!(
            s.children(&doc, "adverse_event", session.id).await.unwrap().len(),
            1,
            "{}",
            b.name
        );
        match s.move_record(&doc, "session", session.id, 1, wrong.id).await {
            Err(StoreError::Conflict {
                expected: 1,
                current: 2,
            }) => {}
            other => panic!("{}: a stale move gave {other:?}", b.name),
        }

        let log = s.audit_log(Some(doc.clinic_id)).await.unwrap();
        let actions: Vec<(&str, Option<i64>)> = log
            .iter()
            .filter(|e| e.action == "void" || e.action == "move")
            .map(|e| (e.action.as_str(), e.record_id))
            .collect();
        assert_eq!(
            actions,
            vec![("void", Some(typo.id)), ("move", Some(session.id))],
            "{}",
            b.name
        );
    }
}
