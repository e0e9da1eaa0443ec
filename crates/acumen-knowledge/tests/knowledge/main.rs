//! The knowledge base: WHO counts, the safety flag lists as the issue and
//! the sources state them, and the trial counts.

mod aliases;

use acumen_knowledge::points::{search, Query, MERIDIANS};
use acumen_knowledge::trials::usage;
use acumen_knowledge::{point, points, Flag, Limb, Region};

/// Expands a written list like "CV2-CV7 LI4" (test-side copy of the rule,
/// written independently of the crate's parser).
fn list(spec: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tok in spec.split_whitespace() {
        if let Some((a, b)) = tok.split_once('-').filter(|(a, _)| !a.starts_with("EX")) {
            let d = a.find(|c: char| c.is_ascii_digit()).unwrap();
            let (p, n) = a.split_at(d);
            let m: u32 = b[d..].parse().unwrap();
            for i in n.parse::<u32>().unwrap()..=m {
                out.push(format!("{p}{i}"));
            }
        } else {
            out.push(tok.to_string());
        }
    }
    out
}

fn flagged(flag: Flag) -> Vec<String> {
    let mut v: Vec<String> = points()
        .iter()
        .filter(|p| p.has(flag))
        .map(|p| p.code.to_string())
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn meridian_counts_are_the_who_numbers() {
    let expected = [
        ("LU", 11),
        ("LI", 20),
        ("ST", 45),
        ("SP", 21),
        ("HT", 9),
        ("SI", 19),
        ("BL", 67),
        ("KI", 27),
        ("PC", 9),
        ("TE", 23),
        ("GB", 44),
        ("LR", 14),
        ("GV", 28),
        ("CV", 24),
    ];
    for (m, n) in expected {
        let got: Vec<u32> = points().iter().filter(|p| p.meridian == m).map(|p| p.number).collect();
        assert_eq!(got, (1..=n).collect::<Vec<_>>(), "{m}: numbered 1..{n} in order");
    }
    let meridian_points = points()
        .iter()
        .filter(|p| MERIDIANS.iter().any(|(m, _)| *m == p.meridian))
        .count();
    assert_eq!(meridian_points, 361);
    let extra = points().iter().filter(|p| p.meridian.starts_with("EX-")).count();
    assert_eq!(extra, 48, "WHO 2008 extra points");
    assert_eq!(points().len(), 361 + 48 + 2);
    for p in points() {
        assert!(!p.pinyin.is_empty() && !p.hanzi.is_empty(), "{}", p.code);
        assert!(
            p.hanzi.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}: {}",
            p.code,
            p.hanzi
        );
    }
}

#[test]
fn names_of_points_used_in_neuropathy_care() {
    for (code, pinyin, hanzi) in [
        ("LI4", "Hégǔ", "合谷"),
        ("ST36", "Zúsānlǐ", "足三里"),
        ("SP6", "Sānyīnjiāo", "三阴交"),
        ("LR3", "Tàichōng", "太冲"),
        ("KI3", "Tàixī", "太溪"),
        ("GB34", "Yánglíngquán", "阳陵泉"),
        ("EX-LE10", "Bāfēng", "八风"),
        ("EX-LE12", "Qìduān", "气端"),
        ("EX-UE9", "Bāxié", "八邪"),
        ("EX-B2", "Jiájǐ", "夹脊"),
        ("EX-HN3", "Yìntáng", "印堂"),
    ] {
        let p = point(code).unwrap();
        assert_eq!((p.pinyin, p.hanzi), (pinyin, hanzi), "{code}");
    }
    assert!(point("EAR-SHENMEN").is_some() && point("EAR-POINT-ZERO").is_some());
    assert!(point("LI21").is_none() && point("CV25").is_none() && point("li4").is_none());
}

#[test]
fn pregnancy_caution_list() {
    let want = list("LI4 SP6 BL60 BL67 GB21 CV2-CV7 ST25-ST30 KI11-KI15 BL23-BL34 EX-CA1");
    assert_eq!(flagged(Flag::PregnancyCaution), sorted(want));
    assert!(!point("ST36").unwrap().pregnancy_caution);
}

#[test]
fn pneumothorax_risk_list() {
    let want = list(
        "GB21 LU1-LU2 ST12-ST18 KI22-KI27 SP17-SP21 GB22-GB24 LR14 BL11-BL21 BL41-BL50 SI9-SI15 TE15 EX-B2 PC1 EX-B1 EX-B3",
    );
    assert_eq!(flagged(Flag::PneumothoraxRisk), sorted(want));
    assert!(!point("BL23").unwrap().pneumothorax_risk, "lumbar level");
}

#[test]
fn foot_and_hand_points() {
    let foot = list("ST41-ST45 SP1-SP5 BL60-BL67 KI1-KI6 GB40-GB44 LR1-LR4 EX-LE10 EX-LE12 EX-LE8 EX-LE9 EX-LE11");
    assert_eq!(flagged(Flag::Foot), sorted(foot));
    let hand = list(
        "LU9-LU11 LI1-LI5 HT7-HT9 SI1-SI5 PC7-PC9 TE1-TE4 EX-UE9 EX-UE3 EX-UE4 EX-UE5 EX-UE6 EX-UE7 EX-UE8 EX-UE10 EX-UE11",
    );
    assert_eq!(flagged(Flag::Hand), sorted(hand));
}

#[test]
fn limbs() {
    assert_eq!(point("LI4").unwrap().limb, Some(Limb::Arm));
    assert_eq!(point("LI11").unwrap().limb, Some(Limb::Arm));
    assert_eq!(point("LI15").unwrap().limb, Some(Limb::Arm), "shoulder joint");
    assert_eq!(point("GB21").unwrap().limb, None, "top of the shoulder is trunk");
    assert_eq!(point("ST36").unwrap().limb, Some(Limb::Leg));
    assert_eq!(point("KI1").unwrap().limb, Some(Limb::Leg));
    assert_eq!(point("CV4").unwrap().limb, None);
    assert_eq!(point("HT1").unwrap().limb, Some(Limb::Arm), "axilla");
    for p in points() {
        let on_limb = matches!(p.region, Region::Arm | Region::Hand | Region::Leg | Region::Foot);
        if on_limb {
            assert!(p.limb.is_some(), "{}", p.code);
        }
    }
}

#[test]
fn search_by_code_pinyin_region_and_flag() {
    let codes = |q: Query| search(&q).iter().map(|p| p.code).collect::<Vec<_>>();
    assert_eq!(
        codes(Query {
            text: Some("hegu"),
            ..Default::default()
        }),
        ["LI4"]
    );
    assert_eq!(
        codes(Query {
            text: Some("合谷"),
            ..Default::default()
        }),
        ["LI4"]
    );
    assert!(codes(Query {
        text: Some("li1"),
        ..Default::default()
    })
    .starts_with(&["LI1", "LI10"]));
    let foot = codes(Query {
        region: Some(Region::Foot),
        ..Default::default()
    });
    assert_eq!(foot.len(), 5 + 5 + 8 + 6 + 5 + 4 + 5);
    let preg_feet = codes(Query {
        region: Some(Region::Foot),
        flag: Some(Flag::PregnancyCaution),
        text: None,
    });
    assert_eq!(preg_feet, ["BL60", "BL67"]);
}

#[test]
fn trial_counts() {
    // LR3: Garrow 2014, Bao 2020, Lu 2020, Rostock 2013, Korean EA protocol
    // (controlled) and the Med Acupunct 2017 case series.
    let u = usage("LR3", None);
    assert_eq!((u.trials, u.studies), (5, 6));
    // Bafeng: Bao 2020, ACUDIN (trials) and the case series.
    let u = usage("EX-LE10", None);
    assert_eq!((u.trials, u.studies), (2, 3));
    assert_eq!(usage("EX-LE10", Some("diabetic_polyneuropathy")).study_ids, ["ACUDIN"]);
    assert_eq!(usage("KI1", None).trials, 0);
    for r in acumen_knowledge::trials::trial_points() {
        assert!(point(r.point).is_some(), "{} in {}", r.point, r.trial_id);
        assert!(
            acumen_knowledge::conditions::condition(r.condition).is_some(),
            "{}",
            r.condition
        );
    }
}
