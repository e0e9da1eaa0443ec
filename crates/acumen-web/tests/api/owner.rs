//! The owner's outcome dashboard, through the API and the page: ten
//! patients of one practitioner, each with a course of diabetic
//! neuropathy, baseline pain 8 and session 1; pain at session 1 is 5
//! (−37.5 %, a responder) for four of them and 8 for six; one patient has
//! an adverse event. Responders 4 of 10, adverse events 1 of 10, measures
//! recorded 20 of 20 (baseline and session-1 pain for each). Voiding one
//! responder's session score leaves 3 of 10 and 19 of 20; correcting a
//! non-responder's 8 to 4 makes 4 of 10 again. Admins only;
//! filters are checked and name the field at fault.

use serde_json::{json, Value};

use crate::helpers::*;

fn prop(v: &Value) -> (u64, u64) {
    (v["x"].as_u64().unwrap_or(u64::MAX), v["n"].as_u64().unwrap_or(u64::MAX))
}

on_both! {
async fn the_owner_sees_responders_adverse_events_and_completion(app) {
    let doc = app.login("doc@north.test").await;
    let admin = app.login("admin@north.test").await;
    let (mut responder_scores, mut other_scores) = (Vec::new(), Vec::new());
    for i in 0..10 {
        let patient = new_patient(&app, &doc, &format!("Owner{i}")).await;
        let course = new_course(&app, &doc, &patient).await;
        let mut baseline = outcome_json(8.0, "clinician");
        baseline["timepoint"] = json!("baseline");
        baseline.as_object_mut().unwrap().remove("session_number");
        let r = doc.post(app.url(&format!("/courses/{course}/outcomes"))).json(&baseline).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let r = doc.post(app.url(&format!("/courses/{course}/sessions"))).json(&session_json("LI4")).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let session = body(r).await["id"].as_str().unwrap().to_string();
        let score = if i < 4 { 5.0 } else { 8.0 };
        let r = doc.post(app.url(&format!("/courses/{course}/outcomes"))).json(&outcome_json(score, "clinician")).send().await.unwrap();
        let o = body(r).await;
        if i < 4 {
            responder_scores.push(o["id"].as_str().unwrap().to_string());
        } else {
            other_scores.push(o["id"].as_str().unwrap().to_string());
        }
        if i == 0 {
            let ae = json!({"type": "bleeding_haematoma", "severity": "mild", "ctcae_grade": 1, "serious": false,
                            "causality": "possible", "outcome": "recovered", "onset": "2026-10-01"});
            let r = doc.post(app.url(&format!("/sessions/{session}/adverse-events"))).json(&ae).send().await.unwrap();
            assert_eq!(r.status(), 201);
        }
    }
    let get = |c: &reqwest::Client, q: &str| {
        let req = c.get(app.url(&format!("/clinic/outcomes{q}")));
        async move {
            let r = req.send().await.unwrap();
            let s = r.status().as_u16();
            (s, body(r).await)
        }
    };
    assert_eq!(get(&doc, "").await.0, 403, "a practitioner does not see the owner's dashboard");
    let (s, d) = get(&admin, "").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(prop(&d["total"]["responders_30"]), (4, 10), "{d}");
    assert_eq!(prop(&d["total"]["adverse_patients"]), (1, 10));
    assert_eq!(prop(&d["total"]["completion"]), (20, 20));
    // By timepoint: the baseline and session 1 of each of the 10 courses were
    // recorded; session 2 was expected a week after session 1 (1 October),
    // so by today each course has a late visit asked by link, none answered.
    let tp = |d: &Value, k: &str| {
        d["by_timepoint"].as_array().unwrap().iter().find(|r| r["key"] == k).map(|r| prop(&r["completion"]))
    };
    assert_eq!((tp(&d, "baseline"), tp(&d, "session"), tp(&d, "missed")), (Some((10, 10)), Some((10, 10)), Some((0, 10))), "{d}");
    assert_eq!(tp(&d, "follow_up:4w"), None, "no course has ended");
    // The courses are the practitioner's who started them.
    let me = body(doc.get(app.url("/me")).send().await.unwrap()).await;
    let doc_id = me["id"].as_str().unwrap().to_string();
    let by = d["by_practitioner"].as_array().unwrap();
    assert_eq!((by.len(), by[0]["key"].as_str()), (1, Some(doc_id.as_str())), "{d}");
    let (_, mine) = get(&admin, &format!("?practitioner={doc_id}")).await;
    assert_eq!(prop(&mine["total"]["responders_30"]), (4, 10));

    // A voided score is counted nowhere.
    let void = json!({"version": 1, "reason": "typed on the wrong patient"});
    let r = doc.post(app.url(&format!("/outcomes/{}/void", responder_scores[0]))).json(&void).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, d) = get(&admin, "").await;
    assert_eq!(prop(&d["total"]["responders_30"]), (3, 10));
    assert_eq!(prop(&d["total"]["completion"]), (19, 20));
    assert_eq!(tp(&d, "session"), Some((9, 10)));
    // A corrected score counts at its new value: 8 corrected to 4 (−50 %)
    // makes a fourth responder again (the figures read before are not reused).
    let fix = json!({"version": 1, "data": outcome_json(4.0, "clinician")});
    let r = doc.put(app.url(&format!("/outcomes/{}", other_scores[0]))).json(&fix).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, d) = get(&admin, "").await;
    assert_eq!(prop(&d["total"]["responders_30"]), (4, 10));
    assert_eq!(prop(&d["total"]["completion"]), (19, 20));

    // Filters: another condition shows nothing; nonsense is refused by name.
    let (s, d) = get(&admin, "?condition=postherpetic_neuralgia").await;
    assert_eq!((s, d["total"]["suppressed"].clone()), (200, json!(true)));
    for (q, field) in [("?condition=gout", "condition"), ("?from=2026-11-01&to=2026-10-01", "to"),
                       ("?from=yesterday", "from"), ("?practitioner=00000000000000000000000000000000", "practitioner")] {
        let (s, e) = get(&admin, q).await;
        assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some(field)), "{q}: {e}");
    }
    assert_eq!(get(&admin, "?colour=red").await.0, 400);

    // The page writes each figure with its interval.
    let page = admin.get(app.url("/clinic/outcomes").replace("/api/v1", "")).send().await.unwrap().text().await.unwrap();
    // Wilson 4 of 10: (0.4 + 1.96²/20 ± 1.96·√(0.4·0.6/10 + 1.96²/400)) / (1 + 1.96²/10)
    // = (0.59208 ± 0.35928) / 1.38416 = 0.168 to 0.687.
    assert!(page.contains("4 of 10: 40% (95% CI 17% to 69%)"), "{page}");
    assert!(page.contains("1 of 10: 10% (95% CI 0% to 45%)"), "{page}");
}
}
