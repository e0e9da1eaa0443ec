//! Follow-up links and their outbox on every backend: a link and its first
//! message are written together and only once (a second call returns them);
//! a reminder is queued once per kind and keeps the link open longer; the
//! token's hash finds the link; five wrong answers lock it; a closed link
//! stays closed; the worker sees what is waiting, and a message marked sent
//! is not waiting again, while a failed one waits until its next try.

use acumen_store::{LinkChange, NewLink, NewMessage, Placement};
use serde_json::json;

use crate::helpers::{backends, clinic_with_practitioner, NEW};

fn message(kind: &str, id: &str, at_s: i64) -> NewMessage {
    NewMessage {
        kind: kind.into(),
        channel: "email".into(),
        message_id: id.into(),
        at: "2026-12-28T09:00:00Z".into(),
        at_s,
    }
}

#[tokio::test]
async fn links_and_their_messages_are_written_once_and_sent_at_least_once() {
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
        let (course, _) = s
            .insert_record(
                &doc,
                "course",
                of_patient,
                json!({"condition": "cipn", "start": "2026-10-01"}),
                None,
            )
            .await
            .unwrap();
        let link = |hash: &str| NewLink {
            clinic_id: doc.clinic_id,
            patient_id: p.id,
            course_id: course.id,
            timepoint: "follow_up:4w".into(),
            nonce: format!("nonce-{hash}"),
            token_hash: hash.into(),
            open_until: "2027-01-03".into(),
        };
        let t0 = 1_798_448_400; // 2026-12-28 09:00 UTC
        let (l, m, new) = s
            .queue_link(link("h1"), message("link", &format!("m1-{}", b.name), t0))
            .await
            .unwrap();
        assert!(new, "{}", b.name);
        assert_eq!(
            (l.state.as_str(), l.failures, l.timepoint.as_str()),
            ("open", 0, "follow_up:4w")
        );
        assert_eq!((m.kind.as_str(), m.attempts, m.sent_at.as_deref()), ("link", 0, None));
        // Again (a worker run repeated): the same link and message, nothing new.
        let (l2, m2, new) = s
            .queue_link(link("h2"), message("link", &format!("m1b-{}", b.name), t0))
            .await
            .unwrap();
        assert!(!new, "{}", b.name);
        assert_eq!(
            (l2.id, l2.nonce.as_str(), m2.id, m2.message_id.clone()),
            (l.id, "nonce-h1", m.id, m.message_id.clone())
        );
        assert_eq!(s.link_by_token("h1").await.unwrap().id, l.id);
        assert!(
            s.link_by_token("h2").await.is_err(),
            "{}: the second token was never stored",
            b.name
        );

        // A reminder, once; the link opens until the reminder's day plus its days.
        let (r, new) = s
            .queue_message(
                l.id,
                message("reminder:1", &format!("r1-{}", b.name), t0 + 3 * 86_400),
                "2027-01-06",
            )
            .await
            .unwrap();
        assert!(new);
        let (r_again, new) = s
            .queue_message(
                l.id,
                message("reminder:1", &format!("r1b-{}", b.name), t0 + 3 * 86_400),
                "2027-01-06",
            )
            .await
            .unwrap();
        assert_eq!((r_again.id, new), (r.id, false));
        let course_links = s.links_of_course(course.id).await.unwrap();
        assert_eq!(course_links.len(), 1);
        assert_eq!(course_links[0].0.open_until, "2027-01-06", "{}", b.name);
        let kinds: Vec<&str> = course_links[0].1.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, ["link", "reminder:1"]);
        assert_eq!(s.messages_of_patient(p.id).await.unwrap().len(), 2);

        // The worker: at t0 only the link waits; the reminder from day 3.
        let waiting = s.waiting_messages(t0, 10).await.unwrap();
        assert_eq!(
            waiting.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![m.id],
            "{}",
            b.name
        );
        s.message_tried(m.id, Ok("2026-12-28T09:00:05Z".into())).await.unwrap();
        // Failed (the provider answered 500): waits until its next try.
        s.message_tried(r.id, Err(("provider answered 500".into(), t0 + 3 * 86_400 + 60)))
            .await
            .unwrap();
        assert!(
            s.waiting_messages(t0 + 3 * 86_400, 10).await.unwrap().is_empty(),
            "{}",
            b.name
        );
        let later = s.waiting_messages(t0 + 3 * 86_400 + 60, 10).await.unwrap();
        assert_eq!(later.len(), 1);
        assert_eq!(
            (later[0].attempts, later[0].last_error.as_deref()),
            (1, Some("provider answered 500"))
        );
        // Marked sent twice (a repeat after a crash): still one send recorded.
        s.message_tried(r.id, Ok("2026-12-31T09:01:00Z".into())).await.unwrap();
        s.message_tried(r.id, Ok("2026-12-31T09:02:00Z".into())).await.unwrap();
        let sent = s.messages_of_patient(p.id).await.unwrap();
        assert_eq!(sent[1].sent_at.as_deref(), Some("2026-12-31T09:01:00Z"), "{}", b.name);
        assert!(s.waiting_messages(i64::MAX / 2, 10).await.unwrap().is_empty());

        // Five wrong answers lock the link; a locked link does not close.
        for n in 1..=5 {
            let after = s
                .link_answer(l.id, LinkChange::WrongAnswer { lock_at: 5 })
                .await
                .unwrap();
            assert_eq!(after.failures, n);
            assert_eq!(
                after.state,
                if n < 5 { "open" } else { "locked" },
                "{} after {n}",
                b.name
            );
        }
        let after = s
            .link_answer(l.id, LinkChange::WrongAnswer { lock_at: 5 })
            .await
            .unwrap();
        assert_eq!(
            (after.failures, after.state.as_str()),
            (5, "locked"),
            "no count after the lock"
        );
        let closed = s.link_answer(l.id, LinkChange::Close { state: "used" }).await.unwrap();
        assert_eq!(closed.state, "locked");
    }
}

#[tokio::test]
async fn an_open_link_closes_once() {
    for b in backends().await {
        let s = b.store.as_ref();
        let doc = clinic_with_practitioner(s, "South").await;
        let (p, _) = s
            .insert_record(&doc, "patient", NEW, json!({"given_name": "Bo"}), None)
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
        let hash = format!("baseline-{}", b.name);
        let link = NewLink {
            clinic_id: doc.clinic_id,
            patient_id: p.id,
            course_id: course.id,
            timepoint: "baseline".into(),
            nonce: "n".into(),
            token_hash: hash.clone(),
            open_until: "2026-10-08".into(),
        };
        let (l, _, _) = s
            .queue_link(link, message("link", &format!("b-{}", b.name), 0))
            .await
            .unwrap();
        let declined = s
            .link_answer(l.id, LinkChange::Close { state: "declined" })
            .await
            .unwrap();
        assert_eq!(declined.state, "declined");
        let again = s.link_answer(l.id, LinkChange::Close { state: "used" }).await.unwrap();
        assert_eq!(again.state, "declined", "{}", b.name);
        assert_eq!(s.link_by_token(&hash).await.unwrap().state, "declined");
    }
}
