//! What the clinic's overseers read: the audit log (admins) and the
//! de-identified research aggregates (researchers).

use serde::Serialize;
use serde_json::Value;

use acumen_domain::Role;

use crate::access::admin_only;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One entry of a clinic's audit log as its admins see it: numbered within
/// the clinic, users and records by their public ids (the log's global ids
/// would show other clinics' activity).
#[derive(Debug, Serialize)]
pub struct AuditLine {
    /// 1, 2, ... within the clinic.
    pub seq: usize,
    /// When.
    pub at: String,
    /// Who (public id).
    pub user_id: Option<String>,
    /// Their role.
    pub role: Option<String>,
    /// What.
    pub action: String,
    /// The kind of record.
    pub record_kind: Option<String>,
    /// The record or user acted on (public id).
    pub record_id: Option<String>,
    /// The entry's MAC in the chain.
    pub hmac: String,
}

/// The clinic's audit log (admins).
pub async fn audit_log(st: &AppState, who: &Authed) -> ApiResult<Vec<AuditLine>> {
    admin_only(who, "only admins read the audit log")?;
    let log = st.store.audit_log(Some(who.user.clinic_id)).await?;
    lines(
        st,
        who.user.clinic_id,
        log.into_iter().enumerate().map(|(i, e)| (i + 1, e)),
    )
    .await
}

/// The clinic's latest `limit` audit entries, newest first (admins), and
/// how many its log holds.
pub async fn audit_tail(st: &AppState, who: &Authed, limit: i64) -> ApiResult<(usize, Vec<AuditLine>)> {
    admin_only(who, "only admins read the audit log")?;
    let (total, log) = st.store.audit_tail(who.user.clinic_id, limit).await?;
    let total = usize::try_from(total).unwrap_or(0);
    let numbered = log.into_iter().enumerate().map(|(i, e)| (total - i, e));
    Ok((total, lines(st, who.user.clinic_id, numbered).await?))
}

/// Audit entries with their numbers, as admins see them.
async fn lines(
    st: &AppState,
    clinic: i64,
    log: impl Iterator<Item = (usize, acumen_store::AuditEntry)>,
) -> ApiResult<Vec<AuditLine>> {
    let users: std::collections::HashMap<i64, String> = st
        .store
        .users(clinic)
        .await?
        .into_iter()
        .map(|u| (u.id, u.public_id))
        .collect();
    let records = st.store.public_ids(clinic).await?;
    Ok(log
        .map(|(seq, e)| AuditLine {
            seq,
            at: e.at,
            user_id: e.user_id.and_then(|u| users.get(&u).cloned()),
            role: e.role,
            action: e.action,
            record_kind: e.record_kind,
            record_id: e
                .record_id
                .and_then(|r| records.get(&r).or_else(|| users.get(&r)).cloned()),
            hmac: e.hmac,
        })
        .collect())
}

/// The de-identified aggregates (researchers), audited.
pub async fn research(st: &AppState, who: &Authed) -> ApiResult<Value> {
    if who.role() != Role::Researcher {
        return Err(ApiError::Forbidden("aggregates are for researcher accounts".into()));
    }
    st.store
        .audit(Some(&who.actor()), "research_aggregates", None, None)
        .await?;
    Ok(st.store.research_aggregates(10).await?)
}
