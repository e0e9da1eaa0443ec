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
        // Ids that are not ids at all are not found (never a database error).
        for bad in ["%00", "not-a-project", "ZZ"] {
            assert_eq!(res.get(app.url(&format!("/projects/{bad}"))).send().await.unwrap().status(), 404);
            assert_eq!(res.get(app.url(&format!("/versions/{bad}"))).send().await.unwrap().status(), 404);
        }
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
        // Each group's figure comes with its metafor script.
        assert!(g["r_script"].as_str().unwrap().contains("library(metafor)"));
        assert_eq!(html.matches("download=\"acumen-answers-group-").count(), 3, "{html}");
    }
}

/// Posts a project form with the browser's Origin; the status and the page.
async fn post_form(app: &TestApp, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = c
        .post(page(app, path))
        .header("Origin", app.origin())
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_project_pages_save_each_edit_as_a_version_and_refuse_nonsense_in_words() {
    let app = spawn().await;
    let doc = browser(&app, "doc@north.test").await;
    let (status, _) = post_form(
        &app,
        &doc,
        "/projects",
        &[("title", "Nerve pain"), ("from_bundled", "on")],
    )
    .await;
    assert_eq!(status, 303);
    let p = app.store.projects(north_id(&app).await).await.unwrap().remove(0);
    let path = format!("/projects/{}", p.public_id);
    let h1 = app.store.project_versions(p.id).await.unwrap()[0].hash.clone();
    let html = doc.get(page(&app, &path)).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("rob-light") && html.contains("Lu2020") && html.contains("GRADE: certainty"),
        "{html}"
    );
    assert!(html.contains("Download the R script"));

    // A trial with text in a number field: refused, what was typed kept.
    let edit = format!("{path}/edit");
    let trial = |sd: &'static str| {
        vec![
            ("parent", h1.as_str()),
            ("action", "add_trial"),
            ("trial_id", "Test2024"),
            ("citation", "A made-up trial"),
            ("condition", "chemotherapy-induced peripheral neuropathy"),
            ("comparator", "waitlist"),
            ("m1i", "-1.5"),
            ("sd1i", sd),
            ("n1i", "30"),
            ("m2i", "-0.2"),
            ("sd2i", "1.6"),
            ("n2i", "30"),
        ]
    };
    let (status, html) = post_form(&app, &doc, &edit, &trial("one point eight")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Not saved: sd1i: &#39;one point eight&#39; is not a number")
            || html.contains("Not saved: sd1i: 'one point eight' is not a number"),
        "{html}"
    );
    assert!(html.contains("value=\"A made-up trial\"") || html.contains(">A made-up trial</textarea>"));
    assert_eq!(app.store.project_versions(p.id).await.unwrap().len(), 1);
    let (status, _) = post_form(&app, &doc, &edit, &trial("1.8")).await;
    assert_eq!(status, 303);
    let h2 = app.store.project_versions(p.id).await.unwrap()[1].hash.clone();
    // The same form sent twice (a double click) is the same version.
    assert_eq!(post_form(&app, &doc, &edit, &trial("1.8")).await.0, 303);
    assert_eq!(app.store.project_versions(p.id).await.unwrap().len(), 2);
    // Another edit made on the older version (a second tab): refused, nothing saved.
    let (status, html) = post_form(&app, &doc, &edit, &trial("1.9")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Not saved: the project was saved meanwhile"), "{html}");
    assert_eq!(app.store.project_versions(p.id).await.unwrap().len(), 2);

    // Risk of bias: high in D2 makes the suggested overall high.
    let mut rob = vec![
        ("parent", h2.as_str()),
        ("action", "rob"),
        ("trial_id", "Lu2020"),
        ("overall", "suggested"),
    ];
    rob.extend([
        ("d1", "low"),
        ("d2", "high"),
        ("d3", "low"),
        ("d4", "some_concerns"),
        ("d5", "low"),
    ]);
    rob.push(("d2_support", "open-label, participants knew their arm"));
    assert_eq!(post_form(&app, &doc, &edit, &rob).await.0, 303);
    let vs = app.store.project_versions(p.id).await.unwrap();
    let c: acumen_evidence::version::Content = serde_json::from_str(&vs[2].content).unwrap();
    assert_eq!(
        c.trials[0].rob.as_ref().unwrap().overall,
        acumen_evidence::rob::Level::High
    );
    let h3 = vs[2].hash.clone();
    // An override of a GRADE suggestion without a reason is refused.
    let grade = [
        ("parent", h3.as_str()),
        ("action", "grade"),
        ("domain", "publication_bias"),
        ("concern", "serious"),
        ("reason", ""),
    ];
    let (status, html) = post_form(&app, &doc, &edit, &grade).await;
    assert_eq!(status, 200);
    assert!(html.contains("an override needs a reason"), "{html}");
    assert_eq!(app.store.project_versions(p.id).await.unwrap().len(), 3);

    // The changelog card on the page.
    let html = doc.get(page(&app, &path)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("Against {}", &h2[..12])), "{html}");
    assert!(
        html.contains("edited Lu2020 risk of bias not assessed → high"),
        "{html}"
    );

    // Only an admin marks a version reviewed.
    let (status, _) = post_form(
        &app,
        &doc,
        &format!("{path}/mark"),
        &[("hash", h3.as_str()), ("mark", "reviewed")],
    )
    .await;
    assert_eq!(status, 403);
    let admin = browser(&app, "admin@north.test").await;
    assert_eq!(
        post_form(
            &app,
            &admin,
            &format!("{path}/mark"),
            &[("hash", h3.as_str()), ("mark", "reviewed")]
        )
        .await
        .0,
        303
    );
    assert!(app.store.project_versions(p.id).await.unwrap()[2].reviewed_at.is_some());
}

#[tokio::test]
async fn an_import_is_previewed_with_its_faulty_rows_before_it_is_saved() {
    let app = spawn().await;
    let doc = browser(&app, "doc@north.test").await;
    post_form(
        &app,
        &doc,
        "/projects",
        &[("title", "Imported"), ("from_bundled", "on")],
    )
    .await;
    let p = app.store.projects(north_id(&app).await).await.unwrap().remove(0);
    let h1 = app.store.project_versions(p.id).await.unwrap()[0].hash.clone();
    let csv = b"study,citation,condition,comparator,m1i,sd1i,n1i,m2i,sd2i,n2i\n\
                New2025,New et al. 2025,acute herpes zoster,drug,-3.9,2.0,40,-4.1,2.1,41\n\
                Bad2025,Bad et al.,acute herpes zoster,drug,-3.9,two,40,-4.1,2.1,41\n";
    let (ct, body) =
        crate::security::multipart(&[("parent", h1.as_str()), ("outcome", "1")], Some(("trials.csv", csv)));
    let r = doc
        .post(page(&app, &format!("/projects/{}/import", p.public_id)))
        .header("Origin", app.origin())
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("1 trial(s) to add"), "{html}");
    assert!(
        html.contains("row 2, sd1i: &#39;two&#39; is not a number")
            || html.contains("row 2, sd1i: 'two' is not a number"),
        "{html}"
    );
    assert_eq!(
        app.store.project_versions(p.id).await.unwrap().len(),
        1,
        "a preview saves nothing"
    );
    // The preview's trials travel in the confirm form.
    let start = html.find("name=\"trials\" value=\"").unwrap() + 21;
    let json = html[start..start + html[start..].find('"').unwrap()]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'");
    let form = [
        ("parent", h1.as_str()),
        ("action", "import_save"),
        ("trials", json.as_str()),
    ];
    let (status, html) = post_form(&app, &doc, &format!("/projects/{}/edit", p.public_id), &form).await;
    assert_eq!(status, 303, "{html}");
    let vs = app.store.project_versions(p.id).await.unwrap();
    assert_eq!(vs.len(), 2);
    assert!(vs[1].content.contains("New2025") && !vs[1].content.contains("Bad2025"));
}
