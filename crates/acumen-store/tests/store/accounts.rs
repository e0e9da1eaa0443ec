//! Clinics, users, login sessions, API tokens, password resets, login failures.

use acumen_store::{NewUser, StoreError};

use crate::helpers::{backends, clinic_with_practitioner};

#[tokio::test]
async fn users_are_unique_by_email_whatever_its_case() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        let again = NewUser {
            clinic_id: doc.clinic_id,
            email: "  DOC@North.test ".into(),
            name: "Other".into(),
            role: "admin".into(),
            password_hash: "h".into(),
            patient_id: None,
        };
        assert!(
            matches!(s.create_user(again).await, Err(StoreError::Taken(_))),
            "{}",
            b.name
        );
        let u = s.user_by_email("Doc@NORTH.test").await.unwrap();
        assert_eq!((u.id, u.active), (doc.user_id, true), "{}", b.name);
        assert_eq!(s.users(doc.clinic_id).await.unwrap().len(), 1, "{}", b.name);
        assert!(matches!(s.user(999_999).await, Err(StoreError::NotFound)), "{}", b.name);
        let clinic = s.clinic(doc.clinic_id).await.unwrap();
        assert!(!clinic.demo && !clinic.answers_public, "{}", b.name);
        s.set_answers_public(&doc, true).await.unwrap();
        assert!(s.clinic(doc.clinic_id).await.unwrap().answers_public, "{}", b.name);
        assert!(!s.is_demo().await.unwrap(), "{}", b.name);
        s.create_clinic("Demo", true).await.unwrap();
        assert!(s.is_demo().await.unwrap(), "{}", b.name);
        assert_eq!(s.clinics().await.unwrap().len(), 2, "{}", b.name);
    }
}

#[tokio::test]
async fn sessions_expire_tokens_revoke_and_resets_work_once() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        s.create_session("s1", doc.user_id, 1_000).await.unwrap();
        assert_eq!(
            s.session_user("s1", 1_000 + 29 * 60, 30 * 60).await.unwrap().id,
            doc.user_id,
            "{}",
            b.name
        );
        // The use at +29 min refreshed it: +58 min is 29 idle minutes later.
        assert!(
            s.session_user("s1", 1_000 + 58 * 60, 30 * 60).await.is_ok(),
            "{}",
            b.name
        );
        assert!(
            s.session_user("s1", 1_000 + 89 * 60, 30 * 60).await.is_err(),
            "{}",
            b.name
        );
        s.delete_session("s1").await.unwrap();
        assert!(s.session_user("s1", 1_000, 30 * 60).await.is_err(), "{}", b.name);

        let t = s.create_token(doc.user_id, "th", "script").await.unwrap();
        assert_eq!(s.token_user("th").await.unwrap().id, doc.user_id, "{}", b.name);
        s.revoke_token(doc.user_id, t).await.unwrap();
        assert!(s.token_user("th").await.is_err(), "{}", b.name);
        assert!(
            matches!(s.revoke_token(doc.user_id, t).await, Err(StoreError::NotFound)),
            "{}",
            b.name
        );

        s.create_session("s2", doc.user_id, 5_000).await.unwrap();
        s.create_reset(doc.user_id, "r1", 10_000).await.unwrap();
        assert!(
            matches!(s.use_reset("r1", 10_001, "new").await, Err(StoreError::NotFound)),
            "{}",
            b.name
        );
        assert_eq!(
            s.use_reset("r1", 9_000, "new").await.unwrap(),
            doc.user_id,
            "{}",
            b.name
        );
        assert!(s.use_reset("r1", 9_000, "newer").await.is_err(), "{}", b.name);
        assert_eq!(s.user(doc.user_id).await.unwrap().password_hash, "new", "{}", b.name);
        // A reset ends the user's sessions.
        assert!(s.session_user("s2", 5_000, 30 * 60).await.is_err(), "{}", b.name);
        s.set_password(doc.user_id, "newest").await.unwrap();
        assert_eq!(s.user(doc.user_id).await.unwrap().password_hash, "newest", "{}", b.name);
    }
}

#[tokio::test]
async fn login_failures_count_by_account_and_by_address() {
    for b in backends().await {
        let s = b.store.as_ref();
        for (account, address, at) in [
            ("a@x.test", "10.0.0.1", 100),
            ("A@x.test", "10.0.0.2", 200),
            ("b@x.test", "10.0.0.1", 300),
        ] {
            s.login_failed(account, address, at).await.unwrap();
        }
        assert_eq!(
            s.login_failures("a@x.test", "10.0.0.1", 0).await.unwrap(),
            (2, 2),
            "{}",
            b.name
        );
        assert_eq!(
            s.login_failures("a@x.test", "10.0.0.1", 150).await.unwrap(),
            (1, 1),
            "{}",
            b.name
        );
    }
}
