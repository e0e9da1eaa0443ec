//! What a patient with a portal account is asked now: the same timepoints a
//! follow-up link asks (a baseline before session 1, a missed visit, the
//! follow-ups after the course), while they are open, and their answers,
//! which complete the timepoint and close its link so no reminder follows.

use time::{Date, OffsetDateTime};

use acumen_domain::followup::{FollowUpPlan, Scheduled, Timepoint};
use acumen_domain::outreach::{Outreach, State};
use acumen_domain::{OutcomeInput, Role};
use acumen_store::LinkChange;

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::service::follow_up::message_of;
use crate::service::messaging::settings_of;
use crate::state::AppState;

/// A timepoint the patient is asked now.
#[derive(Debug, Clone)]
pub struct Asked {
    /// Their course.
    pub course_id: i64,
    /// The timepoint.
    pub timepoint: Timepoint,
    /// The last day it can be answered.
    pub open_until: Option<Date>,
    /// The clinic's calendar day today.
    pub today: Date,
}

/// The caller's open timepoints, oldest first (patients).
pub async fn asked(st: &AppState, who: &Authed, now: OffsetDateTime) -> ApiResult<Vec<Asked>> {
    if who.role() != Role::Patient {
        return Err(ApiError::Forbidden("only a patient is asked their own measures".into()));
    }
    let Some(pid) = who.user.patient_id else {
        return Ok(vec![]);
    };
    let clinic = who.user.clinic_id;
    let settings = settings_of(st, &st.store.clinic(clinic).await?);
    let zone = settings.zone();
    let plan = plan(st);
    let today = zone.local(now).0;
    let snap = st.snapshots.of(st.store.as_ref(), clinic).await?;
    let mine: std::collections::BTreeSet<i64> = snap
        .raw
        .iter()
        .filter(|r| r.kind == "course" && r.patient_id == Some(pid))
        .map(|r| r.id)
        .collect();
    let items: Vec<(i64, Scheduled)> =
        acumen_analytics::owner::course_timepoints(&snap.raw, |c| mine.contains(&c), &plan, today)
            .into_iter()
            .filter(|(_, _, t)| t.timepoint.by_link() && !t.recorded)
            .map(|(c, _, t)| (c, t))
            .collect();
    let mut out = Vec::new();
    for (course, item) in &items {
        let links = st.store.links_of_course(*course).await?;
        let link = links.iter().find(|(l, _)| l.timepoint == item.timepoint.key());
        let messages: Vec<_> = link
            .map(|(l, ms)| ms.iter().filter_map(|m| message_of(m, &l.timepoint)).collect())
            .unwrap_or_default();
        let o = Outreach {
            item,
            messages: messages.iter().collect(),
            declined: link.is_some_and(|(l, _)| l.state != "open"),
        };
        if matches!(o.state(&plan, &zone, now), State::Due | State::Sent | State::Reminded) {
            let until = o
                .open_until(&plan, &zone)
                .unwrap_or(item.due + time::Duration::days(plan.window_days() - 1));
            out.push(Asked {
                course_id: *course,
                timepoint: item.timepoint,
                open_until: Some(item.closes.map_or(until, |c| c.min(until))),
                today,
            });
        }
    }
    Ok(out)
}

/// Records the caller's answers to the `n`-th open timepoint, which must
/// still be `key` (else it closed or changed: 409); closes its link.
pub async fn answer(
    st: &AppState,
    who: &Authed,
    n: usize,
    key: &str,
    answers: Vec<OutcomeInput>,
    now: OffsetDateTime,
) -> ApiResult<usize> {
    let open = asked(st, who, now).await?;
    let Some(a) = open.get(n).filter(|a| a.timepoint.key() == key) else {
        return Err(ApiError::Closed(
            "This question is no longer open: it was answered, or its time has passed.".into(),
        ));
    };
    let count = answers.len();
    for input in answers {
        crate::service::records::add_outcome(st, who, None, a.course_id, input).await?;
    }
    if let Some((l, _)) = st
        .store
        .links_of_course(a.course_id)
        .await?
        .into_iter()
        .find(|(l, _)| l.timepoint == key && l.state == "open")
    {
        st.store.link_answer(l.id, LinkChange::Close { state: "used" }).await?;
    }
    Ok(count)
}

/// The measures asked at a timepoint, as outcome inputs from a form's
/// answers (`name` → value), dated `today`; the reasons for any refused.
pub fn answers_of(
    timepoint: Timepoint,
    form: &std::collections::HashMap<String, String>,
    labels: &[(String, String)],
    today: Date,
) -> (Vec<OutcomeInput>, Vec<String>) {
    use acumen_domain::Validate;
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for (name, label) in labels {
        if name == "pgic" && !matches!(timepoint, Timepoint::FollowUp { .. }) {
            continue;
        }
        let Some(v) = form.get(name).filter(|v| !v.is_empty()) else {
            continue;
        };
        let input = OutcomeInput {
            instrument: name.clone(),
            recall: (name != "pgic").then(|| "24h".to_string()),
            value: v.trim().parse().unwrap_or(f64::NAN),
            timepoint: if timepoint == Timepoint::Baseline {
                "baseline"
            } else {
                "follow_up"
            }
            .into(),
            session_number: None,
            date: today.to_string(),
            source: "patient".into(),
            scheduled: Some(timepoint.key()),
        };
        match input.clone().validate() {
            Ok(_) => inputs.push(input),
            Err(inv) => errors.extend(inv.errors.into_iter().map(|e| format!("{label}: {}", e.rule))),
        }
    }
    if !inputs.iter().any(|i| i.instrument == "nrs_average") {
        errors.push("Please choose your average pain (0 to 10): it is the one answer we need.".into());
    }
    (inputs, errors)
}

/// The plan in force (the server's, or the default without follow-up).
pub fn plan(st: &AppState) -> FollowUpPlan {
    st.follow_up.as_ref().map(|f| f.plan.clone()).unwrap_or_default()
}
