//! Valid acupoint codes: the 361 WHO standard meridian points (LU1 ... CV24)
//! and the 48 WHO extra points (EX-HN1 ... EX-LE12).

/// Meridian codes and their number of points (WHO standard nomenclature).
pub const MERIDIANS: [(&str, u32); 14] = [
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

/// Extra-point groups and their number of points (WHO 2008).
pub const EXTRA: [(&str, u32); 5] = [("EX-HN", 15), ("EX-CA", 1), ("EX-B", 9), ("EX-UE", 11), ("EX-LE", 12)];

/// Ear points used in neuropathy protocols (no WHO meridian code).
pub const EAR: [&str; 2] = ["EAR-SHENMEN", "EAR-POINT-ZERO"];

fn split(code: &str) -> Option<(&str, u32)> {
    let pos = code.find(|c: char| c.is_ascii_digit())?;
    let (prefix, num) = code.split_at(pos);
    if num.starts_with('0') {
        return None;
    }
    Some((prefix, num.parse().ok()?))
}

/// Whether `code` (upper case, e.g. `LI4`, `EX-LE10`) is a valid point code.
pub fn is_valid_point(code: &str) -> bool {
    if EAR.contains(&code) {
        return true;
    }
    match split(code) {
        Some((prefix, n)) => MERIDIANS
            .iter()
            .chain(EXTRA.iter())
            .any(|(p, count)| *p == prefix && n >= 1 && n <= *count),
        None => false,
    }
}

/// Every valid code, meridian points first.
pub fn all_points() -> Vec<String> {
    MERIDIANS
        .iter()
        .chain(EXTRA.iter())
        .flat_map(|(p, n)| (1..=*n).map(move |i| format!("{p}{i}")))
        .chain(EAR.iter().map(|s| s.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_counts() {
        assert_eq!(MERIDIANS.iter().map(|m| m.1).sum::<u32>(), 361);
        assert_eq!(EXTRA.iter().map(|m| m.1).sum::<u32>(), 48);
        assert!(is_valid_point("LI4") && is_valid_point("CV24") && is_valid_point("EX-LE10"));
        assert!(!is_valid_point("LI21") && !is_valid_point("CV25") && !is_valid_point("LI04"));
        assert!(!is_valid_point("XX1") && !is_valid_point("") && !is_valid_point("li4"));
        assert_eq!(all_points().len(), 361 + 48 + 2);
    }
}
