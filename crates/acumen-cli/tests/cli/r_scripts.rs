//! `acumen meta --r-script`: for every metafor reference case of
//! `fixtures/metafor_cases.json` (and the fallback chain), the script
//! written is run with R's metafor, in one R process, and must print
//! ALL MATCH. Needs R with metafor (`.ci/run` installs Debian's
//! r-cran-metafor and sets ACUMEN_TEST_R=1); listed as ignored elsewhere.

use std::path::{Path, PathBuf};

use crate::helpers::{parse_args, root};

/// The fixture cases' arguments, with the CSV's path made absolute.
fn fixture_cases() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(root().join("fixtures/metafor_cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut args: Vec<String> = c["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            args[0] = root().join("fixtures").join(&args[0]).display().to_string();
            (c["name"].as_str().unwrap().to_string(), args)
        })
        .collect()
}

/// Writes each case's script into `dir`; returns the script paths.
fn write_scripts(dir: &Path, cases: &[(String, Vec<String>)]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    cases
        .iter()
        .map(|(name, args)| {
            let path = dir.join(format!("{name}.R"));
            let mut a = parse_args(args);
            a.r_script = Some(path.clone());
            acumen_cli::meta::run::run(&a).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            path
        })
        .collect()
}

/// Sources every script in one R process; returns (name, ok, output) per script.
fn run_in_r(dir: &Path, scripts: &[PathBuf]) -> Vec<(String, bool, String)> {
    let driver = dir.join("driver.R");
    let list: Vec<String> = scripts
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    std::fs::write(
        &driver,
        format!(
            "for (f in c({})) {{\n  ok <- FALSE\n  out <- capture.output(ok <- tryCatch({{ e <- new.env(); sys.source(f, envir = e); isTRUE(e$acumen_all_match) }}, error = function(err) {{ cat(\"ERROR:\", conditionMessage(err), \"\\n\"); FALSE }}))\n  cat(\"@@\", basename(f), if (ok) \"OK\" else \"FAIL\", \"\\n\")\n  cat(out, sep = \"\\n\")\n}}\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let out = std::process::Command::new("Rscript")
        .arg(&driver)
        .output()
        .expect("Rscript runs (R with metafor is installed)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "R failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut results = Vec::new();
    let mut current: Option<(String, bool, String)> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("@@ ") {
            if let Some(c) = current.take() {
                results.push(c);
            }
            let mut parts = rest.split_whitespace();
            let name = parts.next().unwrap_or("").trim_end_matches(".R").to_string();
            current = Some((name, parts.next() == Some("OK"), String::new()));
        } else if let Some(c) = current.as_mut() {
            c.2.push_str(line);
            c.2.push('\n');
        }
    }
    results.extend(current);
    results
}

#[test]
#[cfg_attr(
    not(r_tests),
    ignore = "needs R with metafor: set ACUMEN_TEST_R=1 when building and running (.ci/run installs r-cran-metafor)"
)]
fn every_reference_case_matches_metafor_through_its_r_script() {
    let mut cases = fixture_cases();
    assert!(cases.len() >= 186, "the 186 reference cases");
    // The fallback chain: on dat.bcg with a limit of 2 iterations REML and
    // REML with half steps stop, PM's root search stops (metafor stops or
    // warns for each), DL is shown. With a limit of 3 REML converges, and
    // trim-and-fill refits with metafor's default limit (it passes no control).
    let bcg = root().join("fixtures/data/bcg_yivi.csv").display().to_string();
    cases.push((
        "fallback_REML_maxiter2".into(),
        vec![
            bcg.clone(),
            "--maxiter".into(),
            "2".into(),
            "--fallback".into(),
            "--all".into(),
        ],
    ));
    cases.push((
        "REML_maxiter3_trimfill".into(),
        vec![bcg, "--maxiter".into(), "3".into(), "--all".into()],
    ));
    let dir = std::env::temp_dir().join(format!("acumen-rscripts-{}", std::process::id()));
    let scripts = write_scripts(&dir, &cases);
    let results = run_in_r(&dir, &scripts);
    assert_eq!(results.len(), cases.len(), "one result per script");
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.1)
        .map(|(name, _, out)| {
            let bad: Vec<&str> = out.lines().filter(|l| !l.contains(" match")).take(8).collect();
            format!("{name}:\n{}", bad.join("\n"))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} scripts do not match:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
    let fallback = &results[results.len() - 2];
    assert_eq!(fallback.0, "fallback_REML_maxiter2");
    for attempt in ["REML, stepadj = 1 ", "REML, stepadj = 0.5 ", "PM, stepadj = 1 "] {
        assert!(fallback.2.contains(attempt), "{attempt}: {}", fallback.2);
    }
    assert_eq!(fallback.2.matches("metafor stops too").count(), 3, "{}", fallback.2);
    std::fs::remove_dir_all(&dir).ok();
}
