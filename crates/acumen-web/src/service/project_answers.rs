//! The "does it work" section's trial evidence, read from an evidence
//! project: the bundled project, or — once an admin has marked one of its
//! versions reviewed — the latest reviewed version of the clinic's own
//! project started from it, labelled "edited by this clinic" with its hash
//! and what moved against the bundled version. Trials are read one
//! (condition, comparator) group at a time and never pooled across groups.

use serde_json::{json, Value};

use acumen_evidence::bundled::{bundled, WHY_NOT_POOLED};
use acumen_evidence::changelog::what_moved;
use acumen_evidence::project::{analyse, groups, Subset, VersionAnalysis};
use acumen_evidence::version::{trial_changes, version_hash, Content, TrialChange};
use acumen_meta::Budget;

use super::projects::content_of;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Each group's analysis (a group the engine refuses is left out with why).
fn by_group(c: &Content, budget: &Budget) -> Vec<(Subset, Result<VersionAnalysis, String>)> {
    groups(c)
        .into_iter()
        .map(|g| {
            let a = analyse(c, &g, budget.clone());
            (g, a)
        })
        .collect()
}

fn group_json(c: &Content, g: &Subset, a: &Result<VersionAnalysis, String>, old: Option<&VersionAnalysis>) -> Value {
    let Subset::Group(condition, comparator) = g else {
        return Value::Null;
    };
    match a {
        Err(e) => json!({"condition": condition, "comparator": comparator, "against": comparator.words(), "error": e}),
        Ok(a) => {
            let trials: Vec<Value> = a
                .trials
                .iter()
                .map(|t| {
                    let citation = c.trials.iter().find(|x| x.id == t.id).map(|x| x.citation.clone());
                    json!({"id": t.id, "citation": citation, "estimate": t.yi, "ci_lb": t.ci.0, "ci_ub": t.ci.1})
                })
                .collect();
            let pooled = (a.summary.k >= 2).then(|| {
                json!({"estimate": a.summary.estimate, "ci_lb": a.summary.ci.0, "ci_ub": a.summary.ci.1,
                       "pi": a.summary.pi, "i2": a.summary.i2, "certainty": a.sof.certainty})
            });
            json!({
                "condition": condition, "comparator": comparator, "against": comparator.words(),
                "measure": a.measure, "k": a.summary.k, "trials": trials, "pooled": pooled,
                "note": if a.summary.k >= 2 { format!("{} trials pooled ({})", a.summary.k, a.footer) } else { "one trial: nothing to pool".to_string() },
                "what_moved": old.map(|o| what_moved(&o.summary, &a.summary)),
                "r_script": a.r_script,
            })
        }
    }
}

/// The latest reviewed version of the clinic's own project that started
/// from the bundled one, if any.
async fn reviewed_edit(st: &AppState, clinic_id: i64) -> ApiResult<Option<(acumen_store::ProjectVersion, String)>> {
    let mut best: Option<(acumen_store::ProjectVersion, String)> = None;
    for p in st
        .store
        .projects(clinic_id)
        .await?
        .into_iter()
        .filter(|p| p.based_on_bundled)
    {
        if let Some(v) = st
            .store
            .project_versions(p.id)
            .await?
            .into_iter()
            .rev()
            .find(|v| v.reviewed_at.is_some())
        {
            if best.as_ref().is_none_or(|(b, _)| v.reviewed_at > b.reviewed_at) {
                best = Some((v, p.public_id.clone()));
            }
        }
    }
    Ok(best)
}

/// The section's project block.
pub async fn block(st: &AppState, clinic_id: i64) -> ApiResult<Value> {
    let edit = reviewed_edit(st, clinic_id).await?;
    let base = bundled().clone();
    let bundled_hash = version_hash(&base);
    let (content, label) = match &edit {
        Some((v, _)) => (content_of(v)?, "edited by this clinic"),
        None => (base.clone(), "bundled"),
    };
    let edited = edit.is_some();
    let (content2, base2) = (content.clone(), base.clone());
    let (groups_now, groups_before) = st
        .engine
        .run_shared(move |budget| {
            let now = by_group(&content2, &budget);
            let before = if edited { by_group(&base2, &budget) } else { Vec::new() };
            (now, before)
        })
        .await?;
    let old_of = |g: &Subset| {
        groups_before
            .iter()
            .find(|(b, _)| b == g)
            .and_then(|(_, a)| a.as_ref().ok())
    };
    let groups: Vec<Value> = groups_now
        .iter()
        .map(|(g, a)| group_json(&content, g, a, if edited { old_of(g) } else { None }))
        .collect();
    let ungrouped: Vec<&str> = content
        .trials
        .iter()
        .filter(|t| t.condition.is_none() || t.comparator.is_none())
        .map(|t| t.id.as_str())
        .collect();
    let mut out = json!({
        "source": label,
        "hash": version_hash(&content),
        "bundled_hash": bundled_hash,
        "question": content.question,
        "why": WHY_NOT_POOLED,
        "groups": groups,
        "ungrouped": ungrouped,
    });
    if let Some((v, project)) = edit {
        let changes = trial_changes(&base, &content);
        let count = |f: fn(&TrialChange) -> bool| changes.iter().filter(|c| f(c)).count();
        out["why"] = json!("This clinic has edited the bundled project (an admin reviewed this version). Trials are still read one condition and comparator at a time, never pooled across them.");
        out["reviewed_at"] = json!(v.reviewed_at);
        out["project"] = json!(project);
        out["changelog"] = json!({
            "against": bundled_hash,
            "href": format!("/api/v1/versions/{}/changelog?against=bundled", v.hash),
            "added": count(|c| matches!(c, TrialChange::Added { .. })),
            "removed": count(|c| matches!(c, TrialChange::Removed { .. })),
            "edited": count(|c| matches!(c, TrialChange::Edited { .. })),
            "trials": changes,
        });
    }
    Ok(out)
}

/// Adds the block to the answers' "works" question (an error there is
/// logged and the section keeps its published figures).
pub async fn attach(st: &AppState, clinic_id: i64, a: &mut acumen_analytics::answers::Answers) {
    match block(st, clinic_id).await {
        Ok(b) => {
            if let Some(q) = a.questions.iter_mut().find(|q| q.id == "works") {
                q.trial_evidence["project"] = b;
            }
        }
        Err(ApiError::Internal(e)) => tracing::error!(error = %e, "answers: the evidence project could not be read"),
        Err(e) => tracing::warn!(error = %e, "answers: the evidence project could not be read"),
    }
}
