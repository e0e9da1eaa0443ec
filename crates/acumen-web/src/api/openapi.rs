//! The OpenAPI 3.1 document of the API, describing every request and
//! response body.

use axum::Json;
use serde_json::{json, Value};

fn s(t: &str) -> Value {
    json!({"type": t})
}
fn arr(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
fn en(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}
fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}
/// A schema that also allows `null` (here: not recorded).
fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}
/// A schema with a description.
fn described(text: &str, mut schema: Value) -> Value {
    schema["description"] = json!(text);
    schema
}
/// A public id: 32 random hex digits (never the internal key).
fn pid() -> Value {
    json!({"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "opaque public id"})
}
fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn schemas() -> Value {
    let date = json!({"type": "string", "format": "date"});
    json!({
        "Error": obj(json!({"error": s("string"), "message": s("string"), "errors": arr(obj(json!({"field": s("string"), "rule": s("string")}), &["field", "rule"])), "current_version": s("integer")}), &["error", "message"]),
        "Login": obj(json!({"clinic": {"type": "string", "description": "The clinic's code (may be left out where the database holds one clinic)"}, "email": s("string"), "password": s("string")}), &["email", "password"]),
        "User": obj(json!({"id": pid(), "email": s("string"), "name": s("string"), "role": en(&["admin", "practitioner", "patient", "researcher"]), "patient_id": {"type": ["string", "null"]}}), &["id", "email", "name", "role"]),
        "LoginResult": obj(json!({"user": r("User")}), &["user"]),
        "NewUser": obj(json!({"email": s("string"), "name": s("string"), "role": en(&["admin", "practitioner", "patient", "researcher"]), "password": {"type": "string", "minLength": 8}, "patient_id": pid()}), &["email", "name", "role", "password"]),
        "Link": obj(json!({"patient_id": pid()}), &["patient_id"]),
        "Void": obj(json!({"version": s("integer"), "reason": {"type": "string", "minLength": 1, "maxLength": 500}}), &["version", "reason"]),
        "Move": obj(json!({"version": s("integer"), "course_id": pid()}), &["version", "course_id"]),
        "ResetLink": obj(json!({"reset_url": s("string"), "token": s("string")}), &["reset_url", "token"]),
        "Reset": obj(json!({"token": s("string"), "password": {"type": "string", "minLength": 8}}), &["token", "password"]),
        "NewToken": obj(json!({"name": s("string")}), &["name"]),
        "Token": obj(json!({"id": pid(), "name": s("string"), "token": s("string")}), &["id", "name", "token"]),
        "Patient": obj(json!({
            "given_name": s("string"), "family_name": s("string"), "email": s("string"), "phone": s("string"),
            "year_of_birth": {"type": "integer", "minimum": 1900, "maximum": 2100}, "sex": en(&["female", "male", "other", "unknown"]),
            "safety": described("Every item is yes, no or not recorded (null or left out); a rule whose item is not recorded gives a warning that asks for it before needling.",
                obj(json!({
                "pregnancy": nullable(en(&["no", "yes", "unknown"])), "pregnancy_date": date, "anticoagulant": nullable(s("boolean")),
                "bleeding_disorder": nullable(obj(json!({"severe": s("boolean"), "clearance_documented": s("boolean")}), &["severe", "clearance_documented"])),
                "implanted_device": nullable(s("boolean")), "diabetes": nullable(s("boolean")), "reduced_sensation": nullable(arr(en(&acumen_domain::profile::SENSATION_SITES))),
                "platelets": s("number"), "platelets_date": date,
                "chemotherapy": nullable(obj(json!({"active": s("boolean"), "neurotoxic": s("boolean"), "neutrophils": s("number"), "neutrophils_date": date, "platelets": s("number"), "platelets_date": date}), &[])),
                "lymphoedema": nullable(arr(en(&["left_arm", "right_arm", "left_leg", "right_leg"])))}), &[])),
            "date_of_birth": described("Full date of birth, in the year of birth; needed for follow-up (a patient gives it to open a link).", date.clone()),
            "follow_up": described("Consent to follow-up messages between visits (absent: no contact). A channel needs the address on the record.",
                obj(json!({"consent": s("boolean"), "channel": nullable(en(&["email", "sms"])), "opted_out": s("string")}), &["consent"]))
        }), &["given_name", "family_name", "year_of_birth", "sex"]),
        "Condition": obj(json!({"code": s("string"), "regions": arr(en(&acumen_knowledge::conditions::REGIONS)), "diagnosed": date}), &["code"]),
        "Screening": obj(json!({"date": date, "interview": {"type": "array", "items": s("boolean"), "minItems": 7, "maxItems": 7}, "examination": {"type": "array", "items": s("boolean"), "minItems": 3, "maxItems": 3}}), &["date", "interview"]),
        "Course": obj(json!({"condition": s("string"), "practitioner_id": pid(), "style": en(&["tcm", "japanese", "korean", "western_medical", "five_element", "auricular", "other"]), "intent": en(&["treatment", "prevention"]), "planned_sessions": {"type": "integer", "minimum": 1, "maximum": 100}, "sessions_per_week": s("number"), "start": date, "status": en(&["active", "completed", "stopped"]), "end": date, "end_reason": s("string"), "consent_version": s("string"),
            "follow_up_schedule": {"description": "the course's own measure schedule instead of the clinic's (PGIC at sessions 6 and 12; follow-ups 4w and 3m)", "type": "object", "additionalProperties": false,
                "properties": {"pgic_sessions": arr(s("integer")), "follow_ups": arr(json!({"type": "string", "description": "4w (1-104 weeks) or 3m (1-24 months)"}))},
                "required": ["pgic_sessions", "follow_ups"]}}), &["condition", "style", "intent", "planned_sessions", "sessions_per_week", "start", "consent_version"]),
        "Session": obj(json!({
            "at": s("string"), "number": {"type": "integer", "minimum": 1},
            "points": arr(obj(json!({"code": s("string"), "side": en(&["left", "right", "bilateral", "none"]), "depth_mm": s("number"), "angle": en(&["perpendicular", "oblique", "transverse"])}), &["code", "side"])),
            "needle_diameter_mm": s("number"), "needle_length_mm": s("number"), "deqi_sought": s("boolean"), "deqi_obtained": s("boolean"),
            "stimulation": en(&["manual", "electrical"]),
            "electro": obj(json!({"frequency_hz": s("number"), "waveform": s("string"), "intensity_ma": s("number"), "pairs": arr(s("string"))}), &["frequency_hz", "waveform"]),
            "retention_min": s("number"), "co_interventions": arr(s("string")), "skin_check": r("SkinCheck"),
            "rationale": s("string"), "override_reason": s("string"), "note": s("string")}), &["at", "number", "points", "stimulation"]),
        "Outcome": obj(json!({"instrument": en(&["nrs_average", "nrs_worst", "sleep_interference", "pgic"]), "recall": en(&["24h", "7d"]), "value": s("number"), "timepoint": en(&["baseline", "session", "follow_up"]), "session_number": s("integer"), "date": date, "source": en(&["clinician", "patient"]), "scheduled": described("The follow-up timepoint it answers when recorded through its link (baseline, missed:N, end, follow_up:4w, follow_up:3m).", s("string"))}), &["instrument", "value", "timepoint", "date", "source"]),
        "AdverseEvent": obj(json!({"type": en(&acumen_domain::AE_TYPES), "description": s("string"), "severity": en(&["mild", "moderate", "severe"]), "ctcae_grade": {"type": "integer", "minimum": 1, "maximum": 5}, "serious": s("boolean"), "causality": en(&["unrelated", "unlikely", "possible", "probable", "definite"]), "action": s("string"), "outcome": en(&["recovered", "recovering", "not_recovered", "sequelae", "fatal", "unknown"]), "onset": date, "resolved": date}), &["type", "severity", "ctcae_grade", "serious", "causality", "outcome", "onset"]),
        "Record": obj(json!({"id": pid(), "kind": s("string"), "version": s("integer"), "patient_id": {"type": ["string", "null"]}, "parent_id": {"type": ["string", "null"]}, "created_at": s("string"), "updated_at": s("string"), "data": s("object"), "dn4": obj(json!({"score": s("integer"), "max": s("integer"), "neuropathic_likely": s("boolean")}), &[])}), &["id", "kind", "version", "data"]),
        "Export": obj(json!({"patient_id": pid(), "records": arr(r("Record"))}), &["patient_id", "records"]),
        "Version": obj(json!({"version": s("integer"), "data": s("object"), "author_id": {"type": ["string", "null"]}, "created_at": s("string")}), &["version", "data"]),
        "AuditEntry": obj(json!({"seq": {"type": "integer", "description": "Position in the clinic's log (1, 2, ...)"}, "at": s("string"), "user_id": {"type": ["string", "null"]}, "role": {"type": ["string", "null"]}, "action": s("string"), "record_kind": {"type": ["string", "null"]}, "record_id": {"type": ["string", "null"]}, "hmac": s("string")}), &["seq", "at", "action", "hmac"]),
        "Aggregates": obj(json!({"min_cell": s("integer"), "cells": arr(s("object"))}), &["min_cell", "cells"]),
        "ConditionInfo": obj(json!({"code": s("string"), "name": s("string"), "icd10cm": arr(s("string")), "icd10_who": arr(s("string")), "regions": arr(s("string"))}), &["code", "name"]),
    })
}

/// Schemas of the safety check and the point table.
fn safety_schemas() -> Value {
    let date = json!({"type": "string", "format": "date"});
    let finding = en(&acumen_domain::plan::SKIN_FINDINGS);
    let side = en(&["left", "right", "bilateral", "none"]);
    let angle = en(&["perpendicular", "oblique", "transverse"]);
    let intent = en(&["treatment", "prevention"]);
    let point_entry = obj(
        json!({"code": s("string"), "side": side, "depth_mm": s("number"), "angle": angle}),
        &["code"],
    );
    let stimulation = json!({"oneOf": [obj(json!({"electrical": s("boolean")}), &[]), en(&["manual", "electrical"])]});
    let session = obj(
        json!({"points": arr(json!({"oneOf": [s("string"), point_entry]})), "stimulation": stimulation,
               "skin_check": r("SkinCheck"), "rationale": s("string"), "intent": intent.clone()}),
        &["points"],
    );
    let trial_use = obj(
        json!({"trials": s("integer"), "studies": s("integer"), "study_ids": arr(s("string"))}),
        &["trials", "studies"],
    );
    let regions: Vec<&str> = acumen_knowledge::Region::ALL.iter().map(|r| r.as_str()).collect();
    let flags: Vec<&str> = acumen_knowledge::Flag::ALL.iter().map(|f| f.as_str()).collect();
    let point = obj(
        json!({"code": s("string"), "meridian": s("string"), "number": s("integer"), "pinyin": s("string"),
               "hanzi": s("string"), "region": en(&regions), "limb": {"type": ["string", "null"], "enum": ["arm", "leg", null]},
               "pregnancy_caution": s("boolean"), "pneumothorax_risk": s("boolean"), "flags": arr(en(&flags)),
               "trial_use": trial_use}),
        &["code", "region", "flags"],
    );
    json!({
        "SkinCheck": {"description": "This visit's skin check of feet and hands. Absent or [] = not done; a list of findings applies to every site; or a map from site (feet, hands, left_foot, right_foot, left_hand, right_hand) to findings; or a list of {site, findings}; or {done, findings}.",
            "oneOf": [s("boolean"), arr(finding.clone()), {"type": "object", "additionalProperties": arr(finding.clone())},
                      arr(obj(json!({"site": s("string"), "findings": arr(finding)}), &["site", "findings"]))]},
        "SafetyCheck": obj(json!({
            "patient_id": s("integer"),
            "profile": {"description": "Instead of patient_id: the Patient.safety fields plus conditions (condition codes). Also read: pregnant (boolean), anticoagulants, pacemaker, chemotherapy: true, bleeding_disorder: severe|moderate|mild|none. An item left out reads as no (the request describes a patient); null or \"not_recorded\" reads as not recorded and gives a warning that asks for it. Unknown fields are refused (422).", "type": "object"},
            "course_id": s("integer"), "course": obj(json!({"intent": intent}), &[]),
            "session": session, "at": s("string")}), &["session"]),
        "Finding": obj(json!({"severity": en(&["hard_stop", "needs_rationale", "warning", "info"]), "rule_id": en(&acumen_domain::safety::RULES), "reason": s("string"), "source": s("string"), "points": arr(s("string"))}), &["severity", "rule_id", "reason", "source"]),
        "SafetyResult": obj(json!({"at": date, "hard_stop": s("boolean"), "needs_rationale": s("boolean"), "findings": arr(r("Finding"))}), &["findings"]),
        "Point": point,
        "Clinic": obj(json!({"code": s("string"), "name": s("string"), "demo": s("boolean"), "answers_public": s("boolean")}), &["code", "name", "answers_public"]),
        "Visibility": obj(json!({"public": s("boolean")}), &["public"]),
        "MessagingInput": obj(json!({"display_name": s("string"), "time_zone": {"type": "string", "description": "IANA name, e.g. Europe/London"},
            "quiet_from": s("integer"), "quiet_to": s("integer"), "email_subject": s("string"),
            "email_body": {"type": "string", "description": "must contain {link} and {stop}; placeholders {clinic} {when} {link} {stop} {until} {again}"},
            "sms_body": {"type": "string", "description": "one line, at most 200 characters; must contain {link} and {stop}"}}),
            &["display_name", "time_zone", "quiet_from", "quiet_to", "email_subject", "email_body", "sms_body"]),
        "MessagingView": {"allOf": [r("MessagingInput"), obj(json!({"revision": s("integer"), "enabled": s("boolean"), "delivery": s("string"),
            "preview": arr(arr(json!({}))), "placeholders": arr(arr(s("string")))}), &["revision", "enabled", "delivery", "preview"])]},
        "Enable": obj(json!({"revision": s("integer")}), &["revision"]),
        "Disable": obj(json!({}), &[]),
        "Answers": obj(json!({
            "clinic": obj(json!({"code": s("string"), "name": s("string")}), &["code", "name"]), "generated_at": s("string"),
            "simulated": s("boolean"), "definitions": arr(s("string")), "disclaimer": s("string"), "warning_signs": arr(s("string")),
            "min_patients": s("integer"),
            "questions": arr(obj(json!({"id": en(&["works", "how_soon", "how_many_sessions", "feet", "points", "safety"]),
                "question": s("string"), "answer_text": s("string"),
                "trial_evidence": {"type": "object", "description": "published pooled results, trial rows and regimens, each with its source"},
                "clinic_figures": {"type": "object", "description": "this clinic's figures with 95% intervals (docs/answers.md lists each: definition, denominator, suppression); {suppressed: true} below min_patients; inside, each figure computed from fewer than 10 has null numbers and suppressed: \"fewer than 10 patients\"; works.clinic_figures.detail and each by_condition[].figures.detail: included/excluded courses, baseline/end_of_course/change means with SDs, baseline_end_correlation, smcr {estimate, var, lower, upper}, time_to_response {sessions_to_first_30, days_to_first_30, sessions_to_sustained_30: {n, events, median, quartiles, curve}}"},
                "sources": arr(obj(json!({"id": s("string"), "citation": s("string"), "url": s("string")}), &["id", "citation"]))}),
                &["id", "question", "answer_text", "trial_evidence", "clinic_figures", "sources"]))}),
            &["clinic", "generated_at", "simulated", "questions"]),
    })
}

fn op(summary: &str, body: Option<&str>, ok: (&str, Value), errors: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(
        ok.0.into(),
        if ok.1.is_null() {
            json!({"description": "done"})
        } else {
            json!({"description": "ok", "content": {"application/json": {"schema": ok.1}}})
        },
    );
    for e in errors {
        responses.insert(
            (*e).into(),
            json!({"description": "error", "content": {"application/json": {"schema": r("Error")}}}),
        );
    }
    let mut o = json!({"summary": summary, "responses": responses});
    if let Some(b) = body {
        o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": r(b)}}});
        o["parameters"] =
            json!([{"name": "Idempotency-Key", "in": "header", "required": false, "schema": s("string")}]);
    }
    o
}

fn update(name: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": obj(json!({"version": s("integer"), "data": r(name)}), &["version", "data"])}}})
}

/// The evidence projects' bodies and answers.
fn project_schemas() -> Value {
    let content = obj(
        json!({"question": obj(json!({"population": s("string"), "intervention": s("string"), "comparator": s("string"), "outcome": s("string")}), &["population", "intervention", "comparator", "outcome"]),
               "trials": arr(obj(json!({"id": s("string"), "citation": s("string"), "row": {"type": "object", "additionalProperties": s("string"), "description": "the engine's columns (yi, vi, or a measure's arm columns) and their cells"},
                                         "condition": s("string"), "comparator": {"enum": ["sham", "usual_care", "waitlist", "drug", "other"]},
                                         "rob": {"type": "object", "description": "risk of bias 2: domains (five {level: low|some_concerns|high, support}), overall, overall_support"}}), &["id", "citation", "row"])),
               "options": {"type": "object", "description": "the engine's analysis options (acumen meta's names: measure, method, test, level, ...)"},
               "mid": {"type": "number", "description": "minimal important difference on the analysis scale (default SMD 0.5, MD 1, ratios ln 1.25)"},
               "grade": arr(obj(json!({"domain": {"enum": ["risk_of_bias", "inconsistency", "imprecision", "indirectness", "publication_bias"]}, "concern": {"enum": ["not_serious", "serious", "very_serious"]}, "reason": s("string")}), &["domain", "concern"]))}),
        &["question", "trials", "options"],
    );
    let version = obj(
        json!({"hash": s("string"), "parent_hash": s("string"), "created_at": s("string"), "reviewed_at": s("string"), "published_at": s("string")}),
        &["hash", "created_at"],
    );
    json!({
        "ProjectContent": content,
        "NewProject": obj(json!({"title": s("string"), "from_bundled": s("boolean"), "content": r("ProjectContent")}), &["title"]),
        "NewVersion": obj(json!({"parent": s("string"), "content": r("ProjectContent")}), &["content"]),
        "ProjectVersion": version,
        "Project": obj(json!({"id": pid(), "title": s("string"), "based_on_bundled": s("boolean"), "created_at": s("string"), "versions": arr(r("ProjectVersion"))}), &["id", "title", "versions"]),
        "VersionReport": obj(json!({"hash": s("string"), "content": r("ProjectContent"), "subset": s("string"), "analysis": {"type": "object", "description": "the engine's JSON (metafor's names)"},
                                    "provenance": s("object"), "footer": s("string"), "forest": arr(s("object")), "rob": arr(s("object")),
                                    "grade": s("object"), "sof": obj(json!({"html": s("string"), "csv": s("string")}), &["html", "csv"]), "sensitivity": arr(s("object"))}),
                               &["hash", "content", "analysis", "forest", "rob", "grade", "sof"]),
        "Changelog": obj(json!({"from": s("string"), "to": s("string"), "trials": arr(s("object")), "what_moved": s("string")}), &["from", "to", "trials", "what_moved"]),
        "ImportPreview": obj(json!({"trials": arr(s("object")), "errors": arr(obj(json!({"row": s("integer"), "field": s("string"), "message": s("string")}), &["row", "field", "message"])),
                                    "notes": arr(s("string")), "outcomes": arr(s("string")), "measure": s("string")}), &["trials", "errors"]),
    })
}

fn all_schemas() -> Value {
    let mut all = schemas();
    for more in [safety_schemas(), project_schemas()] {
        if let (Some(a), Value::Object(b)) = (all.as_object_mut(), more) {
            a.extend(b);
        }
    }
    all
}

/// The evidence projects' paths.
fn project_paths() -> Value {
    let e = &["400", "401", "403", "404", "422"][..];
    let text = |ct: &str| json!({"description": "ok", "content": {ct: {"schema": s("string")}}});
    let mut p = json!({
        "/api/v1/projects": {"get": op("The clinic's evidence projects (staff and researchers)", None, ("200", arr(r("Project"))), e),
                             "post": op("Create a project: empty, from content, or from the bundled project (from_bundled: true)", Some("NewProject"), ("201", r("Project")), e)},
        "/api/v1/projects/import": {"post": op("Preview the trials of a CSV or .rm5 file sent as the body (?name=FILE, ?outcome=N for .rm5): the trials read and each row's fault; nothing is saved", None, ("200", r("ImportPreview")), e)},
        "/api/v1/projects/{id}": {"get": op("A project with its versions", None, ("200", r("Project")), e)},
        "/api/v1/projects/{id}/versions": {"get": op("A project's versions, oldest first", None, ("200", arr(r("ProjectVersion"))), e),
                                           "post": op("Save a new frozen version (201; 200 with the existing one for the same content; 409 version_outdated when parent is not the latest)", Some("NewVersion"), ("201", r("ProjectVersion")), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/versions/{hash}": {"get": op("A version with its analysis, forest data, risk of bias, GRADE and SoF (?subset=all|low_rob|comparator:KIND|without:TRIAL); the clinic's own, or a published one for anyone", None, ("200", r("VersionReport")), e)},
        "/api/v1/versions/{hash}/changelog": {"get": op("The changelog card against an older version (?against=HASH or bundled)", None, ("200", r("Changelog")), e)},
        "/api/v1/versions/{hash}/forest": {"get": op("The forest plot with risk-of-bias traffic lights (?format=svg|png, ?subset=)", None, ("200", Value::Null), e)},
        "/api/v1/versions/{hash}/sof.csv": {"get": op("The Summary-of-Findings table as CSV", None, ("200", Value::Null), e)},
        "/api/v1/versions/{hash}/script.R": {"get": op("The metafor script that reruns the version's analysis and compares every number", None, ("200", Value::Null), e)},
        "/api/v1/versions/{hash}/review": {"post": op("Mark a version reviewed (admins): it may then stand on the clinic's answers page", None, ("200", r("ProjectVersion")), e)},
        "/api/v1/versions/{hash}/publish": {"post": op("Publish a version (admins): anyone with its URL may read it", None, ("200", r("ProjectVersion")), e)},
    });
    p["/api/v1/projects/import"]["post"]["requestBody"] = json!({"required": true, "content": {
        "text/csv": {"schema": s("string")}, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}});
    p["/api/v1/projects/import"]["post"]["parameters"] = json!([
        {"name": "name", "in": "query", "required": true, "description": "the file's name: .rm5 is read as RevMan 5, anything else as the engine's CSV", "schema": s("string")},
        {"name": "outcome", "in": "query", "required": false, "description": "for .rm5: the outcome to read (1-based)", "schema": s("integer")}]);
    p["/api/v1/versions/{hash}/forest"]["get"]["responses"]["200"] = text("image/svg+xml");
    p["/api/v1/versions/{hash}/sof.csv"]["get"]["responses"]["200"] = text("text/csv");
    p["/api/v1/versions/{hash}/script.R"]["get"]["responses"]["200"] = text("text/plain");
    let hash = json!({"name": "hash", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}});
    if let Some(map) = p.as_object_mut() {
        for (path, item) in map.iter_mut() {
            if path.contains("{hash}") {
                for (_, o) in item.as_object_mut().into_iter().flatten() {
                    o["parameters"] = json!([hash]);
                }
            }
        }
    }
    p
}

/// The OpenAPI document.
pub fn document() -> Value {
    let e = &["400", "401", "403", "404", "422"][..];
    let rec = r("Record");
    let recs = arr(r("Record"));
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": pid()}]);
    let run_report = obj(
        json!({"queued": s("integer"), "sent": s("integer"), "failed": s("integer"), "cancelled": s("integer")}),
        &["queued", "sent", "failed", "cancelled"],
    );
    let mut paths = json!({
        "/api/v1/auth/login": {"post": op("Log in (sets the session cookie)", Some("Login"), ("200", r("LoginResult")), &["400", "401", "422", "429"])},
        "/api/v1/auth/logout": {"post": op("Log out", None, ("204", Value::Null), &["401"])},
        "/api/v1/auth/reset": {"post": op("Set a new password with a reset token", Some("Reset"), ("204", Value::Null), &["404", "422"])},
        "/api/v1/me": {"get": op("The logged-in user", None, ("200", r("User")), &["401"])},
        "/api/v1/tokens": {"post": op("Create a personal API token (shown once)", Some("NewToken"), ("201", r("Token")), e)},
        "/api/v1/tokens/{id}": {"delete": op("Revoke a token", None, ("204", Value::Null), e)},
        "/api/v1/users": {"get": op("Users of the clinic (admins)", None, ("200", arr(r("User"))), e), "post": op("Create a user (admins)", Some("NewUser"), ("201", r("User")), &["400", "401", "403", "409", "422"])},
        "/api/v1/users/{id}/link": {"post": op("Link a patient user to a patient record (admins)", Some("Link"), ("200", r("User")), e)},
        "/api/v1/users/{id}/reset-link": {"post": op("Issue a one-time password-reset link (admins)", None, ("201", r("ResetLink")), e)},
        "/api/v1/points": {"get": op("Acupoints (?q= code, pinyin or characters; ?region=foot; ?flag=pregnancy_caution), with neuropathy-trial counts", None, ("200", arr(r("Point"))), &["422"])},
        "/api/v1/points/{code}": {"get": op("One acupoint with its flag sources and the trials that used it", None, ("200", r("Point")), &["404"])},
        "/api/v1/safety/check": {"post": op("Run the point-of-care safety rules on a planned session without writing", Some("SafetyCheck"), ("200", r("SafetyResult")), e)},
        "/api/v1/answers": {"get": op("The article's six questions answered from the trials and this clinic's records (?clinic=CODE for a public page without logging in)", None, ("200", r("Answers")), &["401", "404"])},
        "/api/v1/clinic": {"get": op("The caller's clinic", None, ("200", r("Clinic")), &["401"])},
        "/api/v1/clinic/outcomes": {"get": op("The owner's outcome dashboard (admins): responders (30% less pain at the latest session, intention to treat), patients with an adverse event and measures recorded of those scheduled, in total, by condition and by practitioner, each with its 95% interval; groups and figures of fewer than 10 patients suppressed (complementary across groups); voided records never counted", None, ("200", s("object")), &["400", "401", "403", "422"])},
        "/api/v1/clinic/answers-visibility": {"put": op("Make the answers page public or private (admins; audited)", Some("Visibility"), ("200", r("Clinic")), &["401", "403", "422"])},
        "/api/v1/conditions": {"get": op("Bundled neuropathic-pain conditions with ICD-10 codes", None, ("200", arr(r("ConditionInfo"))), &[])},
        "/api/v1/patients": {"get": op("Patients of the clinic (?q= searches names)", None, ("200", recs.clone()), e), "post": op("Create a patient", Some("Patient"), ("201", rec.clone()), e)},
        "/api/v1/patients/{id}": {"get": op("A patient", None, ("200", rec.clone()), e), "put": op("Correct a patient (new version; 409 if stale)", None, ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/patients/{id}/versions": {"get": op("All versions (admins)", None, ("200", arr(r("Version"))), e)},
        "/api/v1/patients/{id}/export": {"get": op("Everything held on the patient", None, ("200", r("Export")), e)},
        "/api/v1/patients/{id}/conditions": {"get": op("Conditions", None, ("200", recs.clone()), e), "post": op("Add a condition", Some("Condition"), ("201", rec.clone()), e)},
        "/api/v1/patients/{id}/screenings": {"get": op("DN4 screenings", None, ("200", recs.clone()), e), "post": op("Add a DN4 screening", Some("Screening"), ("201", rec.clone()), e)},
        "/api/v1/patients/{id}/courses": {"get": op("Treatment courses", None, ("200", recs.clone()), e), "post": op("Start a course", Some("Course"), ("201", rec.clone()), e)},
        "/api/v1/courses/{id}": {"get": op("A course", None, ("200", rec.clone()), e), "put": op("Correct a course (new version; 409 if stale)", None, ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/courses/{id}/sessions": {"get": op("Sessions", None, ("200", recs.clone()), e), "post": op("Record a session (409 on a course that has ended)", Some("Session"), ("201", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/courses/{id}/outcomes": {"get": op("Outcomes", None, ("200", recs.clone()), e), "post": op("Record an outcome (patients: their own diary)", Some("Outcome"), ("201", rec.clone()), e)},
        "/api/v1/sessions/{id}": {"get": op("A session", None, ("200", rec.clone()), e), "put": op("Correct a session (new version, checked by the safety rules again; 409 if stale or voided)", None, ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/sessions/{id}/void": {"post": op("Void a session recorded in error, with a reason (kept, audited, left out of every figure; 409 while it has adverse events)", Some("Void"), ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/sessions/{id}/move": {"post": op("Move a session to another active course of the same patient (audited; its adverse events go with it)", Some("Move"), ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/sessions/{id}/adverse-events": {"get": op("Adverse events", None, ("200", recs.clone()), e), "post": op("Record an adverse event (409 on a voided session)", Some("AdverseEvent"), ("201", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/outcomes/{id}": {"get": op("An outcome", None, ("200", rec.clone()), e), "put": op("Correct an outcome (new version; 409 if stale or voided)", None, ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/outcomes/{id}/void": {"post": op("Void an outcome recorded in error, with a reason", Some("Void"), ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/adverse-events/{id}": {"get": op("An adverse event", None, ("200", rec.clone()), e), "put": op("Correct an adverse event (new version; 409 if stale or voided)", None, ("200", rec.clone()), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/adverse-events/{id}/void": {"post": op("Void an adverse event recorded in error, with a reason", Some("Void"), ("200", rec), &["400", "401", "403", "404", "409", "422"])},
        "/api/v1/audit": {"get": op("The clinic's audit log (admins)", None, ("200", arr(r("AuditEntry"))), e)},
        "/api/v1/admin/outbox/run": {"post": op("Plans the clinic's follow-up now and sends what waits in the outbox (admins; the worker otherwise runs every minute): counts queued, sent, failed and cancelled", None, ("200", run_report.clone()), &["401", "403", "409"])},
        "/api/v1/research/aggregates": {"get": op("De-identified aggregates (researchers)", None, ("200", r("Aggregates")), e)},
        "/api/v1/openapi.json": {"get": op("This document", None, ("200", s("object")), &[])},
    });
    let follow_up = json!({
        "/api/v1/admin/follow-up": {"get": op("The clinic's follow-up message settings with the texts as patients get them, their revision and whether they are enabled (admins)", None, ("200", r("MessagingView")), &["401", "403"]),
            "put": op("Changes them (admins; audited); a changed text or display name is not sent until enabled again", Some("MessagingInput"), ("200", r("MessagingView")), &["400", "401", "403", "422"])},
        "/api/v1/admin/follow-up/enable": {"post": op("Enables the texts of the revision the admin read (409 when they changed since)", Some("Enable"), ("200", r("MessagingView")), &["400", "401", "403", "409", "422"])},
        "/api/v1/admin/follow-up/disable": {"post": op("Stops sending follow-up messages", Some("Disable"), ("200", r("MessagingView")), &["400", "401", "403"])}
    });
    if let (Some(all), Value::Object(more)) = (paths.as_object_mut(), follow_up) {
        all.extend(more);
    }
    paths["/api/v1/patients/{id}"]["put"]["requestBody"] = update("Patient");
    paths["/api/v1/points/{code}"]["get"]["parameters"] =
        json!([{"name": "code", "in": "path", "required": true, "schema": s("string")}]);
    paths["/api/v1/points"]["get"]["parameters"] =
        json!(["q", "region", "flag"]
            .map(|n| json!({"name": n, "in": "query", "required": false, "schema": s("string")})));
    paths["/api/v1/clinic/outcomes"]["get"]["parameters"] = json!([
        ("condition", "a condition code (all when left out)"),
        ("practitioner", "a practitioner's user id, or unassigned"),
        ("from", "courses started on or after (YYYY-MM-DD)"),
        ("to", "courses started on or before (YYYY-MM-DD)"),
    ]
    .map(|(n, d)| json!({"name": n, "in": "query", "required": false, "description": d, "schema": s("string")})));
    paths["/api/v1/answers"]["get"]["parameters"] =
        json!([{"name": "clinic", "in": "query", "required": false, "schema": s("string")}]);
    paths["/api/v1/clinic/answers-visibility"]["put"]
        .as_object_mut()
        .map(|o| o.remove("parameters"));
    paths["/api/v1/safety/check"]["post"]
        .as_object_mut()
        .map(|o| o.remove("parameters"));
    paths["/api/v1/courses/{id}/sessions"]["post"]["description"] = json!("Runs the safety rules first: a hard stop answers 422 (error safety_hard_stop, naming the rules) unless a practitioner gives override_reason (audited as safety_override:RULES); a pregnancy-caution point needs a rationale (422 safety_needs_rationale). Warnings are stored with the session under data.safety and returned as findings. A course that is completed or stopped answers 409 (error course_closed): reopen it first (PUT the course with status active).");
    paths["/api/v1/courses/{id}"]["put"]["requestBody"] = update("Course");
    paths["/api/v1/sessions/{id}"]["put"]["requestBody"] = update("Session");
    paths["/api/v1/outcomes/{id}"]["put"]["requestBody"] = update("Outcome");
    paths["/api/v1/adverse-events/{id}"]["put"]["requestBody"] = update("AdverseEvent");
    if let (Some(a), Value::Object(b)) = (paths.as_object_mut(), project_paths()) {
        a.extend(b);
    }
    if let Some(map) = paths.as_object_mut() {
        for (path, item) in map.iter_mut() {
            if path.contains("{id}") {
                for (_, o) in item.as_object_mut().into_iter().flatten() {
                    let mut params = id.as_array().cloned().unwrap_or_default();
                    if let Some(extra) = o.get("parameters").and_then(|p| p.as_array()) {
                        params.extend(extra.iter().cloned());
                    }
                    o["parameters"] = Value::Array(params);
                }
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Acumen clinic registry", "version": env!("CARGO_PKG_VERSION")},
        "components": {
            "schemas": all_schemas(),
            "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE}, "bearer": {"type": "http", "scheme": "bearer"}}
        },
        "security": [{"cookie": []}, {"bearer": []}],
        "paths": paths,
    })
}

/// `GET /openapi.json`
pub async fn openapi() -> Json<Value> {
    Json(document())
}
