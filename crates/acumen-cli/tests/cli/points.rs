//! `acumen points`: the foot points with their neuropathy-trial counts.

use std::process::Command;

fn acumen(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acumen")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn foot_points_with_trial_counts() {
    let (rc, out, _) = acumen(&["points", "--region", "foot"]);
    assert_eq!(rc, 0);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("38 points"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows.len(),
        38,
        "ST41-45, SP1-5, BL60-67, KI1-6, GB40-44, LR1-4, EX-LE8-12"
    );
    let row = |code: &str| rows.iter().find(|r| r[0] == code).unwrap().clone();
    // LR3: Garrow 2014, Bao 2020, Lu 2020, Rostock 2013, Korean EA protocol; plus a case series.
    assert_eq!(&row("LR3")[5..7], ["5", "6"]);
    // KI3: Garrow 2014, Lu 2020, Jiang 2006; plus the case series.
    assert_eq!(&row("KI3")[5..7], ["3", "4"]);
    // Bafeng: Bao 2020, ACUDIN; plus the case series.
    assert_eq!(&row("EX-LE10")[5..7], ["2", "3"]);
    assert_eq!(&row("BL67")[5..8], ["0", "0", "pregnancy_caution,foot"]);
    assert!(out.contains("38 points."));

    let (_, json, _) = acumen(&["points", "--region", "foot", "--sort", "trials", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["code"], "LR3");
    assert_eq!(v[0]["trial_use"]["study_ids"][0], "Bao2020");
}

#[test]
fn flags_and_bad_filters() {
    let (_, json, _) = acumen(&["points", "--flag", "pneumothorax", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // GB21 LU1-2 ST12-18 KI22-27 SP17-21 GB22-24 LR14 BL11-21 BL41-50 SI9-15 TE15 EX-B2 PC1 EX-B1 EX-B3
    assert_eq!(
        v.as_array().unwrap().len(),
        1 + 2 + 7 + 6 + 5 + 3 + 1 + 11 + 10 + 7 + 1 + 1 + 1 + 1 + 1
    );
    let (rc, _, err) = acumen(&["points", "--region", "knee"]);
    assert_eq!(rc, 2);
    assert!(err.contains("region: must be one of"), "{err}");
}
