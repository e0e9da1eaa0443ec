//! "Does acupuncture work for nerve pain?": the pooled trials beside the
//! clinic's responders, change and SMCR, per condition with complementary suppression.

use serde_json::{json, Value};

use super::*;
use crate::evidence::{decisions, pool, published_row, AddedTrial};
use crate::outcomes::{change, cohort, responders, time_to_response, Cohort, TimeToResponse, Timepoint};
use crate::records::Course;
use crate::wording::{complementary, mean, num, pct, shown, suppress_small, MIN_PATIENTS, NOT_ENOUGH};

pub(super) fn works(courses: &[Course], all: &Cohort, ttr: &TimeToResponse, added: &[AddedTrial]) -> Question {
    let f2 = published_row("F2");
    let d = decisions(added);
    let pooled = pool(&d);
    let sd = baseline_sd(all);
    let restated = match (f2.and_then(|p| p.estimate), sd) {
        (Some(e), Some((sd, n))) => json!({"points": e * sd, "sd": sd,
            "sd_source": format!("standard deviation of baseline pain in this clinic ({n} courses)"),
            "text": format!("about {} NRS points", num(e * sd, 1))}),
        _ => json!({"text": "not restated: the clinic has too few baselines for a typical SD", "points": null}),
    };
    let end = responders(all, Timepoint::EndOfCourse);
    let ch = change(all);
    let mut per_condition: Vec<Value> = by_condition(courses)
        .into_iter()
        .map(|(cond, cs)| {
            let co = cohort(cs.iter().copied());
            let e = responders(&co, Timepoint::EndOfCourse);
            let chg = change(&co);
            json!({"condition": cond, "figures": shown(co.patients, json!({
                "patients": co.patients, "courses": co.analysed,
                "responders_30_itt": e[0].itt, "responders_30_completers": e[0].completers,
                "responders_30_itt_text": pct(&e[0].itt),
                "mean_change": chg.change, "mean_change_text": mean(&chg.change, "points"),
                "smcr": chg.smcr, "smcr_var": chg.smcr_var, "smcr_label": chg.label,
                "responders": {"session_6": responders_json(&co, Timepoint::Session(6)),
                               "session_12": responders_json(&co, Timepoint::Session(12)),
                               "end_of_course": responders_json(&co, Timepoint::EndOfCourse)},
                "detail": detail_json(&co, &chg, &time_to_response(&co), cs.iter().copied())}))})
        })
        .collect();
    // Per figure, then complementary across the conditions (which add up
    // to the clinic's figures).
    let mut cells: Vec<Value> = per_condition.iter_mut().map(|c| c["figures"].take()).collect();
    cells.iter_mut().for_each(suppress_small);
    complementary(&mut cells);
    for (c, f) in per_condition.iter_mut().zip(cells) {
        c["figures"] = f;
    }
    let clinic = shown(
        all.patients,
        json!({"patients": all.patients, "courses": all.analysed, "left_out": {"not_started": all.not_started,
                "no_baseline": all.no_baseline, "zero_baseline": all.zero_baseline},
               "end_of_course": responders_json(all, Timepoint::EndOfCourse),
               "session_6": responders_json(all, Timepoint::Session(6)),
               "session_12": responders_json(all, Timepoint::Session(12)),
               "mean_change": ch.change, "mean_change_text": mean(&ch.change, "points"),
               "smcr": ch.smcr, "smcr_var": ch.smcr_var, "smcr_label": ch.label,
               "detail": detail_json(all, &ch, ttr, courses),
               "by_condition": per_condition}),
    );
    let mut text = match f2 {
        Some(p) => format!(
            "In {} randomised trials with {} participants, pain fell more with acupuncture than with control: standardized mean difference {} (95% CI {} to {}; Feng 2023){}. Against sham acupuncture the difference was smaller and against conventional treatment it was uncertain.",
            p.k_trials.unwrap_or(0),
            p.n_participants.unwrap_or(0),
            num(p.estimate.unwrap_or(f64::NAN), 2),
            num(p.ci_low.unwrap_or(f64::NAN), 2),
            num(p.ci_high.unwrap_or(f64::NAN), 2),
            restated["points"].as_f64().map_or(String::new(), |x| format!(", about {} points on the 0-10 scale", num(x, 1))),
        ),
        None => String::new(),
    };
    if all.patients >= MIN_PATIENTS && end[0].itt.n == 0 {
        text.push_str(" In this clinic no course has ended yet.");
    } else if all.patients >= MIN_PATIENTS && end[0].itt.n as usize >= MIN_PATIENTS {
        text.push_str(&format!(
            " In this clinic, {} of {} courses that ended had pain at least 30% lower at the end (intention to treat; an uncontrolled cohort, so not proof of effect).",
            pct(&end[0].itt),
            end[0].itt.n
        ));
    } else {
        text.push_str(&format!(" This clinic's own figures: {NOT_ENOUGH}."));
    }
    Question {
        id: "works",
        question: "Does acupuncture work on nerve pain?",
        answer_text: text,
        trial_evidence: json!({
            "published_pooled": {"overall": published("F2"), "vs_sham": published("F3"), "vs_conventional": published("F4")},
            "restated_in_nrs_points": restated,
            "certainty": "Small pilot trials of mixed conditions and controls; per-trial data of the pooled analysis could not be retrieved, so it cannot be re-checked here; effects against sham are smaller than against no treatment.",
            "bundled_trials": d,
            "bundled_pool": pooled,
            "bundled_pool_note": if pooled.is_none() { "fewer than 2 trials have complete arm data: no pooled estimate (add trials to recompute)" } else { "random-effects (REML) pool of the included rows; the published pooled result above is not re-derived from them" },
            "added_trials": added.len(),
        }),
        clinic_figures: clinic,
        sources: cite(&["S1", "S3", "S54"]),
    }
}
