//! Point codes as practitioners write them.

use acumen_knowledge::aliases::{resolve, suggest, unknown_message};

#[test]
fn usual_aliases_are_read_as_the_who_code() {
    let cases = [
        ("LV3", "LR3"),
        ("Liv 3", "LR3"),
        ("liv.03", "LR3"),
        ("LR3", "LR3"),
        ("St36", "ST36"),
        ("st 36", "ST36"),
        ("Sp6", "SP6"),
        ("SP06", "SP6"),
        ("Ren12", "CV12"),
        ("Ren 12", "CV12"),
        ("Du20", "GV20"),
        ("SJ5", "TE5"),
        ("TB5", "TE5"),
        ("UB40", "BL40"),
        ("P6", "PC6"),
        ("ex le 10", "EX-LE10"),
        ("EX-LE-10", "EX-LE10"),
        ("EXLE10", "EX-LE10"),
        ("Bafeng", "EX-LE10"),
        ("Ba Feng", "EX-LE10"),
        ("Bāfēng", "EX-LE10"),
        ("shenmen", "HT7"),
        ("Er Shenmen", "EAR-SHENMEN"),
        ("point zero", "EAR-POINT-ZERO"),
        ("  li4 ", "LI4"),
    ];
    for (written, who) in cases {
        assert_eq!(resolve(written), Some(who), "{written}");
    }
}

#[test]
fn anything_else_is_refused_and_only_suggested() {
    for written in ["LV30", "LR99", "XX1", "", "hegu shu", "ST"] {
        assert_eq!(resolve(written), None, "{written}");
    }
    // LR33 is one edit from LR3 (and from LR13): the earlier point is named.
    assert_eq!(suggest("LR33"), Some("LR3"));
    assert_eq!(
        unknown_message("LR33"),
        "'LR33' is not a WHO point code; did you mean LR3?"
    );
    // Nothing near: no suggestion.
    assert_eq!(suggest("QWERTY77"), None);
    assert!(unknown_message("QWERTY77").contains("e.g. LI4"));
}
