//! The answers page as HTML (askama, `templates/answers.html`): a
//! self-contained document with inline CSS and SVG charts, served at
//! `/answers` and written by `acumen report`. The view model reads the
//! figures of `acumen_analytics::answers` and lays them out as sentences,
//! tables and charts.

use askama::Template;
use serde_json::Value;

use acumen_analytics::answers::{criterion_words, Answers};
use acumen_analytics::outcomes::Criterion;
use acumen_plot::{chart_svg, forest_svg, Block, Chart, Forest, Join, RefLine, StudyRow, Transf};

/// A table of text cells.
pub struct TableView {
    /// Caption.
    pub caption: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl TableView {
    /// The class of the table: `stack` (cards on a phone), `stack cards`
    /// (cards at every width: more than four columns beside another
    /// column) or `compact` (a table at every width: at most four columns
    /// whose every cell and header is a short word or number, which fits a
    /// phone as it is).
    pub fn class(&self, beside: bool) -> &'static str {
        let short = |c: &String| c.chars().count() <= 12 && !c.contains(' ');
        if self.headers.len() <= 4 && self.headers.iter().all(short) && self.rows.iter().flatten().all(short) {
            "compact"
        } else if beside && self.headers.len() > 4 {
            "stack cards"
        } else {
            "stack"
        }
    }

    /// A row's cells with their column headers (the labels of a stacked
    /// card on a phone), whether each is a number, and its text with the
    /// spaces inside a figure made non-breaking ("22 / 92", "95% CI",
    /// "50% to 61%"), so a figure wraps between its parts' groups only.
    pub fn labelled<'a>(&'a self, row: &'a [String]) -> Vec<(&'a str, String, bool)> {
        row.iter()
            .enumerate()
            .map(|(i, c)| {
                let numeric = c
                    .chars()
                    .next()
                    .is_some_and(|ch| ch.is_ascii_digit() || "−-+<>≤≥—".contains(ch))
                    && c.chars().count() <= 40;
                let text = c
                    .replace(" / ", "\u{a0}/\u{a0}")
                    .replace("95% CI", "95%\u{a0}CI")
                    .replace("% to ", "%\u{a0}to\u{a0}");
                (self.headers.get(i).map_or("", |h| h.as_str()), text, numeric)
            })
            .collect()
    }
}

/// One question as shown.
pub struct QuestionView {
    /// Anchor id.
    pub id: String,
    /// The question.
    pub question: String,
    /// The generated answer.
    pub answer: String,
    /// Trial evidence, as sentences.
    pub trial_lines: Vec<String>,
    /// Trial evidence tables.
    pub trial_tables: Vec<TableView>,
    /// The metafor scripts of the figures Acumen computed here: (label, data: URL, file name).
    pub scripts: Vec<(String, String, String)>,
    /// Clinic figures, as sentences.
    pub clinic_lines: Vec<String>,
    /// Clinic tables.
    pub clinic_tables: Vec<TableView>,
    /// Long tables shown full width, folded.
    pub wide_tables: Vec<TableView>,
    /// Inline SVG charts (generated here, so safe to embed).
    pub charts: Vec<String>,
    /// Sources: (id, citation, url).
    pub sources: Vec<(String, String, String)>,
}

/// The page.
#[derive(Template)]
#[template(path = "answers.html")]
pub struct AnswersPage {
    /// Clinic name.
    pub clinic: String,
    /// When computed.
    pub generated_at: String,
    /// Simulated data.
    pub simulated: bool,
    /// Not medical advice.
    pub disclaimer: String,
    /// See a doctor for these.
    pub warning_signs: Vec<String>,
    /// Definitions.
    pub definitions: Vec<String>,
    /// Small-number threshold.
    pub min_patients: usize,
    /// Questions.
    pub questions: Vec<QuestionView>,
    /// The signed-in user's menu (href, words); empty for the public page.
    pub nav: Vec<(String, String)>,
    /// The glossary: (term, anchor, explanation).
    pub glossary: Vec<(String, String, String)>,
    /// Follow-up completion per timepoint.
    pub completion: TableView,
}

pub(super) fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Null => "—".into(),
        Value::Number(n) => n.as_f64().map_or(n.to_string(), |f| {
            if f.fract() == 0.0 {
                format!("{f:.0}")
            } else {
                acumen_analytics::wording::num(f, 2)
            }
        }),
        other => other.to_string(),
    }
}

fn suppressed(v: &Value) -> bool {
    v.get("suppressed").and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn table(caption: &str, headers: &[&str], rows: Vec<Vec<String>>) -> TableView {
    TableView {
        caption: caption.into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

fn responders_table(caption: &str, v: &Value) -> Option<TableView> {
    let rows: Vec<Vec<String>> = v
        .as_array()?
        .iter()
        .map(|r| {
            let c: Option<Criterion> = serde_json::from_value(r["criterion"].clone()).ok();
            vec![
                c.map_or("?".into(), |c| criterion_words(c).to_string()),
                format!("{} of {}: {}", s(&r["itt"]["x"]), s(&r["itt"]["n"]), s(&r["itt_text"])),
                format!(
                    "{} of {}: {}",
                    s(&r["completers"]["x"]),
                    s(&r["completers"]["n"]),
                    s(&r["completers_text"])
                ),
            ]
        })
        .collect();
    Some(table(caption, &["Responder", "Intention to treat", "Completers"], rows))
}

fn published_line(label: &str, p: &Value) -> String {
    format!(
        "{label}: SMD {} (95% CI {} to {}), {} trials{}, p = {} [{}]",
        s(&p["estimate"]),
        s(&p["ci_low"]),
        s(&p["ci_high"]),
        s(&p["k_trials"]),
        p["n_participants"]
            .as_u64()
            .map_or(String::new(), |n| format!(", {n} participants")),
        p["p_value"].as_f64().map_or("—".into(), |v| format!("{v}")),
        s(&p["source"])
    )
}

/// The trials' pooled SMDs, and, in a separate chart on its own axis, the
/// clinic's uncontrolled before-after SMCRs: the two answer different
/// questions (a difference from a control group; a change without one) and
/// are never drawn on one axis.
fn forest(q: &Value) -> Vec<String> {
    let te = &q["trial_evidence"]["published_pooled"];
    let row = |label: &str, p: &Value| -> Option<StudyRow> {
        Some(StudyRow {
            label: label.into(),
            est: p["estimate"].as_f64()?,
            lb: p["ci_low"].as_f64()?,
            ub: p["ci_high"].as_f64()?,
            weight: None,
        })
    };
    let trials: Vec<StudyRow> = [
        ("All controls (8 RCTs)", &te["overall"]),
        ("vs sham (5 RCTs)", &te["vs_sham"]),
        ("vs conventional (2 RCTs)", &te["vs_conventional"]),
    ]
    .into_iter()
    .filter_map(|(l, p)| row(l, p))
    .collect();
    let mut cohort = Vec::new();
    if let Some(list) = q["clinic_figures"]["by_condition"].as_array() {
        for c in list {
            let f = &c["figures"];
            if let (Some(y), Some(v)) = (f["smcr"].as_f64(), f["smcr_var"].as_f64()) {
                let half = 1.959963984540054 * v.sqrt();
                cohort.push(StudyRow {
                    label: format!("{} (n = {})", s(&c["condition"]).replace('_', " "), s(&f["courses"])),
                    est: y,
                    lb: y - half,
                    ub: y + half,
                    weight: None,
                });
            }
        }
    }
    let mut out = Vec::new();
    if !trials.is_empty() {
        out.push(forest_svg(&Forest {
            blocks: vec![Block {
                title: Some("Randomised trials, pooled (Feng 2023)".into()),
                rows: trials,
                summary: None,
            }],
            overall: None,
            transf: Transf::None,
            favours: Some(("acupuncture".into(), "control".into())),
            xlab: "Standardized mean difference in pain, acupuncture minus control".into(),
            est_header: "SMD [95% CI]".into(),
            footer: vec!["Below 0: less pain with acupuncture than with the control treatment.".into()],
        }));
    }
    if !cohort.is_empty() {
        out.push(forest_svg(&Forest {
            blocks: vec![Block {
                title: Some("This clinic: change from the first to the last pain score".into()),
                rows: cohort,
                summary: None,
            }],
            overall: None,
            transf: Transf::None,
            favours: Some(("less pain".into(), "more pain".into())),
            xlab: "Standardized mean change (SMCR), no control group".into(),
            est_header: "SMCR [95% CI]".into(),
            footer: vec![
                "No control group: natural recovery, expectation and regression to the mean are in these numbers."
                    .into(),
                "Not comparable with the trials' chart and never pooled with them.".into(),
            ],
        }));
    }
    out
}

fn km_chart(q: &Value) -> Option<String> {
    let curve = q["clinic_figures"]["curve"].as_array()?;
    let mut points = vec![(0.0, 1.0)];
    let mut band = vec![(0.0, 1.0, 1.0)];
    for p in curve {
        let (t, sv) = (p[0].as_f64()?, p[1].as_f64()?);
        points.push((t, sv));
        band.push((t, p[2].as_f64().unwrap_or(sv), p[3].as_f64().unwrap_or(sv)));
    }
    Some(chart_svg(&Chart {
        title: "Share of courses without a 30% reduction, by session (Kaplan-Meier, 95% band)".into(),
        points,
        band,
        join: Join::Steps,
        marks: vec![],
        refs: vec![RefLine {
            y: 0.5,
            label: "median".into(),
            dashed: true,
        }],
        y_range: (0.0, 1.0),
        xlab: "Session".into(),
        ylab: "Share without response".into(),
        x_labels: vec![],
    }))
}

/// A table whose columns are (header, key) pairs read from an array of objects.
fn keyed(caption: &str, v: &Value, cols: &[(&str, &str)]) -> TableView {
    let headers: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let keys: Vec<&str> = cols.iter().map(|c| c.1).collect();
    table(caption, &headers, rows_of(v, &keys))
}

fn rows_of(v: &Value, keys: &[&str]) -> Vec<Vec<String>> {
    v.as_array()
        .map(|a| a.iter().map(|r| keys.iter().map(|k| s(&r[*k])).collect()).collect())
        .unwrap_or_default()
}

fn view(q: &Value) -> QuestionView {
    let te = &q["trial_evidence"];
    let cf = &q["clinic_figures"];
    let id = s(&q["id"]);
    let (mut tl, mut tt, mut cl, mut ct, mut charts, mut wide) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut scripts = vec![];
    if let Some(c) = te["certainty"].as_str() {
        tl.push(format!("What limits certainty: {c}"));
    }
    let hidden = suppressed(cf);
    if hidden {
        cl.push(format!(
            "{} (fewer than the minimum number of patients).",
            acumen_analytics::wording::NOT_ENOUGH
        ));
    }
    match id.as_str() {
        "works" => {
            let p = &te["published_pooled"];
            tl.insert(0, published_line("Acupuncture vs all controls", &p["overall"]));
            tl.insert(1, published_line("vs sham acupuncture", &p["vs_sham"]));
            tl.insert(2, published_line("vs conventional treatment", &p["vs_conventional"]));
            tl.push(format!("In NRS points: {}", s(&te["restated_in_nrs_points"]["text"])));
            if let Some(sd) = te["restated_in_nrs_points"]["sd_source"].as_str() {
                tl.push(format!("SD used: {} = {}", sd, s(&te["restated_in_nrs_points"]["sd"])));
            }
            let (lines, groups, rs) = super::answers_project::project_view(&te["project"]);
            tl.extend(lines);
            wide.extend(groups);
            scripts = rs;
            let note = s(&te["bundled_pool_note"]);
            if !note.is_empty() && note != "—" {
                tl.push(format!("Bundled trial-level data: {note}."));
            }
            wide.push(table(
                "Which trial rows may be pooled, and why not",
                &["Trial", "Row", "Outcome", "Included", "Reason", "Source"],
                te["bundled_trials"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|d| {
                                vec![
                                    s(&d["trial"]),
                                    s(&d["row"]),
                                    s(&d["outcome"]),
                                    if d["included"].as_bool() == Some(true) {
                                        "yes".into()
                                    } else {
                                        "no".into()
                                    },
                                    s(&d["reason"]),
                                    s(&d["source"]),
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            ));
            if !hidden {
                cl.push(format!(
                    "{} courses of {} patients analysed.",
                    s(&cf["courses"]),
                    s(&cf["patients"])
                ));
                cl.push(format!(
                    "Mean change at the end of course: {}.",
                    s(&cf["mean_change_text"])
                ));
                if let Some(t) = responders_table("Responders at the end of course", &cf["end_of_course"]) {
                    ct.push(t);
                }
                if let Some(t) = responders_table("Responders at session 6", &cf["session_6"]) {
                    ct.push(t);
                }
                let rows: Vec<Vec<String>> = cf["by_condition"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|c| {
                                let f = &c["figures"];
                                if suppressed(f) {
                                    vec![
                                        s(&c["condition"]).replace('_', " "),
                                        acumen_analytics::wording::NOT_ENOUGH.into(),
                                        String::new(),
                                        String::new(),
                                    ]
                                } else {
                                    vec![
                                        s(&c["condition"]).replace('_', " "),
                                        s(&f["responders_30_itt_text"]),
                                        s(&f["mean_change_text"]),
                                        s(&f["smcr"]),
                                    ]
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                ct.push(table(
                    "By condition (end of course; SMCR: uncontrolled cohort — not proof of effect)",
                    &["Condition", "≥ 30% lower (ITT)", "Mean change", "SMCR"],
                    rows,
                ));
            }
            charts.extend(forest(q));
        }
        "how_soon" | "how_many_sessions" => {
            if id == "how_soon" {
                tt.push(keyed(
                    "Trial regimens",
                    &te["regimens"],
                    &[
                        ("Trial", "trial"),
                        ("Sessions", "sessions"),
                        ("Schedule", "schedule"),
                        ("Source", "source"),
                    ],
                ));
            } else {
                tl.push(format!(
                    "Median course length in the trials: {} sessions (the regimens are listed under the previous question).",
                    s(&te["median_sessions"])
                ));
            }
            if !hidden {
                for (k, label) in [
                    ("median_sessions_text", "Median sessions to a 30% reduction"),
                    ("median_days_text", "Median days from session 1"),
                    (
                        "median_sessions_to_sustained_response_text",
                        "Median sessions to a sustained 30% reduction",
                    ),
                    (
                        "responded_by_session_6_text",
                        "Responded by session 6 (intention to treat)",
                    ),
                    (
                        "responded_by_session_12_text",
                        "Responded by session 12 (intention to treat)",
                    ),
                ] {
                    if cf[k].is_string() {
                        cl.push(format!("{label}: {}", s(&cf[k])));
                    }
                }
                if let Some(m) = cf["median_sessions_attended"].as_f64() {
                    cl.push(format!("Median sessions attended in courses that ended: {m}"));
                }
                if id == "how_soon" {
                    charts.extend(km_chart(q));
                }
            }
        }
        "feet" => {
            tt.push(keyed(
                "Trials in neuropathy of the feet",
                &te["trials"],
                &[
                    ("Trial", "trial"),
                    ("Condition", "condition"),
                    ("Control", "control"),
                    ("Outcome", "outcome"),
                    ("Result", "notes"),
                    ("Source", "source"),
                ],
            ));
            tt.push(keyed(
                "Foot points used in neuropathy trials",
                &te["foot_points_in_trials"],
                &[
                    ("Point", "code"),
                    ("Pinyin", "pinyin"),
                    ("Trials", "trials"),
                    ("Studies", "studies"),
                ],
            ));
            if !hidden {
                cl.push(format!(
                    "Pain at least 30% lower at the end of course (intention to treat): {}",
                    s(&cf["responders_30_itt_text"])
                ));
                ct.push(keyed(
                    "Foot points used in this clinic",
                    &cf["foot_points_used"],
                    &[
                        ("Point", "code"),
                        ("Pinyin", "pinyin"),
                        ("Sessions", "sessions"),
                        ("Patients", "patients"),
                        ("Trials", "trials"),
                    ],
                ));
            }
        }
        "points" => {
            tt.push(keyed(
                "Points most used in neuropathy trials",
                &te["most_used_in_trials"],
                &[
                    ("Point", "code"),
                    ("Pinyin", "pinyin"),
                    ("Trials", "trials"),
                    ("Studies", "studies"),
                ],
            ));
            if !hidden {
                ct.push(keyed(
                    "Points most used in this clinic",
                    &cf["most_used_points"],
                    &[
                        ("Point", "code"),
                        ("Pinyin", "pinyin"),
                        ("Sessions", "sessions"),
                        ("Patients", "patients"),
                        ("Trials", "trials"),
                    ],
                ));
            }
        }
        _ => {
            tt.push(keyed(
                "Published surveys, per patient",
                &te["per_patient_surveys"],
                &[
                    ("Study", "study"),
                    ("Patients", "patients"),
                    ("What was counted", "finding"),
                    ("Value", "value"),
                    ("Unit", "unit"),
                    ("Source", "source"),
                ],
            ));
            if !hidden {
                cl.push(format!(
                    "Courses with at least one adverse event: {}",
                    s(&cf["courses_with_event_text"])
                ));
                cl.push(format!("Events: {}", s(&cf["per_1000_sessions_text"])));
                cl.push(format!(
                    "{} events in {} sessions, {} serious.",
                    s(&cf["events"]),
                    s(&cf["sessions"]),
                    s(&cf["serious"])
                ));
                let rows = cf["by_type"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|b| {
                                vec![
                                    acumen_domain::words_of(&acumen_domain::AE_TYPE_WORDS, &s(&b["key"])).to_string(),
                                    s(&b["per_1000_sessions"]["events"]),
                                    s(&b["per_1000_sessions"]["estimate"]),
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                ct.push(table("Events by type", &["Type", "Events", "Per 1,000 sessions"], rows));
            }
        }
    }
    QuestionView {
        id,
        question: s(&q["question"]),
        answer: s(&q["answer_text"]),
        trial_lines: tl,
        trial_tables: tt,
        scripts,
        clinic_lines: cl,
        clinic_tables: ct,
        wide_tables: wide,
        charts,
        sources: q["sources"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| (s(&x["id"]), s(&x["citation"]), s(&x["url"])))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Follow-up completion as a table: timepoint, patients, recorded of those due.
fn completion_table(rows: &[Value]) -> TableView {
    TableView {
        caption: "Measures recorded, of those due, by timepoint".into(),
        headers: vec!["Timepoint".into(), "Patients".into(), "Recorded".into()],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    s(&r["label"]),
                    r.get("patients")
                        .and_then(Value::as_u64)
                        .map_or("fewer than 10".into(), |p| p.to_string()),
                    super::owner::figure(&r["completion"]),
                ]
            })
            .collect(),
    }
}

/// Renders the answers as a self-contained HTML document.
pub fn render(a: &Answers) -> Result<String, askama::Error> {
    render_with_nav(a, vec![])
}

/// Renders the answers with the signed-in user's menu (href, words) in the
/// header, so a page served to a user leads back.
pub fn render_with_nav(a: &Answers, nav: Vec<(String, String)>) -> Result<String, askama::Error> {
    let v = serde_json::to_value(a).unwrap_or(Value::Null);
    let questions = v["questions"]
        .as_array()
        .map(|q| q.iter().map(view).collect())
        .unwrap_or_default();
    AnswersPage {
        clinic: a.clinic.name.clone(),
        generated_at: a.generated_at.clone(),
        simulated: a.simulated,
        disclaimer: a.disclaimer.to_string(),
        warning_signs: a.warning_signs.iter().map(|s| s.to_string()).collect(),
        definitions: a.definitions.iter().map(|s| s.to_string()).collect(),
        min_patients: a.min_patients,
        questions,
        nav,
        completion: completion_table(&a.completion),
        glossary: super::glossary::TERMS
            .iter()
            .map(|(t, a, w)| (t.to_string(), a.to_string(), w.to_string()))
            .collect(),
    }
    .render()
    .map(|html| super::glossary::link_terms(&html))
}
