//! Group commit: one task owns the write connection and commits the writes
//! that arrived together in one transaction (one fsync for the lot), each in
//! its own savepoint so that one failing write does not undo the others.
//! Every write is answered only after its transaction has committed, so an
//! acknowledged write is durable. The audit chain's head is read once per
//! batch under the backend's write lock and advanced in memory as the
//! batch's writes append entries.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use sqlx::{Connection, Database};
use tokio::sync::{mpsc, oneshot};

use crate::audit::entry_mac;
use crate::error::StoreError;
use crate::model::{Actor, AuditEntry};
use crate::store::Result;

/// A boxed future borrowing for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Most writes committed together.
const MAX_BATCH: usize = 256;

/// The audit chain as a batch sees it: the head so far and the key.
pub struct Chain {
    head_id: i64,
    head_mac: String,
    key: std::sync::Arc<[u8]>,
}

impl Chain {
    /// The next entry (with its MAC), advancing the head.
    pub fn next(
        &mut self,
        actor: Option<&Actor>,
        action: &str,
        kind: Option<&str>,
        record_id: Option<i64>,
    ) -> AuditEntry {
        let mut e = AuditEntry {
            id: self.head_id + 1,
            at: crate::now(),
            user_id: actor.map(|a| a.user_id),
            role: actor.map(|a| a.role.clone()),
            clinic_id: actor.map(|a| a.clinic_id),
            action: action.to_string(),
            record_kind: kind.map(str::to_string),
            record_id,
            hmac: String::new(),
        };
        e.hmac = entry_mac(&self.key, &self.head_mac, &e);
        self.head_id = e.id;
        self.head_mac = e.hmac.clone();
        e
    }
}

/// What a backend does at the start of a batch: take its write lock and
/// read the audit head `(id, mac)` (`(0, "")` for an empty log).
pub trait Backend: Database {
    /// The statement that opens a batch's transaction.
    const BEGIN: &'static str;
    /// Takes the write lock inside the open transaction and reads the head.
    fn head(conn: &mut Self::Connection) -> BoxFuture<'_, Result<(i64, String)>>;
}

/// Hands the outcome of the batch's commit to the waiting caller
/// (`None`: committed).
type Reply = Box<dyn FnOnce(Option<String>) + Send>;
/// One write: runs on the connection inside its savepoint and says whether it succeeded.
type Job<DB> =
    Box<dyn for<'c> FnOnce(&'c mut <DB as Database>::Connection, &'c mut Chain) -> BoxFuture<'c, (bool, Reply)> + Send>;

/// The handle through which writes reach the writer task.
pub struct Writer<DB: Backend> {
    jobs: mpsc::Sender<Job<DB>>,
}

impl<DB: Backend> Writer<DB> {
    /// Starts the writer task on `conn`, which reconnects with `opts` when
    /// the connection is lost (a database restart); after each commit that
    /// moved the audit head, the head is written to `checkpoint` (if any).
    pub fn spawn(conn: DB::Connection, opts: Options<DB>, key: &[u8], checkpoint: Option<PathBuf>) -> Self {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run::<DB>(conn, opts, rx, std::sync::Arc::from(key), checkpoint));
        Writer { jobs }
    }

    /// Runs `f` in the next batch and returns its result once the batch has
    /// committed (or the error that stopped it).
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut DB::Connection, &'c mut Chain) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T>>();
        let job: Job<DB> = Box::new(move |conn, chain| {
            Box::pin(async move {
                let r = f(conn, chain).await;
                let ok = r.is_ok();
                let reply: Reply = Box::new(move |failed| {
                    let _ = tx.send(match failed {
                        None => r,
                        Some(e) => Err(StoreError::NotCommitted(e)),
                    });
                });
                (ok, reply)
            })
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError::NotCommitted("the writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::NotCommitted("the batch failed before this write ran".into()))?
    }
}

/// How the writer connects again.
pub type Options<DB> = <<DB as Database>::Connection as Connection>::Options;

async fn run<DB: Backend>(
    mut conn: DB::Connection,
    opts: Options<DB>,
    mut rx: mpsc::Receiver<Job<DB>>,
    key: std::sync::Arc<[u8]>,
    checkpoint: Option<PathBuf>,
) {
    let mut broken = false;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if broken {
            match sqlx::ConnectOptions::connect(&opts).await {
                Ok(c) => {
                    tracing::warn!("write connection re-established");
                    conn = c;
                    broken = false;
                }
                Err(e) => {
                    // Dropping the batch answers each write with "not committed".
                    tracing::error!(error = %e, writes = batch.len(), "database unreachable; writes refused");
                    continue;
                }
            }
        }
        let mut replies = Vec::with_capacity(batch.len());
        match run_batch::<DB>(&mut conn, batch, &key, &mut replies, checkpoint.as_ref()).await {
            Ok(Some((id, mac))) => {
                if let Err(e) = write_checkpoint(checkpoint.as_ref(), id, &mac) {
                    tracing::error!(error = %e, "cannot write the audit checkpoint");
                }
                replies.into_iter().for_each(|r| r(None));
            }
            Ok(None) => replies.into_iter().for_each(|r| r(None)),
            Err(e) => {
                tracing::error!(error = %e, "write batch failed; nothing in it was committed");
                let msg = e.to_string();
                replies.into_iter().for_each(|r| r(Some(msg.clone())));
                broken = conn.ping().await.is_err();
            }
        }
    }
}

/// Runs a batch; returns the new audit head when it moved.
async fn run_batch<DB: Backend>(
    conn: &mut DB::Connection,
    batch: Vec<Job<DB>>,
    key: &std::sync::Arc<[u8]>,
    replies: &mut Vec<Reply>,
    checkpoint: Option<&PathBuf>,
) -> Result<Option<(i64, String)>> {
    let mut tx = conn.begin_with(DB::BEGIN).await?;
    let (head_id, head_mac) = DB::head(&mut tx).await?;
    let (start, start_mac) = (head_id, head_mac.clone());
    let mut chain = Chain {
        head_id,
        head_mac,
        key: key.clone(),
    };
    for job in batch {
        let saved = (chain.head_id, chain.head_mac.clone());
        let mut sp = tx.begin().await?;
        let (ok, reply) = job(&mut *sp, &mut chain).await;
        if ok {
            sp.commit().await?;
            replies.push(reply);
        } else {
            sp.rollback().await?;
            (chain.head_id, chain.head_mac) = saved;
            // Its own error goes back now; nothing of it is in the batch.
            reply(None);
        }
    }
    if chain.head_id != start {
        // The head this batch will commit is noted as pending first, so a
        // crash between the commit and the checkpoint write leaves a
        // checkpoint that still accounts for the log's head.
        if let Err(e) = write_checkpoint_lines(checkpoint, (start, start_mac), Some((chain.head_id, &chain.head_mac))) {
            tracing::error!(error = %e, "cannot write the audit checkpoint");
        }
    }
    tx.commit().await?;
    Ok((chain.head_id != start).then_some((chain.head_id, chain.head_mac)))
}

fn write_checkpoint(path: Option<&PathBuf>, id: i64, mac: &str) -> std::io::Result<()> {
    write_checkpoint_lines(path, (id, mac.to_string()), None)
}

/// The checkpoint file: `ID MAC` of the committed head, then, while a batch
/// commits, `pending ID MAC` of the head it is about to commit.
fn write_checkpoint_lines(
    path: Option<&PathBuf>,
    committed: (i64, String),
    pending: Option<(i64, &str)>,
) -> std::io::Result<()> {
    if let Some(path) = path {
        let mut text = format!("{} {}\n", committed.0, committed.1);
        if let Some((id, mac)) = pending {
            text.push_str(&format!("pending {id} {mac}\n"));
        }
        let tmp = path.with_extension("audit-head.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)?;
    }
    Ok(())
}
