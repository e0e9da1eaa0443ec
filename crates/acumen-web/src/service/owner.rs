//! The owner's outcome dashboard (admins): the clinic's courses filtered by
//! condition, practitioner and start period, read with the answers' record
//! kinds (no patient record), and computed off the async executor by
//! `acumen_analytics::owner` with the answers page's small-number rule.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use acumen_analytics::owner::{dashboard, Filter};
use acumen_domain::plan::day_of;

use crate::access::admin_only;
use crate::auth::Authed;
use crate::error::{invalid, ApiError, ApiResult};
use crate::state::AppState;

/// The dashboard's filters as a query string gives them (empty = all).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerQuery {
    /// A condition code.
    pub condition: Option<String>,
    /// A practitioner's public id.
    pub practitioner: Option<String>,
    /// Courses started on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Courses started on or before (YYYY-MM-DD).
    pub to: Option<String>,
}

/// The dashboard's figures and the choices its filters offer.
pub struct OwnerView {
    /// The figures (`acumen_analytics::owner::dashboard`).
    pub figures: Value,
    /// The practitioners of the clinic: (public id, name).
    pub practitioners: Vec<(String, String)>,
    /// The filter as applied.
    pub filter: Filter,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses the filters, naming the field at fault.
fn parse(q: &OwnerQuery, practitioners: &[(String, String)]) -> ApiResult<Filter> {
    let condition = match given(&q.condition) {
        Some(c) if acumen_knowledge::conditions::condition(c).is_none() => {
            return Err(invalid("condition", "must be a condition code from /api/v1/conditions"))
        }
        c => c.map(str::to_string),
    };
    let practitioner = match given(&q.practitioner) {
        Some(p) if p != acumen_analytics::owner::UNASSIGNED && !practitioners.iter().any(|(id, _)| id == p) => {
            return Err(invalid("practitioner", "must be a practitioner of this clinic"))
        }
        p => p.map(str::to_string),
    };
    let day = |field: &str, v: &Option<String>| -> ApiResult<Option<time::Date>> {
        match given(v) {
            None => Ok(None),
            Some(s) => day_of(s)
                .map(Some)
                .ok_or_else(|| invalid(field, "must be a date YYYY-MM-DD")),
        }
    };
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(invalid("to", "must be on or after the start of the period"));
        }
    }
    Ok(Filter {
        condition,
        practitioner,
        from,
        to,
    })
}

/// The dashboard on `today` (admins).
pub async fn outcomes(st: &AppState, who: &Authed, q: &OwnerQuery, today: time::Date) -> ApiResult<OwnerView> {
    admin_only(who, "only admins see the clinic's outcome dashboard")?;
    let users = st.store.users(who.user.clinic_id).await?;
    let practitioners: Vec<(String, String)> = users
        .iter()
        .filter(|u| u.role == "practitioner")
        .map(|u| (u.public_id.clone(), u.name.clone()))
        .collect();
    let filter = parse(q, &practitioners)?;
    let names: BTreeMap<String, String> = users.into_iter().map(|u| (u.public_id, u.name)).collect();
    let conditions: BTreeMap<String, String> = acumen_knowledge::conditions::CONDITIONS
        .iter()
        .map(|c| (c.code.to_string(), c.name.to_string()))
        .collect();
    let raw = st.snapshots.of(st.store.as_ref(), who.user.clinic_id).await?.raw;
    let f = filter.clone();
    let figures = tokio::task::spawn_blocking(move || dashboard(&raw, &f, today, &names, &conditions))
        .await
        .map_err(|e| ApiError::Internal(format!("owner dashboard task: {e}")))?;
    Ok(OwnerView {
        figures,
        practitioners,
        filter,
    })
}
