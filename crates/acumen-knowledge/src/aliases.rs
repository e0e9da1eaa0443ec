//! Point codes as practitioners write them, read as WHO codes: `LV3`,
//! `Liv 3`, `Liv.03` are LR3; `St36` is ST36; `Ren12` is CV12; `Du20` is
//! GV20; `SJ5` and `TB5` are TE5; `UB40` is BL40; `ex le 10` and `Bafeng`
//! are EX-LE10. Anything else is not applied: [`resolve`] refuses it and
//! [`suggest`] names the nearest code for the message ("did you mean
//! LR3?"), which is never applied by itself.

use crate::points::{fold_pinyin, point, points};

/// The meridian prefixes practitioners use for the WHO ones (upper case,
/// without separators).
const PREFIXES: [(&str, &str); 33] = [
    ("LU", "LU"),
    ("LI", "LI"),
    ("ST", "ST"),
    ("SP", "SP"),
    ("HT", "HT"),
    ("HE", "HT"),
    ("SI", "SI"),
    ("BL", "BL"),
    ("UB", "BL"),
    ("KI", "KI"),
    ("KID", "KI"),
    ("PC", "PC"),
    ("P", "PC"),
    ("TE", "TE"),
    ("SJ", "TE"),
    ("TB", "TE"),
    ("TW", "TE"),
    ("GB", "GB"),
    ("LR", "LR"),
    ("LV", "LR"),
    ("LIV", "LR"),
    ("CV", "CV"),
    ("REN", "CV"),
    ("RN", "CV"),
    ("GV", "GV"),
    ("DU", "GV"),
    ("DM", "GV"),
    ("EXHN", "EX-HN"),
    ("EXCA", "EX-CA"),
    ("EXB", "EX-B"),
    ("EXUE", "EX-UE"),
    ("EXLE", "EX-LE"),
    ("EAR", "EAR"),
];

/// Upper case without spaces, dots, hyphens or underscores.
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '_'))
        .flat_map(char::to_uppercase)
        .collect()
}

/// The WHO code a written code stands for: the code itself, a usual alias
/// of its meridian (with or without spaces, dots or leading zeros), or the
/// point's pinyin name where it names one point. None otherwise.
pub fn resolve(written: &str) -> Option<&'static str> {
    let w = written.trim();
    if let Some(p) = point(&w.to_ascii_uppercase()) {
        return Some(p.code);
    }
    let c = compact(w);
    let split = c.find(|ch: char| ch.is_ascii_digit()).unwrap_or(c.len());
    let (prefix, digits) = c.split_at(split);
    if !digits.is_empty() && digits.chars().all(|ch| ch.is_ascii_digit()) {
        let number: u32 = digits.trim_start_matches('0').parse().unwrap_or(0);
        if let Some((_, who)) = PREFIXES.iter().find(|(a, _)| *a == prefix) {
            if let Some(p) = point(&format!("{who}{number}")) {
                return Some(p.code);
            }
        }
    }
    // A pinyin name ("Bafeng", "Tai chong"), where it names one point.
    let folded = fold_pinyin(w).replace(' ', "");
    if folded.len() >= 3 && digits.is_empty() {
        let mut hits = points()
            .iter()
            .filter(|p| fold_pinyin(p.pinyin).replace(' ', "") == folded);
        if let (Some(p), None) = (hits.next(), hits.next()) {
            return Some(p.code);
        }
    }
    // Point Zero by its English name (Shenmen alone is HT7's pinyin; the
    // ear point is "Er Shenmen").
    match c.as_str() {
        "POINTZERO" | "EARPOINTZERO" => point("EAR-POINT-ZERO").map(|p| p.code),
        _ => None,
    }
}

/// The nearest WHO code to a written code that [`resolve`] refuses, for a
/// "did you mean" hint: the fewest single-character edits between the
/// compact forms, at most two, ties going to the earlier point.
pub fn suggest(written: &str) -> Option<&'static str> {
    let c = compact(written);
    if c.is_empty() {
        return None;
    }
    points()
        .iter()
        .map(|p| (strsim::levenshtein(&c, &compact(p.code)), p.code))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, code)| code)
}

/// The message for a code that is not a point: names it and, where one is
/// near, the nearest code.
pub fn unknown_message(written: &str) -> String {
    match suggest(written) {
        Some(s) => format!("'{}' is not a WHO point code; did you mean {s}?", written.trim()),
        None => format!("'{}' is not a WHO point code (e.g. LI4, SP6, EX-LE10)", written.trim()),
    }
}
