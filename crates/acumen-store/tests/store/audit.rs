//! The audit chain through each backend.

use acumen_store::audit::{verify, Verdict};
use serde_json::json;

use crate::helpers::{backends, clinic_with_practitioner, KEY, NEW};

#[tokio::test]
async fn every_write_and_read_is_chained_in_order() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        let other = clinic_with_practitioner(s, "South").await;
        let at = NEW;
        let also = vec!["safety_override:PTX_DEPTH".to_string()];
        let (p, _) = s
            .insert_record_audited(&doc, "patient", at, json!({}), None, &also)
            .await
            .unwrap();
        s.record(&doc, "patient", p.id).await.unwrap();
        s.update_record(&doc, "patient", p.id, 1, json!({"x": 1}))
            .await
            .unwrap();
        s.audit(Some(&other), "login", None, None).await.unwrap();
        s.audit(None, "restore", None, None).await.unwrap();
        let all = s.audit_log(None).await.unwrap();
        let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            vec![
                "create",
                "safety_override:PTX_DEPTH",
                "read",
                "update",
                "login",
                "restore"
            ],
            "{}",
            b.name
        );
        assert_eq!(verify(KEY, &all, None), Verdict::Intact { entries: 6 }, "{}", b.name);
        assert_eq!(
            verify(b"another key", &all, None),
            Verdict::Broken { id: 1 },
            "{}",
            b.name
        );
        let north = s.audit_log(Some(doc.clinic_id)).await.unwrap();
        assert_eq!(north.len(), 4, "{}", b.name);
        assert!(north.iter().all(|e| e.record_id == Some(p.id)), "{}", b.name);
    }
}
