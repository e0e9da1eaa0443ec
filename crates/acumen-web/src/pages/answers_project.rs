//! The "does it work" section's evidence project on the answers page: which
//! version it reads (bundled, or edited by this clinic with its hash and
//! what moved), why it shows the trials one condition and comparator at a
//! time, and the table of those groups.

use serde_json::Value;

use super::answers_page::{s, table, TableView};

/// A number with a true minus sign, two decimals.
fn n2(v: &Value) -> String {
    v.as_f64()
        .map(|x| format!("{x:.2}").replace('-', "−"))
        .unwrap_or_else(|| "—".into())
}

/// A script's download: (label, data: URL, file name).
pub type Script = (String, String, String);

/// The section's lines, its table of groups and each group's metafor
/// script (nothing without a block).
pub fn project_view(p: &Value) -> (Vec<String>, Option<TableView>, Vec<Script>) {
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;
    if !p.is_object() {
        return (Vec::new(), None, Vec::new());
    }
    let hash = s(&p["hash"]);
    let short = &hash[..hash.len().min(12)];
    let mut lines = Vec::new();
    if s(&p["source"]) == "edited by this clinic" {
        let c = &p["changelog"];
        lines.push(format!(
            "Trial evidence: edited by this clinic — version {short} (reviewed {}); against the bundled version {}: {} trial(s) added, {} removed, {} edited. Changelog: {}",
            s(&p["reviewed_at"]),
            &s(&c["against"])[..12.min(s(&c["against"]).len())],
            s(&c["added"]),
            s(&c["removed"]),
            s(&c["edited"]),
            s(&c["href"])
        ));
    } else {
        lines.push(format!(
            "Trial evidence: Acumen's bundled evidence project, version {short}."
        ));
    }
    lines.push(s(&p["why"]));
    let rows = p["groups"]
        .as_array()
        .map(|gs| {
            gs.iter()
                .flat_map(|g| {
                    let trials = g["trials"].as_array().cloned().unwrap_or_default();
                    let pooled = match &g["pooled"] {
                        Value::Null => s(&g["note"]),
                        x => format!(
                            "pooled {} ({} to {})",
                            n2(&x["estimate"]),
                            n2(&x["ci_lb"]),
                            n2(&x["ci_ub"])
                        ),
                    };
                    let moved = g["what_moved"]
                        .as_str()
                        .map(|m| format!("; since the bundled version: {m}"))
                        .unwrap_or_default();
                    let (cond, against, measure) = (s(&g["condition"]), s(&g["against"]), s(&g["measure"]));
                    trials
                        .into_iter()
                        .map(move |t| {
                            vec![
                                cond.clone(),
                                against.clone(),
                                s(&t["id"]),
                                format!(
                                    "{measure} {} ({} to {})",
                                    n2(&t["estimate"]),
                                    n2(&t["ci_lb"]),
                                    n2(&t["ci_ub"])
                                ),
                                format!("{pooled}{moved}"),
                                s(&t["citation"]),
                            ]
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default();
    let t = table(
        "Trials with full arm data, one condition and comparator at a time (negative favours acupuncture)",
        &["Condition", "Against", "Trial", "Effect (95% CI)", "Pooled?", "Source"],
        rows,
    );
    let scripts = p["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, g)| {
            let text = g["r_script"].as_str()?;
            Some((
                format!("{} against {}", s(&g["condition"]), s(&g["against"])),
                format!("data:text/plain;charset=utf-8;base64,{}", BASE64.encode(text)),
                format!("acumen-answers-group-{}.R", i + 1),
            ))
        })
        .collect();
    (lines, Some(t), scripts)
}
