//! Login limits: an attempt is counted before its password is checked, in
//! one writer job, so concurrent attempts cannot slip past the count.

use super::{Dialect, SqlStore};
use crate::model::LoginGate;
use crate::store::Result;

/// The limits a reservation checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Seconds an attempt stays counted.
    pub window: i64,
    /// Most attempts per account in the window.
    pub max_account: i64,
    /// Most attempts per address in the window.
    pub max_address: i64,
}

/// The most recent `$3` attempts in the window (`at >= $2`) of one account
/// or address (`$1`): how many, and the oldest.
fn recent(by: &str) -> String {
    format!(
        "SELECT count(*) AS n, min(at) AS first FROM \
         (SELECT at FROM login_failures WHERE {by} = $1 AND at >= $2 ORDER BY at DESC LIMIT $3) AS recent"
    )
}

impl<D: Dialect> SqlStore<D> {
    pub(crate) async fn reserve(
        &self,
        account: &str,
        address: &str,
        now_s: i64,
        limits: Limits,
        attempt: &str,
    ) -> Result<LoginGate> {
        let (account, address) = (account.trim().to_lowercase(), address.to_string());
        let attempt = attempt.to_string();
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let c = D::conn(c);
                    // One writer task runs these statements in turn: the count
                    // and the insert cannot interleave with another attempt's.
                    let since = now_s - limits.window;
                    let a = c
                        .found(
                            &recent("account"),
                            &[(&account).into(), since.into(), limits.max_account.into()],
                        )
                        .await?;
                    let b = c
                        .found(
                            &recent("address"),
                            &[(&address).into(), since.into(), limits.max_address.into()],
                        )
                        .await?;
                    let (na, nb) = (a.int("n")?, b.int("n")?);
                    if na >= limits.max_account || nb >= limits.max_address {
                        // Free again when the oldest of the counted attempts leaves the window.
                        let mut until = 0;
                        if na >= limits.max_account {
                            until = a.int("first")? + limits.window;
                        }
                        if nb >= limits.max_address {
                            until = until.max(b.int("first")? + limits.window);
                        }
                        return Ok(LoginGate::Locked { until });
                    }
                    c.run(
                        "INSERT INTO login_failures (account, address, at, attempt) VALUES ($1, $2, $3, $4)",
                        &[account.into(), address.into(), now_s.into(), (&attempt).into()],
                    )
                    .await?;
                    Ok(LoginGate::Counted(attempt))
                })
            })
            .await
    }

    pub(crate) async fn failures(&self, account: &str, address: &str, since: i64) -> Result<(i64, i64)> {
        let r = self
            .read_found(
                "SELECT (SELECT count(*) FROM login_failures WHERE account = $1 AND at >= $3) AS a, \
                        (SELECT count(*) FROM login_failures WHERE address = $2 AND at >= $3) AS b",
                &[account.trim().to_lowercase().into(), address.into(), since.into()],
            )
            .await?;
        Ok((r.int("a")?, r.int("b")?))
    }
}
