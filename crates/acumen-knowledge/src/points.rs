//! The acupoint table (`data/points.tsv`) and the point-level safety flags
//! (`data/safety_flags.tsv`), parsed once on first use.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

const POINTS_TSV: &str = include_str!("../data/points.tsv");
const FLAGS_TSV: &str = include_str!("../data/safety_flags.tsv");

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

/// Body regions of the point table (WHO 2008 location chapters; the upper
/// limb split into shoulder, arm and hand, the lower limb into leg and foot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Head and face.
    HeadFace,
    /// Neck, including the supraclavicular fossa.
    Neck,
    /// Shoulder.
    Shoulder,
    /// Chest wall.
    Chest,
    /// Abdomen.
    Abdomen,
    /// Upper (thoracic) back.
    UpperBack,
    /// Lower back and sacrum.
    LowerBack,
    /// Perineum and coccyx.
    Perineum,
    /// Arm and forearm.
    Arm,
    /// Hand and wrist.
    Hand,
    /// Hip, thigh and leg.
    Leg,
    /// Foot and ankle.
    Foot,
    /// Auricle.
    Ear,
}

impl Region {
    /// Every region, head to foot.
    pub const ALL: [Region; 13] = [
        Region::HeadFace,
        Region::Neck,
        Region::Shoulder,
        Region::Chest,
        Region::Abdomen,
        Region::UpperBack,
        Region::LowerBack,
        Region::Perineum,
        Region::Arm,
        Region::Hand,
        Region::Leg,
        Region::Foot,
        Region::Ear,
    ];

    /// The region's name as written in the table and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::HeadFace => "head_face",
            Region::Neck => "neck",
            Region::Shoulder => "shoulder",
            Region::Chest => "chest",
            Region::Abdomen => "abdomen",
            Region::UpperBack => "upper_back",
            Region::LowerBack => "lower_back",
            Region::Perineum => "perineum",
            Region::Arm => "arm",
            Region::Hand => "hand",
            Region::Leg => "leg",
            Region::Foot => "foot",
            Region::Ear => "ear",
        }
    }

    /// Parses a region name (`foot`, `upper_back`, ...).
    pub fn parse(s: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The limb a point lies on (for the lymphoedema rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limb {
    /// Upper limb.
    Arm,
    /// Lower limb.
    Leg,
}

/// Point-level safety flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Traditional caution in pregnancy.
    PregnancyCaution,
    /// Over the lung: chest wall, upper back, supraclavicular fossa, top of the shoulder.
    PneumothoraxRisk,
    /// On the foot (insensate-foot rules).
    Foot,
    /// On the hand (insensate-hand rules).
    Hand,
}

impl Flag {
    /// Every flag.
    pub const ALL: [Flag; 4] = [Flag::PregnancyCaution, Flag::PneumothoraxRisk, Flag::Foot, Flag::Hand];

    /// The flag's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::PregnancyCaution => "pregnancy_caution",
            Flag::PneumothoraxRisk => "pneumothorax_risk",
            Flag::Foot => "foot",
            Flag::Hand => "hand",
        }
    }

    /// Parses a flag name; the short forms `pregnancy` and `pneumothorax` are accepted.
    pub fn parse(s: &str) -> Option<Flag> {
        match s {
            "pregnancy" => Some(Flag::PregnancyCaution),
            "pneumothorax" => Some(Flag::PneumothoraxRisk),
            _ => Flag::ALL.into_iter().find(|f| f.as_str() == s),
        }
    }
}

/// One acupoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// WHO code (`LI4`, `EX-LE10`, `EAR-SHENMEN`).
    pub code: &'static str,
    /// Meridian (`LI`), extra-point group (`EX-LE`) or `EAR`.
    pub meridian: &'static str,
    /// Number on the meridian or in the group (0 for ear points).
    pub number: u32,
    /// Pinyin with tone marks.
    pub pinyin: &'static str,
    /// Chinese characters (simplified).
    pub hanzi: &'static str,
    /// Body region.
    pub region: Region,
    /// Limb, for points on a limb.
    pub limb: Option<Limb>,
    /// Pregnancy caution.
    pub pregnancy_caution: bool,
    /// Pneumothorax risk.
    pub pneumothorax_risk: bool,
}

impl Point {
    /// Whether the point carries `flag`.
    pub fn has(&self, flag: Flag) -> bool {
        match flag {
            Flag::PregnancyCaution => self.pregnancy_caution,
            Flag::PneumothoraxRisk => self.pneumothorax_risk,
            Flag::Foot => self.region == Region::Foot,
            Flag::Hand => self.region == Region::Hand,
        }
    }

    /// The flags the point carries.
    pub fn flags(&self) -> Vec<Flag> {
        Flag::ALL.into_iter().filter(|f| self.has(*f)).collect()
    }

    /// Whether the point lies on the midline (one point, no side).
    pub fn midline(&self) -> bool {
        matches!(self.meridian, "GV" | "CV")
            || matches!(self.code, "EX-HN3" | "EX-HN10" | "EX-HN11" | "EX-B8" | "EX-B9")
    }
}

/// Shoulder points that lie on the upper limb (the shoulder joint and the
/// posterior axillary fold); the other shoulder points are on the trunk.
const SHOULDER_ON_ARM: [&str; 4] = ["LI15", "TE14", "SI9", "SI10"];

/// The source of each flag list, as written in `safety_flags.tsv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagSource {
    /// The flag.
    pub flag: Flag,
    /// Its source.
    pub source: &'static str,
}

struct Table {
    points: Vec<Point>,
    index: HashMap<&'static str, usize>,
    sources: Vec<FlagSource>,
}

static TABLE: LazyLock<Table> =
    LazyLock::new(|| build().unwrap_or_else(|e| panic!("bundled point data is malformed: {e}")));

fn split_code(code: &str) -> Option<(&str, u32)> {
    let pos = code.find(|c: char| c.is_ascii_digit())?;
    let (prefix, num) = code.split_at(pos);
    if num.starts_with('0') || !num.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((prefix, num.parse().ok()?))
}

fn data_lines(text: &'static str) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').collect()))
}

/// Expands `CV2-CV7` into CV2 ... CV7 (a single code stays itself).
fn expand(token: &str) -> Result<Vec<String>, String> {
    let first_digit = token
        .find(|c: char| c.is_ascii_digit())
        .ok_or(format!("bad code {token}"))?;
    match token[first_digit..].find('-') {
        None => Ok(vec![token.to_string()]),
        Some(dash) => {
            let (a, b) = (&token[..first_digit + dash], &token[first_digit + dash + 1..]);
            let ((pa, na), (pb, nb)) = (
                split_code(a).ok_or(format!("bad range start {a}"))?,
                split_code(b).ok_or(format!("bad range end {b}"))?,
            );
            if pa != pb || na > nb {
                return Err(format!("bad range {token}"));
            }
            Ok((na..=nb).map(|n| format!("{pa}{n}")).collect())
        }
    }
}

fn build() -> Result<Table, String> {
    let mut points = Vec::new();
    for (line, f) in data_lines(POINTS_TSV) {
        let [code, pinyin, hanzi, region] = f[..] else {
            return Err(format!("points.tsv line {line}: expected 4 tab-separated fields"));
        };
        let region = Region::parse(region).ok_or(format!("points.tsv line {line}: unknown region {region}"))?;
        let (meridian, number) = if code.starts_with("EAR-") {
            ("EAR", 0)
        } else {
            split_code(code).ok_or(format!("points.tsv line {line}: bad code {code}"))?
        };
        let limb = match region {
            Region::Arm | Region::Hand => Some(Limb::Arm),
            Region::Leg | Region::Foot => Some(Limb::Leg),
            Region::Shoulder if SHOULDER_ON_ARM.contains(&code) => Some(Limb::Arm),
            _ => None,
        };
        points.push(Point {
            code,
            meridian,
            number,
            pinyin,
            hanzi,
            region,
            limb,
            pregnancy_caution: false,
            pneumothorax_risk: false,
        });
    }
    let index: HashMap<&'static str, usize> = points.iter().enumerate().map(|(i, p)| (p.code, i)).collect();
    if index.len() != points.len() {
        return Err("points.tsv: a code appears twice".into());
    }
    let mut sources = Vec::new();
    for (line, f) in data_lines(FLAGS_TSV) {
        let [name, codes, source] = f[..] else {
            return Err(format!("safety_flags.tsv line {line}: expected 3 tab-separated fields"));
        };
        let flag = Flag::parse(name).ok_or(format!("safety_flags.tsv line {line}: unknown flag {name}"))?;
        for token in codes.split_whitespace() {
            for code in expand(token)? {
                let i = *index
                    .get(code.as_str())
                    .ok_or(format!("safety_flags.tsv line {line}: unknown point {code}"))?;
                match flag {
                    Flag::PregnancyCaution => points[i].pregnancy_caution = true,
                    Flag::PneumothoraxRisk => points[i].pneumothorax_risk = true,
                    Flag::Foot | Flag::Hand => {
                        return Err(format!(
                            "safety_flags.tsv line {line}: foot and hand come from the region"
                        ))
                    }
                }
            }
        }
        sources.push(FlagSource { flag, source });
    }
    Ok(Table { points, index, sources })
}

/// Every point: meridian points in WHO order, then extra points, then ear points.
pub fn points() -> &'static [Point] {
    &TABLE.points
}

/// A point by its code (upper case, e.g. `LI4`).
pub fn point(code: &str) -> Option<&'static Point> {
    TABLE.index.get(code).map(|i| &TABLE.points[*i])
}

/// Whether `code` (upper case, e.g. `LI4`, `EX-LE10`) is a point code.
pub fn is_valid_point(code: &str) -> bool {
    TABLE.index.contains_key(code)
}

/// The source of each flag list.
pub fn flag_sources() -> &'static [FlagSource] {
    &TABLE.sources
}

/// Folds pinyin to plain lower-case ASCII letters ("Hégǔ" -> "hegu").
pub fn fold_pinyin(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let base = match c {
                'ā' | 'á' | 'ǎ' | 'à' | 'Ā' | 'Á' | 'Ǎ' | 'À' => 'a',
                'ē' | 'é' | 'ě' | 'è' | 'Ē' | 'É' | 'Ě' | 'È' => 'e',
                'ī' | 'í' | 'ǐ' | 'ì' | 'Ī' | 'Í' | 'Ǐ' | 'Ì' => 'i',
                'ō' | 'ó' | 'ǒ' | 'ò' | 'Ō' | 'Ó' | 'Ǒ' | 'Ò' => 'o',
                'ū' | 'ú' | 'ǔ' | 'ù' | 'Ū' | 'Ú' | 'Ǔ' | 'Ù' => 'u',
                'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'ü' => 'v',
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => return None,
            };
            Some(base)
        })
        .collect()
}

/// A search of the point table.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    /// Text matched against the code (prefix), the pinyin without tones
    /// (substring) and the characters.
    pub text: Option<&'a str>,
    /// Only this region.
    pub region: Option<Region>,
    /// Only points with this flag.
    pub flag: Option<Flag>,
}

/// The points matching `q`, in table order.
pub fn search(q: &Query) -> Vec<&'static Point> {
    let text = q.text.map(str::trim).filter(|t| !t.is_empty());
    let (upper, folded) = (
        text.map(|t| t.to_ascii_uppercase().replace(' ', "")),
        text.map(fold_pinyin),
    );
    points()
        .iter()
        .filter(|p| q.region.is_none_or(|r| p.region == r))
        .filter(|p| q.flag.is_none_or(|f| p.has(f)))
        .filter(|p| match (text, &upper, &folded) {
            (Some(t), Some(u), Some(f)) => {
                p.code.starts_with(u.as_str())
                    || (!f.is_empty() && fold_pinyin(p.pinyin).contains(f.as_str()))
                    || p.hanzi.contains(t)
            }
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_within_one_meridian() {
        assert_eq!(expand("CV2-CV4").unwrap(), ["CV2", "CV3", "CV4"]);
        assert_eq!(expand("EX-B2").unwrap(), ["EX-B2"]);
        assert!(expand("CV2-GV4").is_err());
        assert!(expand("CV7-CV2").is_err());
    }

    #[test]
    fn pinyin_folds_to_ascii() {
        assert_eq!(fold_pinyin("Hégǔ"), "hegu");
        assert_eq!(fold_pinyin("Fù'āi"), "fuai");
        assert_eq!(fold_pinyin("Zhōnglǚshù"), "zhonglvshu");
    }
}

/// A search filter that names no region or flag: the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// `region` or `flag`.
    pub field: &'static str,
    /// What is allowed.
    pub rule: String,
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

impl std::error::Error for FilterError {}

/// Parses the region and flag filters of a point search (empty = none);
/// every filter that names nothing known is reported.
pub fn filters(region: Option<&str>, flag: Option<&str>) -> Result<(Option<Region>, Option<Flag>), Vec<FilterError>> {
    let region = region.filter(|s| !s.is_empty());
    let flag = flag.filter(|s| !s.is_empty());
    let (r, f) = (region.and_then(Region::parse), flag.and_then(Flag::parse));
    let mut errors = Vec::new();
    if region.is_some() && r.is_none() {
        let all: Vec<&str> = Region::ALL.iter().map(|r| r.as_str()).collect();
        errors.push(FilterError {
            field: "region",
            rule: format!("must be one of {}", all.join(", ")),
        });
    }
    if flag.is_some() && f.is_none() {
        let all: Vec<&str> = Flag::ALL.iter().map(|f| f.as_str()).collect();
        errors.push(FilterError {
            field: "flag",
            rule: format!("must be one of {}", all.join(", ")),
        });
    }
    if errors.is_empty() {
        Ok((r, f))
    } else {
        Err(errors)
    }
}
