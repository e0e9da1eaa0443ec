//! Safety rules through the API: refusal, override with a reason and its
//! audit entry, needs-rationale, warnings stored with the session, the
//! check endpoint, and the point lookups.

use acumen_store::audit::{verify, Verdict};
use serde_json::{json, Value};

use crate::helpers::*;

/// A pregnant patient with diabetes (insensate feet), anticoagulated;
/// every other item recorded as no.
fn risky_patient() -> Value {
    json!({"given_name": "Ada", "family_name": "Testpatient", "year_of_birth": 1990, "sex": "female",
           "safety": {"pregnancy": "yes", "pregnancy_date": "2026-09-01", "diabetes": true, "anticoagulant": true,
                      "bleeding_disorder": "none", "chemotherapy": false, "implanted_device": false,
                      "reduced_sensation": [], "lymphoedema": []}})
}

/// The rule ids of a findings array.
fn rule_ids(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

on_both! {
async fn hard_stop_refuses_override_is_audited_and_warnings_are_stored(app) {
    let doc = app.login("doc@north.test").await;
    let admin = app.login("admin@north.test").await;
    let patient = new_patient_from(&app, &doc, &risky_patient()).await;
    let course = new_course(&app, &doc, &patient).await;
    let sessions = app.url(&format!("/courses/{course}/sessions"));
    // LR3 and LI4 on an insensate foot and hand (diabetes) without this visit's
    // skin check; LI4 in pregnancy.
    let mut s = json!({"at": "2026-11-25", "number": 1, "stimulation": "manual",
        "points": [{"code": "LI4", "side": "bilateral"}, {"code": "LR3", "side": "bilateral"}]});
    let r = doc.post(&sessions).json(&s).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let b = body(r).await;
    assert_eq!(b["error"], "safety_hard_stop");
    assert_eq!(b["rule_ids"], json!(["FOOT_NO_SKIN_CHECK", "HAND_NO_SKIN_CHECK"]));
    assert!(b["message"].as_str().unwrap().contains("FOOT_NO_SKIN_CHECK"));
    let rules = rule_ids(&b["findings"]);
    assert_eq!(
        rules,
        ["FOOT_NO_SKIN_CHECK", "HAND_NO_SKIN_CHECK", "PREG_POINT", "ANTICOAG"]
    );
    let listed = body(doc.get(&sessions).send().await.unwrap()).await;
    assert_eq!(listed, json!([]), "nothing written");

    // With the skin check the hard stop is gone, but LI4 in pregnancy needs a rationale.
    s["skin_check"] = json!({"feet": ["none"], "hands": "none"});
    let b = body(doc.post(&sessions).json(&s).send().await.unwrap()).await;
    assert_eq!(
        (b["error"].as_str(), b["rule_ids"].clone()),
        (Some("safety_needs_rationale"), json!(["PREG_POINT"]))
    );

    // An admin may not override; a practitioner may, with a reason.
    s.as_object_mut().unwrap().remove("skin_check");
    s["rationale"] = json!("LI4 for hand pain; 20 weeks; discussed and consented");
    s["override_reason"] = json!("Feet inspected by the podiatrist this morning; report on file");
    let r = admin.post(&sessions).json(&s).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = doc.post(&sessions).json(&s).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let b = body(r).await;
    let id = b["id"].as_str().unwrap().to_string();
    let stored = rule_ids(&b["data"]["safety"]["findings"]);
    assert_eq!(
        stored,
        ["FOOT_NO_SKIN_CHECK", "HAND_NO_SKIN_CHECK", "PREG_POINT", "ANTICOAG"]
    );
    assert_eq!(
        b["data"]["safety"]["overridden"],
        json!(["FOOT_NO_SKIN_CHECK", "HAND_NO_SKIN_CHECK"])
    );
    assert_eq!(b["findings"][3]["severity"], "warning");
    let again = body(doc.get(app.url(&format!("/sessions/{id}"))).send().await.unwrap()).await;
    assert_eq!(
        again["data"]["safety"], b["data"]["safety"],
        "warnings are stored with the session"
    );

    // The override is in the audit log, next to the creation, by the practitioner.
    let log = body(admin.get(app.url("/audit")).send().await.unwrap()).await;
    let entries: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == id)
        .collect();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        &actions[..2],
        ["create", "safety_override:FOOT_NO_SKIN_CHECK,HAND_NO_SKIN_CHECK"]
    );
    assert_eq!(entries[1]["role"], "practitioner");
    assert_eq!(entries[1]["record_kind"], "session");
    let entries = app.store.audit_log(None).await.unwrap();
    let verdict = verify(KEY, &entries, app.checkpoint());
    assert!(
        matches!(verdict, Verdict::Intact { .. }),
        "audit chain intact: {verdict:?}"
    );
}
}

on_both! {
async fn check_endpoint_with_a_stored_patient_or_a_profile(app) {
    let doc = app.login("doc@north.test").await;
    let patient = new_patient_from(&app, &doc, &risky_patient()).await;
    let check = |req: Value| {
        let doc = doc.clone();
        let url = app.url("/safety/check");
        async move {
            let r = doc.post(url).json(&req).send().await.unwrap();
            (r.status().as_u16(), body(r).await)
        }
    };
    let (status, b) = check(json!({"patient_id": patient, "at": "2026-11-25",
        "session": {"points": [{"code": "GB21", "side": "left"}], "stimulation": {"electrical": false}}}))
    .await;
    assert_eq!(status, 200);
    assert_eq!(rule_ids(&b["findings"]), ["PTX_DEPTH", "PREG_POINT", "ANTICOAG"]);
    assert_eq!(
        (b["hard_stop"].as_bool(), b["needs_rationale"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(b["findings"][0]["source"].as_str().unwrap().starts_with("Pneumothorax"));

    // A stored patient whose profile was left out: every item the plan needs
    // is asked for (warnings, nothing silently passes as "no").
    let unknown = new_patient_from(&app, &doc, &json!({"given_name": "Una", "family_name": "Known",
        "year_of_birth": 1970, "sex": "male"})).await;
    let (status, b) = check(json!({"patient_id": unknown, "at": "2026-11-25",
        "session": {"points": [{"code": "ST36", "side": "left"}], "stimulation": {"electrical": true}}}))
    .await;
    assert_eq!(status, 200);
    assert_eq!(rule_ids(&b["findings"]), ["BLEED_SEVERE", "DEVICE_EA", "ANC_LOW", "ANTICOAG", "LYMPH_LIMB"]);
    assert!(b["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "warning"
        && f["reason"].as_str().unwrap().contains("not recorded")), "{b}");
    assert_eq!(b["hard_stop"], false);
    let stored = body(doc.get(app.url(&format!("/patients/{unknown}"))).send().await.unwrap()).await;
    assert_eq!(stored["data"]["safety"]["anticoagulant"], Value::Null, "{stored}");

    // A profile instead of a stored patient, with an EA prevention course.
    let (_, b) = check(
        json!({"profile": {"implanted_device": true, "conditions": ["chemotherapy_induced"],
            "chemotherapy": {"neurotoxic": true, "neutrophils": 0.3, "neutrophils_date": "2026-11-20"}},
        "course": {"intent": "prevention"}, "at": "2026-11-25T10:00:00Z",
        "session": {"points": ["ST36", "EX-LE10"], "stimulation": {"electrical": true}, "skin_check": ["none"]}}),
    )
    .await;
    assert_eq!(rule_ids(&b["findings"]), ["DEVICE_EA", "ANC_LOW", "EA_CHEMO_PREV"]);

    // Nothing to find.
    let (_, b) = check(json!({"profile": {}, "session": {"points": ["ST36"]}})).await;
    assert_eq!(b["findings"], json!([]));

    // Bad requests name the field; another clinic's patient is not found.
    let (status, b) = check(json!({"session": {"points": ["ST36"]}})).await;
    assert_eq!((status, b["errors"][0]["field"].as_str()), (422, Some("patient_id")));
    let (status, b) = check(json!({"profile": {}, "session": {"points": ["ST99"]}})).await;
    assert_eq!(
        (status, b["errors"][0]["field"].as_str()),
        (422, Some("session.points[0].code"))
    );
    let (status, b) = check(json!({"profile": {"anticoagulated": true}, "session": {"points": ["ST36"]}})).await;
    assert_eq!(
        (status, b["errors"][0]["field"].as_str()),
        (422, Some("profile.anticoagulated")),
        "a misspelt risk is refused, not ignored"
    );
    let (status, _) = check(json!({"profile": {}, "at": "yesterday", "session": {"points": ["ST36"]}})).await;
    assert_eq!(status, 422);
    let south = app.login("doc@south.test").await;
    let r = south
        .post(app.url("/safety/check"))
        .json(&json!({"patient_id": patient, "session": {"points": ["ST36"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = reqwest::Client::new()
        .post(app.url("/safety/check"))
        .json(&json!({"profile": {}, "session": {"points": ["ST36"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
}

on_both! {
async fn points_lookup(app) {
    let get = |path: &str| reqwest::get(app.url(path));
    let feet = body(get("/points?region=foot").await.unwrap()).await;
    let feet = feet.as_array().unwrap();
    assert_eq!(feet.len(), 38);
    let lr3 = feet.iter().find(|p| p["code"] == "LR3").unwrap();
    assert_eq!(
        (lr3["pinyin"].as_str(), lr3["trial_use"]["trials"].as_i64()),
        (Some("Tàichōng"), Some(5))
    );
    let hits = body(get("/points?q=zusanli").await.unwrap()).await;
    assert_eq!(hits[0]["code"], "ST36");
    let preg = body(get("/points?flag=pregnancy").await.unwrap()).await;
    // LI4 SP6 BL60 BL67 GB21 (5) + CV2-CV7 (6) + ST25-ST30 (6) + KI11-KI15 (5) + BL23-BL34 (12) + EX-CA1.
    assert_eq!(preg.as_array().unwrap().len(), 35);
    let one = body(get("/points/gb21").await.unwrap()).await;
    assert_eq!(one["flags"], json!(["pregnancy_caution", "pneumothorax_risk"]));
    assert_eq!(one["flag_sources"].as_array().unwrap().len(), 2);
    assert_eq!(get("/points/XX1").await.unwrap().status(), 404);
    let r = get("/points?region=knee").await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(body(r).await["errors"][0]["field"], "region");
}
}
