//! The judgement rules, case by case, with their reason strings.

mod project;

use acumen_evidence::grade::*;
use acumen_evidence::rob::{suggested_overall, Domain as RobDomain, Level};

fn tw(weight: f64, rob: Option<Level>) -> TrialWeight {
    TrialWeight { weight, rob }
}

fn pooled(k: usize, ci: (f64, f64), pi: Option<(f64, f64)>, i2: f64, n: Option<f64>, egger: Option<f64>) -> Pooled {
    Pooled {
        k,
        ci,
        pi,
        i2,
        n_total: n,
        egger_p: egger,
    }
}

/// SMD with the default MID of 0.5 standard deviations.
fn smd() -> Settings {
    Settings {
        mid: 0.5,
        mid_in_sd: Some(0.5),
    }
}

#[test]
fn risk_of_bias_follows_the_weight_from_high_risk_trials() {
    use Level::*;
    let s = risk_of_bias(&[tw(40.0, Some(High)), tw(30.0, Some(Low)), tw(30.0, Some(Low))]);
    assert_eq!(s.concern, Concern::Serious);
    assert_eq!(
        s.reason,
        "40 % of the weight from trials at high risk of bias, 40 % at high risk or with some concerns"
    );
    let s = risk_of_bias(&[tw(6.0, Some(High)), tw(4.0, Some(Low))]);
    assert_eq!(s.concern, Concern::VerySerious, "60 % > 50 %");
    // 20 % high + 35 % some concerns = 55 % > 50 %.
    let s = risk_of_bias(&[tw(20.0, Some(High)), tw(35.0, Some(SomeConcerns)), tw(45.0, Some(Low))]);
    assert_eq!(s.concern, Concern::Serious);
    assert_eq!(
        s.reason,
        "20 % of the weight from trials at high risk of bias, 55 % at high risk or with some concerns"
    );
    let s = risk_of_bias(&[tw(10.0, Some(SomeConcerns)), tw(10.0, None), tw(80.0, Some(Low))]);
    assert_eq!(s.concern, Concern::NotSerious);
    assert_eq!(
        s.reason,
        "0 % of the weight from trials at high risk of bias, 20 % at high risk or with some concerns (1 trial not assessed, counted as some concerns)"
    );
}

#[test]
fn inconsistency_reads_i2_and_the_prediction_interval() {
    let one = inconsistency(&pooled(1, (-0.9, -0.1), None, 0.0, None, None), &smd());
    assert_eq!(
        (one.concern, one.reason.as_str()),
        (Concern::NotSerious, "one trial: inconsistency cannot be judged")
    );
    // The seed's CI with a wide prediction interval: PI crosses 0, CI does not.
    let s = inconsistency(&pooled(8, (-0.95, -0.23), Some((-1.6, 0.4)), 41.0, None, None), &smd());
    assert_eq!(s.concern, Concern::Serious);
    assert_eq!(s.reason, "I² = 41 %; the prediction interval (-1.60 to 0.40) crosses no effect although the confidence interval does not");
    let s = inconsistency(&pooled(8, (-0.95, 0.1), Some((-1.2, 0.7)), 80.0, None, None), &smd());
    assert_eq!(s.concern, Concern::VerySerious);
    assert_eq!(
        s.reason,
        "I² = 80 % and the prediction interval (-1.20 to 0.70) reaches important effects in both directions"
    );
    let s = inconsistency(&pooled(8, (-0.95, 0.1), Some((-1.3, 0.4)), 55.0, None, None), &smd());
    assert_eq!(
        (s.concern, s.reason.as_str()),
        (Concern::Serious, "I² = 55 %: substantial heterogeneity")
    );
    let s = inconsistency(&pooled(8, (-0.9, -0.3), Some((-0.9, -0.1)), 30.0, None, None), &smd());
    assert_eq!(s.concern, Concern::NotSerious);
}

#[test]
fn the_optimal_information_size_is_the_two_arm_sample_size() {
    // 4 (1.959964 + 0.841621)² / 0.5² = 4 · 7.848880 / 0.25 = 125.58.
    assert!((optimal_information_size(0.5) - 125.582).abs() < 1e-3);
    // 1 NRS point with SD 2 is d = 0.5 too; SMD 0.2 needs 784.9.
    assert!((optimal_information_size(0.2) - 784.888).abs() < 1e-3);
}

#[test]
fn imprecision_places_the_ci_against_the_mid_and_the_information_size() {
    // The seed's pooled SMD: −0.95 to −0.23 crosses −0.5.
    let s = imprecision(&pooled(8, (-0.95, -0.23), None, 41.0, Some(400.0), None), &smd());
    assert_eq!(s.concern, Concern::Serious);
    assert_eq!(
        s.reason,
        "the confidence interval (-0.95 to -0.23) includes both an important and a trivial effect (MID 0.5); 400 participants reach the optimal information size of 126"
    );
    let s = imprecision(&pooled(8, (-0.9, 0.6), None, 0.0, Some(400.0), None), &smd());
    assert_eq!(s.concern, Concern::VerySerious);
    let s = imprecision(&pooled(3, (-1.4, -0.6), None, 0.0, Some(100.0), None), &smd());
    assert_eq!(s.concern, Concern::Serious);
    assert!(
        s.reason
            .ends_with("; 100 participants, fewer than the optimal information size of 126"),
        "{}",
        s.reason
    );
    let s = imprecision(&pooled(3, (-1.4, -0.6), None, 0.0, Some(200.0), None), &smd());
    assert_eq!(s.concern, Concern::NotSerious);
    // A ratio measure (log RR, MID log(1.25)): no information size.
    let rr = Settings {
        mid: 1.25f64.ln(),
        mid_in_sd: None,
    };
    let s = imprecision(&pooled(5, (-0.6, -0.3), None, 0.0, Some(900.0), None), &rr);
    assert_eq!(s.concern, Concern::NotSerious);
    assert!(s.reason.ends_with("it needs a continuous outcome's MID in SD units)"));
}

#[test]
fn publication_bias_is_tested_only_from_ten_trials() {
    let s = publication_bias(&pooled(8, (-0.95, -0.23), None, 0.0, None, Some(0.01)));
    assert_eq!(s.concern, Concern::NotSerious, "k = 8: Egger's p is not used");
    assert!(s.reason.starts_with("k = 8: funnel-plot tests need at least 10 trials"));
    let s = publication_bias(&pooled(12, (-0.95, -0.23), None, 0.0, None, Some(0.04)));
    assert_eq!(
        (s.concern, s.reason.as_str()),
        (Concern::Serious, "Egger's test p = 0.040 < 0.10: small-study effects")
    );
    let s = publication_bias(&pooled(12, (-0.95, -0.23), None, 0.0, None, Some(0.42)));
    assert_eq!(s.concern, Concern::NotSerious);
}

#[test]
fn certainty_goes_down_per_level_and_an_override_needs_a_reason() {
    let p = pooled(8, (-0.95, -0.23), Some((-1.6, 0.4)), 41.0, Some(400.0), None);
    let trials = [tw(30.0, Some(Level::High)), tw(70.0, Some(Level::Low))];
    let decisions: Vec<Decision> = suggest(&trials, &p, &smd())
        .into_iter()
        .map(Decision::confirm)
        .collect();
    // Serious risk of bias (30 % > 25 %), inconsistency, imprecision: high − 3 = very low.
    assert_eq!(certainty(&decisions), Certainty::VeryLow);
    let inc = decisions[1].suggestion.clone();
    assert!(Decision::overrule(inc.clone(), Concern::NotSerious, "  ").is_err());
    let d = Decision::overrule(inc, Concern::NotSerious, "the wide PI is one outlying sham trial").unwrap();
    let mut two = decisions.clone();
    two[1] = d;
    assert_eq!(certainty(&two), Certainty::Low);
    assert_eq!(Certainty::Low.words(), "low");
}

#[test]
fn rob2_overall_is_the_worst_domain_with_its_reason() {
    let dom = |l: Level| RobDomain {
        level: l,
        support: String::new(),
    };
    use Level::*;
    let all_low = [dom(Low), dom(Low), dom(Low), dom(Low), dom(Low)];
    assert_eq!(
        suggested_overall(&all_low),
        (Low, "low: every domain is at low risk".into())
    );
    let one_high = [dom(Low), dom(SomeConcerns), dom(High), dom(Low), dom(Low)];
    assert_eq!(
        suggested_overall(&one_high),
        (High, "high: at least one domain is at high risk (D3)".into())
    );
    let two = [dom(SomeConcerns), dom(Low), dom(Low), dom(Low), dom(SomeConcerns)];
    assert_eq!(
        suggested_overall(&two),
        (
            SomeConcerns,
            "some concerns: raised in D1, D5 and no domain at high risk".into()
        )
    );
    let three = [
        dom(SomeConcerns),
        dom(SomeConcerns),
        dom(Low),
        dom(SomeConcerns),
        dom(Low),
    ];
    let (l, r) = suggested_overall(&three);
    assert_eq!(l, SomeConcerns);
    assert!(
        r.starts_with("some concerns: raised in 3 domains (D1, D2, D4); RoB 2 allows judging this high"),
        "{r}"
    );
}

mod version {
    use acumen_evidence::version::*;
    use serde_json::{json, Value};

    fn content(v: Value) -> Content {
        serde_json::from_value(v).unwrap()
    }

    fn lu2020() -> Value {
        json!({"question": {"population": "CIPN", "intervention": "acupuncture", "comparator": "usual care", "outcome": "pain NRS"},
               "trials": [{"id": "lu2020", "citation": "Lu W et al. JAMA Netw Open 2020", "row": {"m1i": "-1.9", "sd1i": "2.1", "n1i": "19", "m2i": "-0.8", "sd2i": "2.2", "n2i": "18"}}],
               "options": {"measure": "SMD", "method": "REML"}})
    }

    #[test]
    fn the_canonical_json_is_rfc_8785s() {
        // RFC 8785 section 3.2.2's input and its canonical form (3.2.3).
        let input: Value = serde_json::from_str(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    #[test]
    fn the_same_content_gives_the_same_hash_and_a_changed_trial_a_new_one() {
        let a = content(lu2020());
        // The same content written in another key order and spacing.
        let text = r#"{ "options": {"method": "REML", "measure": "SMD"}, "trials": [{"row": {"n2i": "18", "m2i": "-0.8", "sd2i": "2.2", "n1i": "19", "sd1i": "2.1", "m1i": "-1.9"}, "citation": "Lu W et al. JAMA Netw Open 2020", "id": "lu2020"}],
                      "question": {"outcome": "pain NRS", "comparator": "usual care", "intervention": "acupuncture", "population": "CIPN"} }"#;
        let b: Content = serde_json::from_str(text).unwrap();
        assert_eq!(version_hash(&a), version_hash(&b));
        assert_eq!(version_hash(&a).len(), 64);
        // The canonical text as Python's json.dumps(v, sort_keys=True,
        // separators=(",", ":"), ensure_ascii=False) writes it (the same as
        // RFC 8785 for these plain strings), and its `sha256sum`.
        assert_eq!(
            canonical_json(&a),
            r#"{"options":{"measure":"SMD","method":"REML"},"question":{"comparator":"usual care","intervention":"acupuncture","outcome":"pain NRS","population":"CIPN"},"trials":[{"citation":"Lu W et al. JAMA Netw Open 2020","id":"lu2020","row":{"m1i":"-1.9","m2i":"-0.8","n1i":"19","n2i":"18","sd1i":"2.1","sd2i":"2.2"}}]}"#
        );
        assert_eq!(
            version_hash(&a),
            "f0f162d1ada1cc51db5ba98f501dd563602a12bbd30f6f4551a2ac3ff189fe06"
        );
        let mut v = lu2020();
        v["trials"][0]["row"]["n2i"] = "17".into();
        v["trials"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "ben2024", "citation": "example", "row": {"yi": "-0.4", "vi": "0.05"}}));
        let c = content(v);
        assert_ne!(version_hash(&a), version_hash(&c));
        assert_eq!(
            trial_changes(&a, &c),
            [
                TrialChange::Added { id: "ben2024".into() },
                TrialChange::Edited {
                    id: "lu2020".into(),
                    fields: vec![("n2i".into(), "18".into(), "17".into())]
                },
            ]
        );
        assert_eq!(trial_changes(&c, &a)[0], TrialChange::Removed { id: "ben2024".into() });
        assert!(trial_changes(&a, &b).is_empty());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = lu2020();
        v["trials"][0]["weight"] = 3.into();
        let e = serde_json::from_value::<Content>(v).unwrap_err().to_string();
        assert!(e.contains("unknown field `weight`"), "{e}");
    }
}

mod rm5 {
    use acumen_evidence::rm5::{read_rm5, Kind};

    fn read(name: &str) -> acumen_evidence::rm5::Review {
        let path = format!("{}/tests/evidence/rm5/{name}", env!("CARGO_MANIFEST_DIR"));
        read_rm5(&std::fs::read(&path).unwrap(), name).unwrap()
    }

    fn cells(r: &acumen_evidence::rm5::Row) -> Vec<(&str, &str)> {
        r.cells.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn a_dichotomous_outcome_becomes_the_engines_2x2_columns() {
        let r = read("dichotomous.rm5");
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        let o = &r.outcomes[0];
        assert_eq!(
            (o.comparison.as_str(), o.name.as_str()),
            ("Acupuncture versus sham", "Responders (30 % pain reduction)")
        );
        assert_eq!((o.kind, o.effect_measure.as_deref()), (Kind::Dichotomous, Some("RR")));
        assert_eq!(o.rows.len(), 2);
        assert_eq!(
            (o.rows[0].study.as_str(), o.rows[0].year.as_deref()),
            ("Lu 2020", Some("2020"))
        );
        assert_eq!(
            cells(&o.rows[0]),
            [("ai", "12"), ("ci", "5"), ("n1i", "19"), ("n2i", "18")]
        );
        assert_eq!(o.rows[1].study, "Bao 2020");
    }

    #[test]
    fn continuous_outcomes_keep_their_subgroups() {
        let r = read("continuous_subgroups.rm5");
        assert_eq!(r.outcomes.len(), 2);
        let o = &r.outcomes[0];
        assert_eq!((o.kind, o.name.as_str()), (Kind::Continuous, "Pain (NRS)"));
        let groups: Vec<_> = o
            .rows
            .iter()
            .map(|r| (r.study.as_str(), r.subgroup.as_deref()))
            .collect();
        assert_eq!(
            groups,
            [("Lu 2020", Some("Sham control")), ("Bao 2020", Some("Usual care"))]
        );
        assert_eq!(
            cells(&o.rows[0]),
            [
                ("m1i", "-1.9"),
                ("m2i", "-0.8"),
                ("n1i", "19"),
                ("n2i", "18"),
                ("sd1i", "2.1"),
                ("sd2i", "2.2")
            ]
        );
        // The dichotomous outcome after it has no subgroup.
        assert_eq!(
            (r.outcomes[1].kind, r.outcomes[1].rows[0].subgroup.as_deref()),
            (Kind::Dichotomous, None)
        );
    }

    #[test]
    fn footnotes_stay_with_their_row() {
        let r = read("footnotes.rm5");
        let rows = &r.outcomes[0].rows;
        assert_eq!(rows[0].footnotes, ["SDs imputed from the 95% CI"]);
        assert!(rows[1].footnotes.is_empty());
    }

    #[test]
    fn latin1_and_bare_characters_are_read_and_noted() {
        let r = read("latin1.rm5");
        assert_eq!(r.outcomes[0].rows[0].study, "Müller 2024");
        assert_eq!(r.outcomes[0].name, "Schmerzstärke");
        assert_eq!(r.notes, ["read as windows-1252 (the encoding the file declares)"]);
        // The same bytes without a declaration: not UTF-8, read as windows-1252.
        let path = format!("{}/tests/evidence/rm5/latin1.rm5", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(path).unwrap();
        let undeclared: Vec<u8> = String::from_utf8_lossy(&bytes[..60])
            .replace(" encoding=\"ISO-8859-1\"", "")
            .bytes()
            .chain(bytes[60..].iter().copied())
            .collect();
        let r = read_rm5(&undeclared, "x.rm5").unwrap();
        assert_eq!(r.outcomes[0].rows[0].study, "Müller 2024");
        assert_eq!(
            r.notes,
            ["not valid UTF-8 and no encoding declared: read as windows-1252 (Latin-1)"]
        );
        let r = read("unescaped.rm5");
        assert_eq!(r.outcomes[0].comparison, "Acupuncture & moxibustion versus sham");
        assert_eq!(r.outcomes[0].name, "Pain relief at < 3 months");
        assert_eq!(
            r.notes,
            ["1 bare '&' read as the character", "1 bare '<' read as the character"]
        );
    }

    #[test]
    fn bad_files_name_the_element() {
        let good = std::fs::read_to_string(format!(
            "{}/tests/evidence/rm5/dichotomous.rm5",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let e = read_rm5(good.replacen(" TOTAL_2=\"18\"", "", 1).as_bytes(), "a.rm5")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "a.rm5: DICH_DATA for study STD-Lu-2020 in outcome 'Responders (30 % pain reduction)': missing attribute TOTAL_2");
        let e = read_rm5(
            good.replacen("EVENTS_1=\"12\"", "EVENTS_1=\"twelve\"", 1).as_bytes(),
            "b.rm5",
        )
        .unwrap_err()
        .to_string();
        assert!(e.ends_with("EVENTS_1 = 'twelve' is not a number"), "{e}");
        let e = read_rm5(good.replacen("</DICH_OUTCOME>", "", 1).as_bytes(), "c.rm5")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.rm5: malformed XML in element"), "{e}");
        let e = read_rm5(b"<COCHRANE_REVIEW></COCHRANE_REVIEW>", "d.rm5")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "d.rm5: no DICH_DATA or CONT_DATA rows: the file holds no outcome data to import"
        );
    }
}

mod changelog {
    use acumen_evidence::changelog::{what_moved, Summary};
    use acumen_evidence::grade::Certainty;

    fn smd(k: usize, est: f64, pi: (f64, f64), i2: f64, c: Certainty) -> Summary {
        Summary {
            measure: "SMD".into(),
            k,
            estimate: est,
            ci: (est - 0.36, est + 0.36),
            pi: Some(pi),
            i2,
            null: 0.0,
            certainty: Some(c),
        }
    }

    #[test]
    fn the_card_says_what_moved() {
        let old = smd(8, -0.59, (-1.20, -0.05), 41.2, Certainty::Low);
        let new = smd(9, -0.52, (-1.30, 0.20), 58.0, Certainty::Low);
        assert_eq!(
            what_moved(&old, &new),
            "k 8 → 9; pooled SMD −0.59 → −0.52; PI now crosses 0; I² 41 % → 58 %; certainty unchanged: low"
        );
        // Back the other way, with the CI crossing too and the certainty moving.
        let mut wide = smd(9, -0.30, (-1.30, 0.70), 58.0, Certainty::VeryLow);
        wide.ci = (-0.70, 0.10);
        assert_eq!(
            what_moved(&old, &wide),
            "k 8 → 9; pooled SMD −0.59 → −0.30; CI now crosses 0; PI now crosses 0; I² 41 % → 58 %; certainty low → very low"
        );
        assert_eq!(
            what_moved(&new, &old),
            "k 9 → 8; pooled SMD −0.52 → −0.59; PI no longer crosses 0; I² 58 % → 41 %; certainty unchanged: low"
        );
        assert_eq!(what_moved(&old, &old), "certainty unchanged: low");
    }
}

mod sof {
    use acumen_evidence::grade::Certainty;
    use acumen_evidence::sof::{absolute, sof_csv, sof_html, SofRow};

    fn rows() -> Vec<SofRow> {
        vec![
            SofRow {
                outcome: "Pain (NRS 0–10) at 8 weeks".into(),
                measure: "SMD".into(),
                estimate: -0.59,
                ci: (-0.95, -0.23),
                control_risk: None,
                unit: None,
                n: Some(432),
                k: 8,
                certainty: Certainty::Low,
                reasons: vec![
                    "risk of bias: 40 % of the weight from trials at high risk".into(),
                    "imprecision: the CI includes both an important and a trivial effect".into(),
                ],
            },
            SofRow {
                outcome: "Responders (≥ 30 % less pain)".into(),
                measure: "RR".into(),
                estimate: 1.5,
                ci: (1.1, 2.0),
                control_risk: Some(0.3),
                unit: None,
                n: Some(210),
                k: 3,
                certainty: Certainty::Moderate,
                reasons: vec!["imprecision: 210 participants, fewer than the optimal information size".into()],
            },
            SofRow {
                outcome: "Pain & sleep <score>".into(),
                measure: "MD".into(),
                estimate: -1.2,
                ci: (-2.0, -0.4),
                control_risk: None,
                unit: Some("NRS points".into()),
                n: None,
                k: 2,
                certainty: Certainty::High,
                reasons: vec![],
            },
        ]
    }

    #[test]
    fn absolute_effects_by_hand() {
        let r = rows();
        // RR 1.5 (1.1 to 2.0) at a control risk of 300 per 1,000: 450, 330, 600.
        assert_eq!(
            absolute(&r[1]),
            "300 per 1,000 with control; 150 more per 1,000 (30 more to 300 more)"
        );
        let mut or = r[1].clone();
        or.measure = "OR".into();
        // OR 1.5: 0.3·1.5 / (0.7 + 0.45) = 0.3913 → 391, 91 more; OR 1.1: 0.33/1.03 = 0.3204 → 20 more;
        // OR 2: 0.6/1.3 = 0.4615 → 162 more.
        assert_eq!(
            absolute(&or),
            "300 per 1,000 with control; 91 more per 1,000 (20 more to 162 more)"
        );
        assert_eq!(
            absolute(&r[2]),
            "mean difference 1.20 lower (2.00 lower to 0.40 lower), in NRS points"
        );
    }

    #[test]
    fn the_sof_table_snapshot() {
        insta::assert_snapshot!(
            "sof_html",
            sof_html(
                "Summary of findings: an example with test data (not a finding)",
                &rows()
            )
        );
        insta::assert_snapshot!("sof_csv", sof_csv(&rows()));
    }
}
