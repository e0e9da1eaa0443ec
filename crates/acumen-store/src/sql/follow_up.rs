//! Follow-up links and the outbox of their messages (migration 0008): a
//! link and its first message written in one transaction, further messages
//! once per kind, the date-of-birth lock, and what the worker takes, sends
//! and marks (each a function of the store, called from `store_impl.rs`).

use super::{all, Dialect, Row, SqlStore};
use crate::error::StoreError;
use crate::model::{FollowUpLink, NewLink, NewMessage, OutboxMessage};
use crate::now;
use crate::store::Result;

const LINK_COLS: &str =
    "id, clinic_id, patient_id, course_id, timepoint, nonce, created_at, open_until, failures, state";
const MESSAGE_COLS: &str = "id, clinic_id, patient_id, link_id, kind, channel, message_id, created_at, \
                            next_attempt_at, attempts, sent_at, last_error";

fn link_from(r: &Row) -> Result<FollowUpLink> {
    Ok(FollowUpLink {
        id: r.int("id")?,
        clinic_id: r.int("clinic_id")?,
        patient_id: r.int("patient_id")?,
        course_id: r.int("course_id")?,
        timepoint: r.text("timepoint")?,
        nonce: r.text("nonce")?,
        created_at: r.text("created_at")?,
        open_until: r.text("open_until")?,
        failures: r.int("failures")?,
        state: r.text("state")?,
    })
}

fn message_from(r: &Row) -> Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.int("id")?,
        clinic_id: r.int("clinic_id")?,
        patient_id: r.int("patient_id")?,
        link_id: r.int("link_id")?,
        kind: r.text("kind")?,
        channel: r.text("channel")?,
        message_id: r.text("message_id")?,
        created_at: r.text("created_at")?,
        next_attempt_at: r.int("next_attempt_at")?,
        attempts: r.int("attempts")?,
        sent_at: r.opt_text("sent_at")?,
        last_error: r.opt_text("last_error")?,
    })
}

/// Inserts the message unless the link has one of its kind; the message of
/// that kind and whether it was new.
async fn queue_in(c: &mut dyn super::Conn, link: &FollowUpLink, m: &NewMessage) -> Result<(OutboxMessage, bool)> {
    let inserted = c
        .row(
            &format!(
                "INSERT INTO outbox (clinic_id, patient_id, link_id, kind, channel, message_id, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (link_id, kind) DO NOTHING RETURNING {MESSAGE_COLS}"
            ),
            &[
                link.clinic_id.into(),
                link.patient_id.into(),
                link.id.into(),
                (&m.kind).into(),
                (&m.channel).into(),
                (&m.message_id).into(),
                (&m.at).into(),
                m.at_s.into(),
            ],
        )
        .await?;
    if let Some(r) = inserted {
        return Ok((message_from(&r)?, true));
    }
    let r = c
        .found(
            &format!("SELECT {MESSAGE_COLS} FROM outbox WHERE link_id = $1 AND kind = $2"),
            &[link.id.into(), (&m.kind).into()],
        )
        .await?;
    Ok((message_from(&r)?, false))
}

pub(crate) async fn queue_link<D: Dialect>(
    s: &SqlStore<D>,
    link: NewLink,
    first: NewMessage,
) -> Result<(FollowUpLink, OutboxMessage, bool)> {
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                let made = c
                    .row(
                        &format!(
                            "INSERT INTO follow_up_links (clinic_id, patient_id, course_id, timepoint, nonce, token_hash, created_at, open_until) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (course_id, timepoint) DO NOTHING RETURNING {LINK_COLS}"
                        ),
                        &[
                            link.clinic_id.into(),
                            link.patient_id.into(),
                            link.course_id.into(),
                            (&link.timepoint).into(),
                            (&link.nonce).into(),
                            (&link.token_hash).into(),
                            now().into(),
                            (&link.open_until).into(),
                        ],
                    )
                    .await?;
                let (row, new_link) = match made {
                    Some(r) => (r, true),
                    None => (
                        c.found(
                            &format!("SELECT {LINK_COLS} FROM follow_up_links WHERE course_id = $1 AND timepoint = $2"),
                            &[link.course_id.into(), (&link.timepoint).into()],
                        )
                        .await?,
                        false,
                    ),
                };
                let l = link_from(&row)?;
                if l.clinic_id != link.clinic_id || l.patient_id != link.patient_id {
                    return Err(StoreError::Integrity("a follow-up link of another patient".into()));
                }
                let (m, new_message) = queue_in(c, &l, &first).await?;
                Ok((l, m, new_link || new_message))
            })
        })
        .await
}

pub(crate) async fn queue_message<D: Dialect>(
    s: &SqlStore<D>,
    link_id: i64,
    m: NewMessage,
    open_until: String,
) -> Result<(OutboxMessage, bool)> {
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                let l = link_from(
                    &c.found(
                        &format!("SELECT {LINK_COLS} FROM follow_up_links WHERE id = $1"),
                        &[link_id.into()],
                    )
                    .await?,
                )?;
                let (msg, new) = queue_in(c, &l, &m).await?;
                if new {
                    // A reminder's link opens for its days again (never fewer).
                    c.run(
                        "UPDATE follow_up_links SET open_until = $1 WHERE id = $2 AND open_until < $1",
                        &[(&open_until).into(), link_id.into()],
                    )
                    .await?;
                }
                Ok((msg, new))
            })
        })
        .await
}

pub(crate) async fn link_by_token<D: Dialect>(s: &SqlStore<D>, token_hash: &str) -> Result<FollowUpLink> {
    let rows = s
        .read_rows(
            &format!("SELECT {LINK_COLS} FROM follow_up_links WHERE token_hash = $1"),
            &[token_hash.into()],
        )
        .await?;
    link_from(rows.first().ok_or(StoreError::NotFound)?)
}

pub(crate) async fn link<D: Dialect>(s: &SqlStore<D>, id: i64) -> Result<FollowUpLink> {
    let rows = s
        .read_rows(
            &format!("SELECT {LINK_COLS} FROM follow_up_links WHERE id = $1"),
            &[id.into()],
        )
        .await?;
    link_from(rows.first().ok_or(StoreError::NotFound)?)
}

pub(crate) async fn links_of_course<D: Dialect>(
    s: &SqlStore<D>,
    course_id: i64,
) -> Result<Vec<(FollowUpLink, Vec<OutboxMessage>)>> {
    let links = s
        .read_rows(
            &format!("SELECT {LINK_COLS} FROM follow_up_links WHERE course_id = $1 ORDER BY id"),
            &[course_id.into()],
        )
        .await?;
    let messages = s
        .read_rows(
            &format!(
                "SELECT {MESSAGE_COLS} FROM outbox WHERE link_id IN \
                 (SELECT id FROM follow_up_links WHERE course_id = $1) ORDER BY id"
            ),
            &[course_id.into()],
        )
        .await?;
    let messages = all(&messages, message_from)?;
    all(&links, link_from)?
        .into_iter()
        .map(|l| {
            let mine = messages.iter().filter(|m| m.link_id == l.id).cloned().collect();
            Ok((l, mine))
        })
        .collect()
}

pub(crate) async fn messages_of_patient<D: Dialect>(s: &SqlStore<D>, patient_id: i64) -> Result<Vec<OutboxMessage>> {
    let rows = s
        .read_rows(
            &format!("SELECT {MESSAGE_COLS} FROM outbox WHERE patient_id = $1 ORDER BY id"),
            &[patient_id.into()],
        )
        .await?;
    all(&rows, message_from)
}

/// Sets a link's state (`used`, `declined`), or counts a wrong answer and
/// locks it at `max`; the link after.
pub(crate) async fn link_answer<D: Dialect>(
    s: &SqlStore<D>,
    link_id: i64,
    change: crate::LinkChange,
) -> Result<FollowUpLink> {
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                match &change {
                    crate::LinkChange::WrongAnswer { lock_at } => {
                        c.run(
                            "UPDATE follow_up_links SET failures = failures + 1, \
                             state = CASE WHEN failures + 1 >= $2 THEN 'locked' ELSE state END \
                             WHERE id = $1 AND state = 'open'",
                            &[link_id.into(), (*lock_at).into()],
                        )
                        .await?;
                    }
                    crate::LinkChange::Close { state } => {
                        // Only an open link closes; the caller reads the state after.
                        c.run(
                            "UPDATE follow_up_links SET state = $2 WHERE id = $1 AND state = 'open'",
                            &[link_id.into(), (*state).into()],
                        )
                        .await?;
                    }
                }
                link_from(
                    &c.found(
                        &format!("SELECT {LINK_COLS} FROM follow_up_links WHERE id = $1"),
                        &[link_id.into()],
                    )
                    .await?,
                )
            })
        })
        .await
}

pub(crate) async fn waiting_messages<D: Dialect>(
    s: &SqlStore<D>,
    now_s: i64,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let rows = s
        .read_rows(
            &format!(
                "SELECT {MESSAGE_COLS} FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id LIMIT $2"
            ),
            &[now_s.into(), limit.into()],
        )
        .await?;
    all(&rows, message_from)
}

/// Marks a message sent, or failed with the time of its next try.
pub(crate) async fn message_tried<D: Dialect>(
    s: &SqlStore<D>,
    id: i64,
    outcome: std::result::Result<String, (String, i64)>,
) -> Result<()> {
    s.writer
        .write(move |c, _| {
            Box::pin(async move {
                let c = D::conn(c);
                match &outcome {
                    Ok(at) => {
                        c.run(
                            "UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL \
                             WHERE id = $1 AND sent_at IS NULL",
                            &[id.into(), at.into()],
                        )
                        .await?;
                    }
                    Err((error, next_s)) => {
                        c.run(
                            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 \
                             WHERE id = $1 AND sent_at IS NULL",
                            &[id.into(), error.into(), (*next_s).into()],
                        )
                        .await?;
                    }
                }
                Ok(())
            })
        })
        .await
}
