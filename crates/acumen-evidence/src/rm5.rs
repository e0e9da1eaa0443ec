//! RevMan 5 `.rm5` import: the review's dichotomous and continuous
//! outcomes (`COMPARISON` → `DICH_OUTCOME`/`CONT_OUTCOME`, optionally
//! through `DICH_SUBGROUP`/`CONT_SUBGROUP`, → `DICH_DATA`/`CONT_DATA`),
//! each data row turned into the engine's columns (`ai,n1i,ci,n2i` or
//! `m1i,sd1i,n1i,m2i,sd2i,n2i`) with the study's name and year from
//! `STUDY`, and the text of any `FOOTNOTE` inside a row.
//!
//! Files in the wild are not always well-formed: the encoding named in the
//! XML declaration is honoured (Latin-1, windows-1252), a file that is not
//! valid UTF-8 without one is read as windows-1252, and a bare `&` or `<`
//! in text is read as the character; each repair is listed in
//! [`Review::notes`]. Anything else that is wrong is an error naming the
//! element (and the study and outcome where known).

use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The kind of outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Events and totals per arm.
    Dichotomous,
    /// Mean, SD and total per arm.
    Continuous,
}

/// One data row: a study in an outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The study's name as RevMan shows it (`NAME`, else its id).
    pub study: String,
    /// Its year, where given.
    pub year: Option<String>,
    /// The subgroup, where the outcome has subgroups.
    pub subgroup: Option<String>,
    /// The engine's columns and their cells.
    pub cells: BTreeMap<String, String>,
    /// The texts of the row's footnotes.
    pub footnotes: Vec<String>,
}

/// One outcome of one comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The comparison's name.
    pub comparison: String,
    /// The outcome's name.
    pub name: String,
    /// Dichotomous or continuous.
    pub kind: Kind,
    /// RevMan's effect measure (`RR`, `OR`, `MD`, `SMD`, ...), where given.
    pub effect_measure: Option<String>,
    /// Its rows, in file order.
    pub rows: Vec<Row>,
}

/// What a file holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Review {
    /// The outcomes, in file order.
    pub outcomes: Vec<Outcome>,
    /// Repairs made while reading (encoding, bare characters).
    pub notes: Vec<String>,
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct Rm5Error {
    /// The file's name.
    pub file: String,
    /// What is wrong and where.
    pub message: String,
}

/// The engine's column for each RevMan attribute.
const DICH: [(&str, &str); 4] = [
    ("EVENTS_1", "ai"),
    ("TOTAL_1", "n1i"),
    ("EVENTS_2", "ci"),
    ("TOTAL_2", "n2i"),
];
const CONT: [(&str, &str); 6] = [
    ("MEAN_1", "m1i"),
    ("SD_1", "sd1i"),
    ("TOTAL_1", "n1i"),
    ("MEAN_2", "m2i"),
    ("SD_2", "sd2i"),
    ("TOTAL_2", "n2i"),
];

/// The text in the encoding the declaration names, else UTF-8, else
/// windows-1252 (which reads every Latin-1 letter).
fn decode(bytes: &[u8], notes: &mut Vec<String>) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    let declared = head
        .find("encoding=")
        .and_then(|i| head[i + 9..].split(['"', '\'']).nth(1))
        .map(str::to_string);
    if let Some(label) = declared.filter(|l| l != "utf-8" && l != "utf8") {
        if let Some(enc) = encoding_rs::Encoding::for_label(label.as_bytes()) {
            let (text, _, _) = enc.decode(bytes);
            notes.push(format!("read as {} (the encoding the file declares)", enc.name()));
            return text.into_owned();
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            notes.push("not valid UTF-8 and no encoding declared: read as windows-1252 (Latin-1)".into());
            encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned()
        }
    }
}

/// Escapes a bare `&` (not starting an entity) and a bare `<` (not
/// starting a tag, comment or declaration).
fn repair(text: &str, notes: &mut Vec<String>) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut amps, mut lts) = (0, 0);
    for (i, ch) in text.char_indices() {
        match ch {
            '&' => {
                let rest = &text[i + 1..];
                let end = rest.find(';').filter(|&e| e > 0 && e <= 10);
                let ok = end.is_some_and(|e| {
                    let name = &rest[..e];
                    name.strip_prefix('#')
                        .map_or(name.chars().all(|c| c.is_ascii_alphanumeric()), |n| {
                            n.strip_prefix('x').map_or(n.chars().all(|c| c.is_ascii_digit()), |h| {
                                h.chars().all(|c| c.is_ascii_hexdigit())
                            })
                        })
                });
                if ok {
                    out.push('&');
                } else {
                    out.push_str("&amp;");
                    amps += 1;
                }
            }
            '<' => {
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                if next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?' | b'_') {
                    out.push('<');
                } else {
                    out.push_str("&lt;");
                    lts += 1;
                }
            }
            c => out.push(c),
        }
    }
    if amps > 0 {
        notes.push(format!("{amps} bare '&' read as the character"));
    }
    if lts > 0 {
        notes.push(format!("{lts} bare '<' read as the character"));
    }
    out
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// A data row being read.
struct Pending {
    row: Row,
    study_id: String,
}

/// Reads a `.rm5` file's outcomes.
pub fn read_rm5(bytes: &[u8], file: &str) -> Result<Review, Rm5Error> {
    let err = |message: String| Rm5Error {
        file: file.to_string(),
        message,
    };
    let mut review = Review::default();
    let text = decode(bytes, &mut review.notes);
    let text = repair(&text, &mut review.notes);
    let mut reader = Reader::from_str(&text);
    let mut path: Vec<String> = Vec::new();
    let mut studies: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    let (mut comparison, mut subgroup) = (String::new(), None::<String>);
    let mut pending: Option<Pending> = None;
    let mut text_buf = String::new();
    loop {
        let ev = reader.read_event().map_err(|e| {
            let at = path
                .last()
                .map_or("the document".to_string(), |p| format!("element {p}"));
            err(format!(
                "malformed XML in {at} near byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
            match name.as_str() {
                "STUDY" => {
                    if let Some(id) = attr(&e, "ID") {
                        let shown = attr(&e, "NAME").unwrap_or_else(|| id.clone());
                        studies.insert(id, (shown, attr(&e, "YEAR")));
                    }
                }
                "DICH_OUTCOME" | "CONT_OUTCOME" => {
                    review.outcomes.push(Outcome {
                        comparison: comparison.clone(),
                        name: String::new(),
                        kind: if name == "DICH_OUTCOME" {
                            Kind::Dichotomous
                        } else {
                            Kind::Continuous
                        },
                        effect_measure: attr(&e, "EFFECT_MEASURE"),
                        rows: Vec::new(),
                    });
                    subgroup = None;
                }
                "DICH_SUBGROUP" | "CONT_SUBGROUP" => subgroup = Some(String::new()),
                "DICH_DATA" | "CONT_DATA" => {
                    let outcome = review
                        .outcomes
                        .last()
                        .ok_or_else(|| err(format!("{name} outside an outcome")))?;
                    let study_id = attr(&e, "STUDY_ID").ok_or_else(|| {
                        err(format!(
                            "{name} in outcome '{}': missing attribute STUDY_ID",
                            outcome.name
                        ))
                    })?;
                    let cols: &[(&str, &str)] = if name == "DICH_DATA" { &DICH } else { &CONT };
                    let mut cells = BTreeMap::new();
                    for (a, col) in cols {
                        let v = attr(&e, a).ok_or_else(|| {
                            err(format!(
                                "{name} for study {study_id} in outcome '{}': missing attribute {a}",
                                outcome.name
                            ))
                        })?;
                        if v.trim().parse::<f64>().is_err() {
                            return Err(err(format!(
                                "{name} for study {study_id} in outcome '{}': {a} = '{v}' is not a number",
                                outcome.name
                            )));
                        }
                        cells.insert(col.to_string(), v.trim().to_string());
                    }
                    let p = Pending {
                        row: Row {
                            study: String::new(),
                            year: None,
                            subgroup: subgroup.clone(),
                            cells,
                            footnotes: Vec::new(),
                        },
                        study_id,
                    };
                    if empty {
                        finish(&mut review, p);
                    } else {
                        pending = Some(p);
                    }
                }
                "COMPARISON" => comparison = String::new(),
                _ => {}
            }
            if !empty {
                path.push(name);
                text_buf.clear();
            }
            continue;
        }
        match ev {
            Event::Text(t) => {
                let s = t
                    .unescape()
                    .map_err(|e| err(format!("element {}: {e}", path.last().map_or("?", String::as_str))))?;
                text_buf.push_str(&s);
            }
            Event::CData(t) => text_buf.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                let value = text_buf.trim().to_string();
                match (name.as_str(), parent) {
                    ("NAME", "COMPARISON") => comparison = value,
                    ("NAME", "DICH_OUTCOME" | "CONT_OUTCOME") => {
                        if let Some(o) = review.outcomes.last_mut() {
                            o.name = value;
                        }
                    }
                    ("NAME", "DICH_SUBGROUP" | "CONT_SUBGROUP") => subgroup = Some(value),
                    ("FOOTNOTE", _) if !value.is_empty() => {
                        if let Some(p) = pending.as_mut() {
                            p.row.footnotes.push(value);
                        }
                    }
                    ("DICH_DATA" | "CONT_DATA", _) => {
                        if let Some(p) = pending.take() {
                            finish(&mut review, p);
                        }
                    }
                    ("DICH_SUBGROUP" | "CONT_SUBGROUP", _) => subgroup = None,
                    _ => {}
                }
                text_buf.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Study names may come after the analyses: resolve them at the end.
    for o in &mut review.outcomes {
        for r in &mut o.rows {
            if let Some((name, year)) = studies.get(&r.study) {
                r.year = year.clone();
                r.study = name.clone();
            }
        }
    }
    if review.outcomes.iter().all(|o| o.rows.is_empty()) {
        return Err(err(
            "no DICH_DATA or CONT_DATA rows: the file holds no outcome data to import".into(),
        ));
    }
    Ok(review)
}

fn finish(review: &mut Review, p: Pending) {
    let mut row = p.row;
    row.study = p.study_id;
    if let Some(o) = review.outcomes.last_mut() {
        o.rows.push(row);
    }
}
