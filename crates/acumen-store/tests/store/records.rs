//! Records: creation, versions, conflicts, idempotency, tenancy, aggregates.

use acumen_store::{Placement, StoreError};
use serde_json::json;

use crate::helpers::{backends, clinic_with_practitioner, NEW};

#[tokio::test]
async fn records_version_and_refuse_stale_updates() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        let (p, fresh) = s
            .insert_record(
                &doc,
                "patient",
                NEW,
                json!({"given_name": "Ada", "family_name": "Lovelace"}),
                None,
            )
            .await
            .unwrap();
        assert!(fresh, "{}", b.name);
        assert_eq!((p.patient_id, p.version), (Some(p.id), 1), "{}", b.name);
        let at = Placement {
            patient_id: Some(p.id),
            parent_id: None,
        };
        let (course, _) = s
            .insert_record(
                &doc,
                "course",
                at,
                json!({"condition": "cipn", "start": "2026-10-01"}),
                None,
            )
            .await
            .unwrap();
        let under = Placement {
            patient_id: Some(p.id),
            parent_id: Some(course.id),
        };
        for n in 1..=3 {
            s.insert_record(&doc, "session", under, json!({"number": n}), None)
                .await
                .unwrap();
        }
        let sessions = s.children(&doc, "session", course.id).await.unwrap();
        let numbers: Vec<i64> = sessions.iter().map(|r| r.data["number"].as_i64().unwrap()).collect();
        assert_eq!(numbers, vec![1, 2, 3], "{}", b.name);
        assert_eq!(s.children(&doc, "course", p.id).await.unwrap().len(), 1, "{}", b.name);

        let v2 = s
            .update_record(
                &doc,
                "patient",
                p.id,
                1,
                json!({"given_name": "Ada", "family_name": "King"}),
            )
            .await
            .unwrap();
        assert_eq!(v2.version, 2, "{}", b.name);
        match s
            .update_record(&doc, "patient", p.id, 1, json!({"given_name": "X"}))
            .await
        {
            Err(StoreError::Conflict {
                expected: 1,
                current: 2,
            }) => {}
            other => panic!("{}: stale update gave {other:?}", b.name),
        }
        let versions = s.versions(&doc, p.id).await.unwrap();
        let names: Vec<&str> = versions
            .iter()
            .map(|v| v.data["family_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["Lovelace", "King"], "{}", b.name);
        assert_eq!(
            s.record(&doc, "patient", p.id).await.unwrap().data["family_name"],
            "King",
            "{}",
            b.name
        );
        // The patient, the course and three sessions.
        assert_eq!(s.patient_records(&doc, p.id).await.unwrap().len(), 5, "{}", b.name);
        let found = s.patients(&doc, "ada k").await.unwrap();
        assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), vec![p.id], "{}", b.name);
        assert!(s.patients(&doc, "lovelace").await.unwrap().is_empty(), "{}", b.name);
    }
}

#[tokio::test]
async fn a_retried_write_with_the_same_key_writes_nothing() {
    use acumen_store::IdemKey;
    let key = |k: &str, scope: &str, now: i64| IdemKey {
        key: k.into(),
        scope: scope.into(),
        now,
    };
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        let k1 = key("key-1", "POST /api/v1/patients", 1_000);
        let (a, fresh_a) = s
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Ann"}), Some(&k1))
            .await
            .unwrap();
        let (again, fresh_again) = s
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Ann"}), Some(&k1))
            .await
            .unwrap();
        assert!(fresh_a && !fresh_again, "{}", b.name);
        assert_eq!(a.id, again.id, "{}", b.name);
        assert_eq!(s.patients(&doc, "").await.unwrap().len(), 1, "{}", b.name);
        // The same key with another body: refused, nothing written.
        let other = s
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Bob"}), Some(&k1))
            .await;
        assert!(matches!(other, Err(StoreError::KeyReused)), "{}: {other:?}", b.name);
        // The same key in another scope is another key.
        let at = Placement {
            patient_id: Some(a.id),
            parent_id: None,
        };
        let k2 = key("key-1", &format!("POST /api/v1/patients/{}/conditions", a.id), 1_000);
        let (c, fresh_c) = s
            .insert_record(&doc, "condition", at, json!({"c": 1}), Some(&k2))
            .await
            .unwrap();
        assert!(fresh_c && c.kind == "condition", "{}", b.name);
        // After 24 hours the key is forgotten: the same request writes again.
        let late = key("key-1", "POST /api/v1/patients", 1_000 + 24 * 3600);
        let (d, fresh_d) = s
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Bob"}), Some(&late))
            .await
            .unwrap();
        assert!(fresh_d && d.id != a.id, "{}", b.name);
        assert_eq!(s.patients(&doc, "").await.unwrap().len(), 2, "{}", b.name);
    }
}

#[tokio::test]
async fn one_clinic_never_sees_or_changes_another_clinics_records() {
    for b in backends().await {
        let s = b.store.as_ref();
        let north = clinic_with_practitioner(s, "North").await;
        let south = clinic_with_practitioner(s, "South").await;
        let (p, _) = s
            .insert_record(&north, "patient", NEW, json!({"given_name": "Ann"}), None)
            .await
            .unwrap();
        assert!(
            matches!(s.record(&south, "patient", p.id).await, Err(StoreError::NotFound)),
            "{}",
            b.name
        );
        assert!(
            matches!(
                s.update_record(&south, "patient", p.id, 1, json!({})).await,
                Err(StoreError::NotFound)
            ),
            "{}",
            b.name
        );
        assert!(
            matches!(s.versions(&south, p.id).await, Err(StoreError::NotFound)),
            "{}",
            b.name
        );
        assert!(
            matches!(s.patient_records(&south, p.id).await, Err(StoreError::NotFound)),
            "{}",
            b.name
        );
        assert!(s.patients(&south, "").await.unwrap().is_empty(), "{}", b.name);
        assert!(
            s.children(&south, "course", p.id).await.unwrap().is_empty(),
            "{}",
            b.name
        );
        assert_eq!(
            s.clinic_records(north.clinic_id, &["patient"]).await.unwrap().len(),
            1,
            "{}",
            b.name
        );
        assert!(
            s.clinic_records(south.clinic_id, &["patient"])
                .await
                .unwrap()
                .is_empty(),
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn concurrent_writes_all_commit_and_a_failing_one_takes_nothing_with_it() {
    for b in backends().await {
        let doc = clinic_with_practitioner(b.store.as_ref(), "North").await;
        let (p, _) = b
            .store
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Ann"}), None)
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..64 {
            let (s, doc) = (b.store.clone(), doc.clone());
            tasks.push(tokio::spawn(async move {
                if i % 16 == 0 {
                    // Stale version: a conflict, in the middle of the batch.
                    s.update_record(&doc, "patient", p.id, 99, json!({})).await.map(|_| ())
                } else {
                    let at = Placement {
                        patient_id: Some(p.id),
                        parent_id: None,
                    };
                    s.insert_record(&doc, "condition", at, json!({"i": i}), None)
                        .await
                        .map(|_| ())
                }
            }));
        }
        let mut conflicts = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => {}
                Err(StoreError::Conflict { .. }) => conflicts += 1,
                Err(e) => panic!("{}: {e}", b.name),
            }
        }
        assert_eq!(conflicts, 4, "{}", b.name);
        assert_eq!(
            b.store.children(&doc, "condition", p.id).await.unwrap().len(),
            60,
            "{}",
            b.name
        );
        let log = b.store.audit_log(Some(doc.clinic_id)).await.unwrap();
        assert_eq!(log.iter().filter(|e| e.action == "create").count(), 61, "{}", b.name);
        assert_eq!(log.iter().filter(|e| e.action == "update").count(), 0, "{}", b.name);
    }
}

#[tokio::test]
async fn research_aggregates_suppress_small_cells() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        // Three patients with diabetic neuropathy (baseline 6, 8, 5; last 3, 7, 5)
        // and one with shingles pain (a cell of one, suppressed at min_cell 2).
        let cases = [
            ("dpn", 6.0, 3.0, "2026-10-15"),
            ("dpn", 8.0, 7.0, "2026-10-22"),
            ("dpn", 5.0, 5.0, "2026-10-08"),
            ("phn", 7.0, 2.0, "2026-10-08"),
        ];
        for (cond, base, last, last_date) in cases {
            let (p, _) = s.insert_record(&doc, "patient", NEW, json!({}), None).await.unwrap();
            let at = Placement {
                patient_id: Some(p.id),
                parent_id: None,
            };
            let (c, _) = s
                .insert_record(
                    &doc,
                    "course",
                    at,
                    json!({"condition": cond, "start": "2026-10-01"}),
                    None,
                )
                .await
                .unwrap();
            let under = Placement {
                patient_id: Some(p.id),
                parent_id: Some(c.id),
            };
            for (tp, n, v, date) in [
                ("baseline", 0, base, "2026-10-01"),
                ("session", 1, 9.0, "2026-10-01"),
                ("session", 4, last, last_date),
            ] {
                s.insert_record(
                    &doc,
                    "outcome",
                    under,
                    json!({"instrument": "nrs_average", "timepoint": tp, "session_number": n, "value": v, "date": date}),
                    None,
                )
                .await
                .unwrap();
            }
        }
        let agg = s.research_aggregates(2).await.unwrap();
        let cells = agg["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 2, "{}", b.name);
        let dpn = cells.iter().find(|c| c["condition"] == "dpn").unwrap();
        assert_eq!(dpn["patients"], 3, "{}", b.name);
        // (6 + 8 + 5) / 3 = 6.33 and (3 + 7 + 5) / 3 = 5; change ((3-6) + (7-8) + 0) / 3 = -1.33;
        // reported to the nearest half point: 6.5, 5.0, -1.5.
        assert_eq!(dpn["baseline_nrs_mean"], 6.5, "{}", b.name);
        assert_eq!(dpn["last_nrs_mean"], 5.0, "{}", b.name);
        assert_eq!(dpn["mean_change"], -1.5, "{}", b.name);
        // Only 6 -> 3 is a 30% reduction; days 14, 21, 7 average 14 (two whole weeks).
        assert_eq!(dpn["responders_30pct"], 1, "{}", b.name);
        assert_eq!(dpn["days_since_start_to_last_measure_mean"], 14.0, "{}", b.name);
        let phn = cells.iter().find(|c| c["condition"] == "phn").unwrap();
        assert_eq!(phn["suppressed"], true, "{}", b.name);
        assert!(phn.get("patients").is_none(), "{}", b.name);
    }
}
