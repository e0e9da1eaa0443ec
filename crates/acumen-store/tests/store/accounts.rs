//! Clinics, users, login sessions, API tokens, password resets, login failures.

use acumen_store::{NewUser, StoreError};

use crate::helpers::{backends, clinic_with_practitioner};

/// A day in seconds (an absolute session lifetime that does not bind).
const DAY: i64 = 24 * 3600;

#[tokio::test]
async fn users_are_unique_by_email_within_their_clinic_whatever_its_case() {
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
        let u = s.user_by_email(doc.clinic_id, "Doc@NORTH.test").await.unwrap();
        assert_eq!((u.id, u.active), (doc.user_id, true), "{}", b.name);
        // Another clinic may have an account with the same e-mail, its own.
        let south = clinic_with_practitioner(s, "South").await;
        let twin = s
            .create_user(NewUser {
                clinic_id: south.clinic_id,
                email: "doc@north.test".into(),
                name: "Twin".into(),
                role: "practitioner".into(),
                password_hash: "h".into(),
                patient_id: None,
            })
            .await
            .unwrap();
        assert_ne!(twin.id, doc.user_id, "{}", b.name);
        assert_eq!(
            s.user_by_email(south.clinic_id, "doc@north.test").await.unwrap().name,
            "Twin",
            "{}",
            b.name
        );
        // Clinic codes come from the name, unique: a second "North" is north-2.
        assert_eq!(s.clinic(doc.clinic_id).await.unwrap().code, "north", "{}", b.name);
        let north2 = s.create_clinic("North", false).await.unwrap();
        assert_eq!(north2.code, "north-2", "{}", b.name);
        assert_eq!(s.clinic_by_code("NORTH-2").await.unwrap().id, north2.id, "{}", b.name);
        assert!(
            matches!(s.clinic_by_code("east").await, Err(StoreError::NotFound)),
            "{}",
            b.name
        );
        assert_eq!(s.users(doc.clinic_id).await.unwrap().len(), 1, "{}", b.name);
        assert!(matches!(s.user(999_999).await, Err(StoreError::NotFound)), "{}", b.name);
        let clinic = s.clinic(doc.clinic_id).await.unwrap();
        assert!(!clinic.demo && !clinic.answers_public, "{}", b.name);
        s.set_answers_public(&doc, true).await.unwrap();
        assert!(s.clinic(doc.clinic_id).await.unwrap().answers_public, "{}", b.name);
        assert_eq!(clinic.messaging, None, "{}", b.name);
        let settings = serde_json::json!({"display_name": "North", "revision": 2, "enabled_revision": null});
        s.set_messaging(&doc, &settings, "messaging_changed").await.unwrap();
        assert_eq!(
            s.clinic(doc.clinic_id).await.unwrap().messaging,
            Some(settings),
            "{}",
            b.name
        );
        let (_, tail) = s.audit_tail(doc.clinic_id, 1).await.unwrap();
        assert_eq!(tail[0].action, "messaging_changed", "{}", b.name);
        assert!(!s.is_demo().await.unwrap(), "{}", b.name);
        s.create_clinic("Demo", true).await.unwrap();
        assert!(s.is_demo().await.unwrap(), "{}", b.name);
        assert_eq!(s.clinics().await.unwrap().len(), 4, "{}", b.name);
    }
}

#[tokio::test]
async fn sessions_expire_tokens_revoke_and_resets_work_once() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "North").await;
        s.create_session("s1", doc.user_id, 1_000).await.unwrap();
        assert_eq!(
            s.session_user("s1", 1_000 + 29 * 60, 30 * 60, DAY).await.unwrap().0.id,
            doc.user_id,
            "{}",
            b.name
        );
        // The use at +29 min refreshed it: +58 min is 29 idle minutes later.
        assert!(
            s.session_user("s1", 1_000 + 58 * 60, 30 * 60, DAY).await.is_ok(),
            "{}",
            b.name
        );
        assert!(
            s.session_user("s1", 1_000 + 89 * 60, 30 * 60, DAY).await.is_err(),
            "{}",
            b.name
        );
        s.delete_session("s1").await.unwrap();
        assert!(s.session_user("s1", 1_000, 30 * 60, DAY).await.is_err(), "{}", b.name);

        let t = s.create_token(doc.user_id, "th", "script").await.unwrap();
        assert!(
            t.len() == 32 && t.bytes().all(|c| c.is_ascii_hexdigit()),
            "{}: public id {t}",
            b.name
        );
        assert_eq!(s.token_user("th").await.unwrap().id, doc.user_id, "{}", b.name);
        s.revoke_token(doc.user_id, &t).await.unwrap();
        assert!(s.token_user("th").await.is_err(), "{}", b.name);
        assert!(
            matches!(s.revoke_token(doc.user_id, &t).await, Err(StoreError::NotFound)),
            "{}",
            b.name
        );

        // An absolute lifetime: a session used every 20 minutes ends 12 hours after login.
        s.create_session("s3", doc.user_id, 0).await.unwrap();
        let twelve_h = 12 * 3600;
        for t in (20 * 60..=twelve_h).step_by(20 * 60) {
            let (u, started) = s.session_user("s3", t, 30 * 60, twelve_h).await.unwrap();
            assert_eq!((u.id, started), (doc.user_id, 0), "{}", b.name);
        }
        assert!(
            s.session_user("s3", twelve_h + 60, 30 * 60, twelve_h).await.is_err(),
            "{}",
            b.name
        );

        s.create_session("s2", doc.user_id, 5_000).await.unwrap();
        let t2 = s.create_token(doc.user_id, "th2", "script").await.unwrap();
        assert_ne!(t2, t, "{}", b.name);
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
        // A reset ends the user's sessions and revokes its API tokens.
        assert!(s.session_user("s2", 5_000, 30 * 60, DAY).await.is_err(), "{}", b.name);
        assert!(s.token_user("th2").await.is_err(), "{}", b.name);
        s.set_password(doc.user_id, "newest").await.unwrap();
        assert_eq!(s.user(doc.user_id).await.unwrap().password_hash, "newest", "{}", b.name);
    }
}

#[tokio::test]
async fn login_attempts_are_reserved_before_the_password_is_checked() {
    use acumen_store::LoginGate;
    for b in backends().await {
        let s = b.store.as_ref();
        let mut ids = Vec::new();
        // Limits 3 per account, 4 per address, window 100 s.
        for (i, (account, address, at)) in [
            ("a@x.test", "10.0.0.1", 100),
            ("A@x.test ", "10.0.0.2", 110),
            ("a@x.test", "10.0.0.3", 120),
        ]
        .into_iter()
        .enumerate()
        {
            let gate = s
                .reserve_login(account, address, at, 100, 3, 4, &format!("t{i}"))
                .await
                .unwrap();
            assert_eq!(gate, LoginGate::Counted(format!("t{i}")), "{}", b.name);
            ids.push(format!("t{i}"));
        }
        // The 4th attempt on the account is refused uncounted until the
        // oldest counted one (at 100) leaves the window: 200.
        assert_eq!(
            s.reserve_login("a@x.test", "10.0.0.9", 150, 100, 3, 4, "t9")
                .await
                .unwrap(),
            LoginGate::Locked { until: 200 },
            "{}",
            b.name
        );
        assert_eq!(
            s.login_failures("a@x.test", "10.0.0.9", 0).await.unwrap(),
            (3, 0),
            "{}",
            b.name
        );
        // Refusals do not extend the lock: at 201 one attempt is free again.
        assert_eq!(
            s.reserve_login("a@x.test", "10.0.0.9", 201, 100, 3, 4, "t10")
                .await
                .unwrap(),
            LoginGate::Counted("t10".into()),
            "{}",
            b.name
        );
        // The right password uncounts its own attempt only.
        s.login_succeeded("t10").await.unwrap();
        assert_eq!(
            s.login_failures("a@x.test", "10.0.0.1", 0).await.unwrap(),
            (3, 1),
            "{}",
            b.name
        );
        // Per address: 4 accounts from one address, the 5th refused.
        for i in 0..4 {
            let gate = s
                .reserve_login(&format!("u{i}@x.test"), "10.9.9.9", 300, 100, 3, 4, &format!("v{i}"))
                .await
                .unwrap();
            assert!(matches!(gate, LoginGate::Counted(_)), "{}", b.name);
        }
        assert_eq!(
            s.reserve_login("u9@x.test", "10.9.9.9", 310, 100, 3, 4, "v9")
                .await
                .unwrap(),
            LoginGate::Locked { until: 400 },
            "{}",
            b.name
        );
    }
}
