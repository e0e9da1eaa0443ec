//! The Summary-of-Findings table (HTML and CSV): per outcome the relative
//! effect with its CI, the absolute effect where it is computable (per
//! 1,000 from an assumed control risk for RR and OR; the mean difference
//! itself for MD), participants, trials and the GRADE certainty with the
//! reasons for each level down.

use crate::grade::Certainty;

/// One outcome's row.
#[derive(Debug, Clone, PartialEq)]
pub struct SofRow {
    /// The outcome (and its time point).
    pub outcome: String,
    /// The measure: RR, OR, MD or SMD.
    pub measure: String,
    /// Pooled estimate on the natural scale (ratios back-transformed).
    pub estimate: f64,
    /// Its confidence interval on the same scale.
    pub ci: (f64, f64),
    /// Assumed control-group risk (0–1) for ratio measures.
    pub control_risk: Option<f64>,
    /// The unit of an MD ("NRS points").
    pub unit: Option<String>,
    /// Participants.
    pub n: Option<u64>,
    /// Trials.
    pub k: usize,
    /// Certainty.
    pub certainty: Certainty,
    /// Why it went down, one reason per level.
    pub reasons: Vec<String>,
}

/// The intervention group's risk for a control risk and a ratio.
fn treated_risk(measure: &str, cr: f64, ratio: f64) -> f64 {
    match measure {
        "OR" => cr * ratio / (1.0 - cr + cr * ratio),
        _ => (cr * ratio).min(1.0),
    }
}

/// The absolute effect in words, or "not computable" with why.
pub fn absolute(row: &SofRow) -> String {
    match (row.measure.as_str(), row.control_risk, &row.unit) {
        ("RR" | "OR", Some(cr), _) => {
            let per = |r: f64| (r * 1000.0).round() as i64;
            let base = per(cr);
            let d = |ratio: f64| per(treated_risk(&row.measure, cr, ratio)) - base;
            let words = |x: i64| {
                if x < 0 {
                    format!("{} fewer", -x)
                } else {
                    format!("{x} more")
                }
            };
            format!(
                "{base} per 1,000 with control; {} per 1,000 ({} to {})",
                words(d(row.estimate)),
                words(d(row.ci.0)),
                words(d(row.ci.1))
            )
        }
        ("RR" | "OR", None, _) => "not computable: set the control group's risk".into(),
        ("MD", _, unit) => {
            let u = unit.as_deref().unwrap_or("units");
            let w = |x: f64| {
                if x < 0.0 {
                    format!("{:.2} lower", -x)
                } else {
                    format!("{x:.2} higher")
                }
            };
            format!(
                "mean difference {} ({} to {}), in {u}",
                w(row.estimate),
                w(row.ci.0),
                w(row.ci.1)
            )
        }
        _ => "in standard deviations (SMD): re-express with a typical SD to read it in points".into(),
    }
}

fn relative(row: &SofRow) -> String {
    format!(
        "{} {:.2} ({:.2} to {:.2})",
        row.measure, row.estimate, row.ci.0, row.ci.1
    )
    .replace('-', "−")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The table as HTML (a `<table>` with a caption; reasons as footnotes).
pub fn sof_html(title: &str, rows: &[SofRow]) -> String {
    let mut h = format!(
        "<table class=\"sof\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Outcome</th><th scope=\"col\">Relative effect (95% CI)</th><th scope=\"col\">Absolute effect</th><th scope=\"col\">Participants (trials)</th><th scope=\"col\">Certainty</th></tr></thead>\n<tbody>\n",
        escape(title)
    );
    let mut notes = Vec::new();
    for r in rows {
        let marks: Vec<String> = r
            .reasons
            .iter()
            .map(|why| {
                notes.push(why.clone());
                notes.len().to_string()
            })
            .collect();
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!("<sup>{}</sup>", marks.join(","))
        };
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{} ({})</td><td>{}{}</td></tr>\n",
            escape(&r.outcome),
            escape(&relative(r)),
            escape(&absolute(r)),
            r.n.map_or("—".to_string(), |n| n.to_string()),
            r.k,
            r.certainty.words(),
            marks
        ));
    }
    h.push_str("</tbody>\n</table>\n");
    if !notes.is_empty() {
        h.push_str("<ol class=\"sof-notes\">\n");
        for n in notes {
            h.push_str(&format!("<li>{}</li>\n", escape(&n)));
        }
        h.push_str("</ol>\n");
    }
    h
}

/// The table as CSV (one row per outcome; reasons joined by " | ").
pub fn sof_csv(rows: &[SofRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "outcome",
        "measure",
        "estimate",
        "ci_lb",
        "ci_ub",
        "absolute_effect",
        "participants",
        "trials",
        "certainty",
        "reasons",
    ];
    // Writing to a Vec cannot fail.
    w.write_record(header).expect("in memory");
    for r in rows {
        w.write_record([
            r.outcome.clone(),
            r.measure.clone(),
            r.estimate.to_string(),
            r.ci.0.to_string(),
            r.ci.1.to_string(),
            absolute(r),
            r.n.map_or(String::new(), |n| n.to_string()),
            r.k.to_string(),
            r.certainty.words().to_string(),
            r.reasons.join(" | "),
        ])
        .expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}
