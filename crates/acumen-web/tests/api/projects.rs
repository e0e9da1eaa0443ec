//! Evidence projects through the API on both backends: a researcher starts
//! from the bundled project, reads its analysis (metafor's numbers, from
//! acumen-evidence's fixtures), edits a trial into a new version and reads
//! the changelog; a stale save is refused; another clinic and an anonymous
//! visitor see nothing until an admin publishes; the import preview names
//! each faulty row; the forest plot comes as SVG and PNG.

use acumen_evidence::bundled::bundled;
use acumen_evidence::version::version_hash;
use serde_json::{json, Value};

use crate::helpers::*;

fn fixture(name: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!(
        "../../../acumen-evidence/tests/evidence/fixtures/project_fixtures.json"
    ))
    .unwrap();
    all[name].clone()
}

fn near(got: &Value, want: &Value) {
    let (g, w) = (got.as_f64().unwrap(), want.as_f64().unwrap());
    assert!((g - w).abs() <= 1e-7 * w.abs().max(1.0), "{g} vs metafor {w}");
}

on_both! {
    async fn a_project_lives_through_versions(app) {
        let res = app.login("res@north.test").await;
        let r = res.post(app.url("/projects")).json(&json!({"title": "Nerve pain", "from_bundled": true})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let p = body(r).await;
        let pid = p["id"].as_str().unwrap().to_string();
        let h1 = p["versions"][0]["hash"].as_str().unwrap().to_string();
        assert_eq!(h1, version_hash(bundled()));

        // The version's analysis is metafor's.
        let v = body(res.get(app.url(&format!("/versions/{h1}"))).send().await.unwrap()).await;
        let want = fixture("all");
        near(&v["analysis"]["fit"]["b"][0], &want["b"]);
        near(&v["analysis"]["fit"]["tau2"], &want["tau2"]);
        assert_eq!(v["forest"].as_array().unwrap().len(), 3);
        near(&v["forest"][0]["weight"], &want["weights"][0]);
        assert_eq!(v["rob"][0], json!({"trial": "Lu2020", "assessed": false}));
        assert_eq!(v["grade"]["unconfirmed"].as_array().unwrap().len(), 5);
        assert!(v["sof"]["html"].as_str().unwrap().contains("<table"));
        assert!(v["footer"].as_str().unwrap().contains("REML"));
        let subsets: Vec<&str> = v["sensitivity"].as_array().unwrap().iter().map(|s| s["subset"].as_str().unwrap()).collect();
        assert_eq!(subsets, ["comparator:sham", "comparator:waitlist", "comparator:drug", "without:Lu2020", "without:Rostock2013", "without:Ursini2011"]);
        let lo = body(res.get(app.url(&format!("/versions/{h1}?subset=without:Lu2020"))).send().await.unwrap()).await;
        near(&lo["analysis"]["fit"]["b"][0], &fixture("without_Lu2020")["b"]);
        let r = res.get(app.url(&format!("/versions/{h1}?subset=best_trials"))).send().await.unwrap();
        assert_eq!(r.status(), 422);

        // An edited trial is a new version; the changelog says what moved.
        let mut content = v["content"].clone();
        content["trials"][0]["row"]["n1i"] = json!("18");
        let r = res.post(app.url(&format!("/projects/{pid}/versions"))).json(&json!({"parent": h1, "content": content})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let h2 = body(r).await["hash"].as_str().unwrap().to_string();
        assert_ne!(h1, h2);
        let again = res.post(app.url(&format!("/projects/{pid}/versions"))).json(&json!({"parent": h1, "content": content})).send().await.unwrap();
        assert_eq!(again.status(), 200, "the same content is the same version");
        let card = body(res.get(app.url(&format!("/versions/{h2}/changelog?against={h1}"))).send().await.unwrap()).await;
        assert_eq!(card["what_moved"], "pooled SMD −0.02 → −0.01; certainty unchanged: very low");
        assert_eq!(card["trials"], json!([{"change": "edited", "id": "Lu2020", "fields": [["n1i", "20", "18"]]}]));
        let bundled_card = body(res.get(app.url(&format!("/versions/{h2}/changelog?against=bundled"))).send().await.unwrap()).await;
        assert_eq!(bundled_card["from"], h1);

        // A save made on the older version writes nothing.
        content["trials"][1]["row"]["n1i"] = json!("13");
        let r = res.post(app.url(&format!("/projects/{pid}/versions"))).json(&json!({"parent": h1, "content": content})).send().await.unwrap();
        assert_eq!(r.status(), 409);
        assert_eq!(body(r).await["error"], "version_outdated");
        // Nonsense is refused with the field named.
        let mut bad = content.clone();
        bad["trials"][0]["row"]["m1i"] = json!("abc");
        let r = res.post(app.url(&format!("/projects/{pid}/versions"))).json(&json!({"parent": h2, "content": bad})).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let e = body(r).await;
        assert_eq!(e["errors"][0]["field"], "content", "{e}");
        assert!(e["errors"][0]["rule"].as_str().unwrap().contains("m1i"), "{e}");
        let mut unknown = content.clone();
        unknown["trials"][0]["risk"] = json!("low");
        let r = res.post(app.url(&format!("/projects/{pid}/versions"))).json(&json!({"parent": h2, "content": unknown})).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(app.store.project_versions(app.store.project(&pid).await.unwrap().id).await.unwrap().len(), 2);

        // Another clinic and anonymous visitors: not found, until published.
        let south = app.login("doc@south.test").await;
        let anon = app.browser_client().build().unwrap();
        for c in [&south, &anon] {
            assert_eq!(c.get(app.url(&format!("/versions/{h2}"))).send().await.unwrap().status(), 404);
        }
        assert_eq!(south.get(app.url(&format!("/projects/{pid}"))).send().await.unwrap().status(), 404);
        assert_eq!(res.post(app.url(&format!("/versions/{h2}/publish"))).send().await.unwrap().status(), 403);
        let admin = app.login("admin@north.test").await;
        let r = admin.post(app.url(&format!("/versions/{h2}/publish"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let stamped = body(r).await;
        assert!(stamped["published_at"].is_string() && stamped["reviewed_at"].is_string());
        let public = anon.get(app.url(&format!("/versions/{h2}"))).send().await.unwrap();
        assert_eq!(public.status(), 200);

        // The forest plot with its risk-of-bias columns, and the SoF CSV.
        let svg = anon.get(app.url(&format!("/versions/{h2}/forest"))).send().await.unwrap().text().await.unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("rob-light"), "{svg}");
        let png = anon.get(app.url(&format!("/versions/{h2}/forest?format=png"))).send().await.unwrap().bytes().await.unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        let csv = anon.get(app.url(&format!("/versions/{h2}/sof.csv"))).send().await.unwrap().text().await.unwrap();
        assert!(csv.lines().count() == 2, "{csv}");
        let script = anon.get(app.url(&format!("/versions/{h2}/script.R"))).send().await.unwrap().text().await.unwrap();
        assert!(script.contains("library(metafor)"));
    }
}

#[tokio::test]
async fn the_import_preview_names_each_faulty_row_and_saves_nothing() {
    let app = spawn().await;
    let doc = app.login("doc@north.test").await;
    let csv = "study,citation,comparator,yi,vi\nA2020,A et al.,sham,-0.5,0.04\nB2021,B et al.,sham,-0.3,zero\n";
    let r = doc
        .post(app.url("/projects/import?name=trials.csv"))
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let p = body(r).await;
    assert_eq!(p["trials"].as_array().unwrap().len(), 1);
    assert_eq!(p["errors"][0]["row"], 2);
    assert_eq!(p["errors"][0]["field"], "vi");
    let r = doc
        .post(app.url("/projects/import?name=broken.rm5"))
        .body("<COCHRANE_REVIEW>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(app.store.projects(north_id(&app).await).await.unwrap().is_empty());
}

on_both! {
    async fn the_answers_page_shows_a_clinic_edit_only_once_reviewed(app) {
        let doc = app.login("doc@north.test").await;
        let anon = app.browser_client().build().unwrap();
        // Bundled: three groups of one trial each, none pooled.
        let a = body(doc.get(app.url("/answers")).send().await.unwrap()).await;
        let works = a["questions"].as_array().unwrap().iter().find(|q| q["id"] == "works").unwrap().clone();
        let p = &works["trial_evidence"]["project"];
        assert_eq!(p["source"], "bundled");
        assert_eq!(p["hash"], version_hash(bundled()));
        let groups = p["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 3);
        assert!(groups.iter().all(|g| g["k"] == 1 && g["pooled"].is_null() && g["note"] == "one trial: nothing to pool"));
        near(&groups[0]["trials"][0]["estimate"], &fixture("lu_alone")["b"]);
        near(&groups[0]["trials"][0]["ci_lb"], &fixture("lu_alone")["ci_lb"]);

        // The clinic adds a second waiting-list trial of chemotherapy neuropathy.
        let r = doc.post(app.url("/projects")).json(&json!({"title": "Our evidence", "from_bundled": true})).send().await.unwrap();
        let proj = body(r).await;
        let (pid, h1) = (proj["id"].as_str().unwrap().to_string(), proj["versions"][0]["hash"].as_str().unwrap().to_string());
        let mut content = serde_json::to_value(bundled()).unwrap();
        content["trials"].as_array_mut().unwrap().push(json!({"id": "Test2024", "citation": "A made-up trial for this test",
            "condition": "chemotherapy-induced peripheral neuropathy", "comparator": "waitlist",
            "row": {"m1i": "-1.5", "sd1i": "1.8", "n1i": "30", "m2i": "-0.2", "sd2i": "1.6", "n2i": "30"}}));
        let r = doc.post(app.url(&format!("/projects/{pid}/versions"))).json(&json!({"parent": h1, "content": content})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let h2 = body(r).await["hash"].as_str().unwrap().to_string();
        // Not reviewed yet: the page still reads the bundled project.
        let a = body(doc.get(app.url("/answers")).send().await.unwrap()).await;
        assert_eq!(a["questions"][0]["trial_evidence"]["project"]["source"], "bundled");
        let admin = app.login("admin@north.test").await;
        assert_eq!(admin.post(app.url(&format!("/versions/{h2}/review"))).send().await.unwrap().status(), 200);
        let a = body(doc.get(app.url("/answers")).send().await.unwrap()).await;
        let p = &a["questions"].as_array().unwrap().iter().find(|q| q["id"] == "works").unwrap()["trial_evidence"]["project"];
        assert_eq!(p["source"], "edited by this clinic");
        assert_eq!(p["hash"], h2);
        assert_eq!(p["changelog"]["added"], 1);
        assert_eq!(p["changelog"]["href"], format!("/api/v1/versions/{h2}/changelog?against=bundled"));
        let g = &p["groups"][0];
        assert_eq!(g["k"], 2);
        let want = fixture("lu_with_test2024");
        near(&g["pooled"]["estimate"], &want["b"]);
        near(&g["pooled"]["ci_lb"], &want["ci_lb"]);
        near(&g["pooled"]["ci_ub"], &want["ci_ub"]);
        // Low before and after: risk of bias serious (no trial assessed: all the
        // weight "some concerns"), imprecision serious (the CI, −1.20 to −0.39,
        // crosses −0.5; 100 participants < the OIS of 126), nothing else.
        assert_eq!(g["what_moved"], "k 1 → 2; pooled SMD −0.86 → −0.79; certainty unchanged: low");
        // The other groups did not move and stay unpooled.
        assert_eq!(p["groups"][1]["k"], 1);
        // The answers page (HTML) says so, with the hash.
        admin.put(app.url("/clinic/answers-visibility")).json(&json!({"public": true})).send().await.unwrap();
        let html = anon.get(format!("{}/answers?clinic=north-clinic", app.origin())).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(&format!("edited by this clinic — version {}", &h2[..12])), "{html}");
        assert!(html.contains("Test2024"));
    }
}
