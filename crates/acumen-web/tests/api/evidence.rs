//! The evidence page: every result carries its provenance (the footer) and
//! the metafor script that reproduces it, as a download link.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::helpers::*;
use crate::security::multipart;

/// The `href` of the page's script link, decoded.
fn script_of(html: &str) -> String {
    let start = html
        .find("data:text/plain;charset=utf-8;base64,")
        .expect("a script link")
        + 37;
    let end = start + html[start..].find('"').unwrap();
    String::from_utf8(BASE64.decode(&html[start..end]).unwrap()).unwrap()
}

/// Posts the evidence form; the status and the page.
async fn post_evidence(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    let (ct, body) = multipart(fields, file);
    let r = c
        .post(format!("{}/evidence", app.origin()))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_result_has_its_provenance_and_its_metafor_script() {
    let app = spawn().await;
    let doc = app.login("doc@north.test").await;
    let fields = [
        ("dataset", "bcg"),
        ("measure", "RR"),
        ("method", "REML"),
        ("fallback", "on"),
    ];
    let (status, html) = post_evidence(&app, &doc, &fields, None).await;
    assert_eq!(status, 200);
    // The footer: engine, estimator, the hash of the data as parsed.
    let table = acumen_meta::csv::parse_csv(include_bytes!("../../../../examples/bcg.csv"), "bcg.csv").unwrap();
    let hash = acumen_meta::provenance::data_sha256(&table);
    assert!(
        html.contains(&format!("data SHA-256 {} (13 rows)", &hash[..16])),
        "{html}"
    );
    assert!(
        html.contains("acumen-meta") && html.contains("(REML, 3 iterations)"),
        "{html}"
    );
    assert!(
        !html.contains("did not converge"),
        "REML converges on dat.bcg: no banner"
    );
    assert!(html.contains("download=\"acumen-bcg.R\""), "{html}");
    let script = script_of(&html);
    assert!(script.contains("library(metafor)"));
    assert!(script.contains("\\\"Ferguson & Simes\\\""), "the data are embedded");
    // metafor: rma(measure = "RR", ai, bi, ci, di, data = dat.bcg)$b = -0.7145323 (REML).
    assert!(script.contains("b = c(-0.71453234836"), "Acumen's numbers are embedded");
    assert!(script.contains("ALL MATCH"));

    // The same analysis uploaded as a CSV gives the same hash: it is the
    // table as parsed, whatever the quoting or line endings.
    let crlf = include_str!("../../../../examples/bcg.csv").replace('\n', "\r\n");
    let fields = [("measure", "RR"), ("method", "REML")];
    let (_, html) = post_evidence(&app, &doc, &fields, Some(("mine.csv", crlf.as_bytes()))).await;
    assert!(html.contains(&hash[..16]), "{html}");
    assert!(html.contains("download=\"acumen-mine.R\""));
}
