//! A version's analysis against metafor 3.8 (`fixtures/make_project_fixtures.R`
//! wrote `fixtures/project_fixtures.json`): the bundled project's SMDs and
//! their REML pool, leave-one-out, the changelog of an edited trial, and
//! the rules of subsets and GRADE judgements.

use acumen_evidence::bundled::bundled;
use acumen_evidence::changelog::what_moved;
use acumen_evidence::grade::{Certainty, Concern, Domain};
use acumen_evidence::project::{analyse, groups, sensitivity_subsets, Subset, VersionAnalysis};
use acumen_evidence::version::{trial_changes, version_hash, Comparator, Content, Judgement, TrialChange};
use acumen_meta::tolerance::{close, SLACK_FACTOR};
use acumen_meta::Budget;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!("fixtures/project_fixtures.json")).unwrap();
    all[name].clone()
}

fn run(c: &Content, s: Subset) -> VersionAnalysis {
    analyse(c, &s, Budget::default()).unwrap()
}

fn num(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        x => vec![x.as_f64().unwrap()],
    }
}

/// Every number of a run against metafor's, at the engine's tolerances.
fn matches_metafor(r: &VersionAnalysis, want: &Value) {
    let f = &r.analysis.fit;
    let got = [
        ("yi", r.trials.iter().map(|t| t.yi).collect::<Vec<_>>()),
        ("vi", r.trials.iter().map(|t| t.vi).collect()),
        ("weights", r.trials.iter().map(|t| t.weight_pct).collect()),
        ("b", vec![f.b[0]]),
        ("ci_lb", vec![f.ci_lb[0]]),
        ("ci_ub", vec![f.ci_ub[0]]),
        ("tau2", vec![f.tau2]),
        ("I2", vec![f.i2]),
    ];
    for (name, values) in got {
        let w = num(&want[name]);
        assert_eq!(values.len(), w.len(), "{name}");
        for (g, e) in values.iter().zip(&w) {
            assert!(close(*g, *e, SLACK_FACTOR), "{name}: {g} vs metafor {e}");
        }
    }
    if f.k >= 2 && f.tau2 > 0.0 {
        let (lo, hi) = r.summary.pi.unwrap();
        assert!(close(lo, want["pi_lb"].as_f64().unwrap(), SLACK_FACTOR));
        assert!(close(hi, want["pi_ub"].as_f64().unwrap(), SLACK_FACTOR));
    }
}

#[test]
fn the_bundled_trials_pool_as_metafor_pools_them() {
    let c = bundled();
    assert_eq!(c.trials.len(), 3);
    let all = run(c, Subset::All);
    matches_metafor(&all, &fixture("all"));
    assert!(all.left_out.is_empty());
    matches_metafor(&run(c, Subset::LeaveOut("Lu2020".into())), &fixture("without_Lu2020"));
    matches_metafor(
        &run(c, Subset::LeaveOut("Ursini2011".into())),
        &fixture("without_Ursini2011"),
    );
    // The metafor script of the run carries the same data.
    assert!(all.r_script.contains("library(metafor)"));
    assert!(all.footer.contains("REML"));
    // 20 + 20 + 14 + 17 + 52 + 50 participants.
    assert_eq!(all.sof.n, Some(173));
}

#[test]
fn the_answers_page_groups_never_pool_across_condition_or_comparator() {
    let c = bundled();
    let g = groups(c);
    assert_eq!(
        g,
        vec![
            Subset::Group(
                "chemotherapy-induced peripheral neuropathy".into(),
                Comparator::Waitlist
            ),
            Subset::Group("chemotherapy-induced peripheral neuropathy".into(), Comparator::Sham),
            Subset::Group("acute herpes zoster".into(), Comparator::Drug),
        ]
    );
    for s in &g {
        assert_eq!(run(c, s.clone()).analysis.fit.k, 1, "{}", s.words());
    }
    let lu = run(c, g[0].clone());
    matches_metafor(&lu, &fixture("lu_alone"));
    // One trial: no prediction interval, and inconsistency is not judged.
    assert_eq!(lu.summary.pi, None);
}

#[test]
fn sensitivity_reruns_are_the_ones_that_apply() {
    let c = bundled();
    let keys: Vec<String> = sensitivity_subsets(c).iter().map(Subset::key).collect();
    // No trial is assessed for risk of bias yet: no low-risk rerun.
    assert_eq!(
        keys,
        [
            "comparator:sham",
            "comparator:waitlist",
            "comparator:drug",
            "without:Lu2020",
            "without:Rostock2013",
            "without:Ursini2011"
        ]
    );
    for k in &keys {
        assert_eq!(&Subset::from_key(k).unwrap().key(), k);
    }
    assert_eq!(
        Subset::from_key("comparator:acupressure").unwrap_err(),
        "'comparator:acupressure' is not a subset: write all, low_rob, comparator:<sham|usual_care|waitlist|drug|other> or without:<trial id>"
    );
    assert_eq!(
        analyse(c, &Subset::LeaveOut("Nobody2020".into()), Budget::default())
            .err()
            .unwrap(),
        "without:Nobody2020: the version has no trial Nobody2020"
    );
    assert_eq!(
        analyse(c, &Subset::LowRiskOfBias, Budget::default()).err().unwrap(),
        "no trial fits: trials at low risk of bias only"
    );
}

#[test]
fn an_edited_trial_is_a_new_version_with_a_changelog_of_what_moved() {
    let old = bundled().clone();
    let mut new = old.clone();
    new.trials[0].row.insert("n1i".into(), "18".into());
    assert_ne!(version_hash(&old), version_hash(&new));
    assert_eq!(version_hash(&old), version_hash(&bundled().clone()));
    assert_eq!(
        trial_changes(&old, &new),
        vec![TrialChange::Edited {
            id: "Lu2020".into(),
            fields: vec![("n1i".into(), "20".into(), "18".into())]
        }]
    );
    let (a, b) = (run(&old, Subset::All), run(&new, Subset::All));
    matches_metafor(&b, &fixture("edited_lu_n18"));
    // metafor: b −0.01636 → −0.01364 (printed −0.02 and −0.01), I² 82.48 % → 82.00 %
    // (both 82 %: not a move), the CI crosses 0 before and after.
    assert_eq!(
        what_moved(&a.summary, &b.summary),
        "pooled SMD −0.02 → −0.01; certainty unchanged: very low"
    );
}

#[test]
fn grade_judgements_confirm_or_override_with_a_reason() {
    let mut c = bundled().clone();
    let a = run(&c, Subset::All);
    assert_eq!(a.unconfirmed.len(), 5);
    let imprecision = a
        .decisions
        .iter()
        .find(|d| d.suggestion.domain == Domain::Imprecision)
        .unwrap();
    assert_eq!(imprecision.concern, Concern::VerySerious);
    // Confirming a suggestion needs no reason; overriding one does.
    c.grade = vec![Judgement {
        domain: Domain::Imprecision,
        concern: Concern::VerySerious,
        reason: String::new(),
    }];
    assert_eq!(run(&c, Subset::All).unconfirmed.len(), 4);
    c.grade[0].concern = Concern::Serious;
    assert_eq!(
        analyse(&c, &Subset::All, Budget::default()).err().unwrap(),
        "grade: imprecision: an override needs a reason: say why you judge this domain differently"
    );
    c.grade[0].reason = "the trials are pilots; judged once for the whole body".into();
    let b = run(&c, Subset::All);
    assert_eq!(
        b.sof.certainty,
        Certainty::from_rcts(b.decisions.iter().map(|d| d.concern.levels()).sum())
    );
}

mod import {
    use acumen_evidence::import::{preview, RowError};
    use acumen_evidence::version::Comparator;

    #[test]
    fn a_csv_preview_lists_each_faulty_row_and_keeps_the_others() {
        let csv = "study,citation,condition,comparator,m1i,sd1i,n1i,m2i,sd2i,n2i\n\
                   Lu2020,Lu W et al. 2020,CIPN,waitlist,-1.1,1.7,20,0.3,1.5,20\n\
                   X2021,,CIPN,sham,-1,1,10,0,1,10\n\
                   Y2022,Y et al.,CIPN,acupressure,-1,1,10,0,1,10\n\
                   Lu2020,again,CIPN,sham,-1,1,10,0,1,10\n\
                   Z2023,Z et al.,CIPN,drug,-1,abc,10,0,1,10\n";
        let p = preview(csv.as_bytes(), "trials.csv", None).unwrap();
        assert_eq!(p.trials.len(), 1);
        assert_eq!(p.trials[0].id, "Lu2020");
        assert_eq!(p.trials[0].comparator, Some(Comparator::Waitlist));
        assert_eq!(p.trials[0].row["n1i"], "20");
        assert!(!p.trials[0].row.contains_key("citation"));
        let err = |row, field: &str, message: &str| RowError {
            row,
            field: field.into(),
            message: message.into(),
        };
        assert_eq!(
            p.errors,
            vec![
                err(2, "citation", "missing: say where the numbers come from"),
                err(
                    3,
                    "comparator",
                    "'acupressure' is not one of sham, usual_care, waitlist, drug, other"
                ),
                err(4, "study", "'Lu2020' is on an earlier row too: ids must be unique"),
                err(
                    5,
                    "sd1i",
                    "'abc' is not a number (expected a number, or empty / NA for missing)"
                ),
            ]
        );
    }

    #[test]
    fn an_rm5_preview_reads_one_outcome_with_its_footnotes() {
        let bytes = include_bytes!("rm5/footnotes.rm5");
        let p = preview(bytes, "footnotes.rm5", None).unwrap();
        assert!(!p.outcomes.is_empty());
        assert!(!p.trials.is_empty());
        assert!(
            p.trials.iter().any(|t| t.citation.contains("footnote: ")),
            "{:?}",
            p.trials
        );
        let e = preview(bytes, "footnotes.rm5", Some(99)).unwrap_err();
        assert!(e.contains("outcome 100 does not exist"), "{e}");
        let bad = preview(b"<COCHRANE_REVIEW><ANALYSES_AND_DATA>", "broken.rm5", None).unwrap_err();
        assert!(bad.starts_with("broken.rm5: "), "{bad}");
    }
}
