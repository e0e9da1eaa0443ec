//! The patient form, new (`/patients/new`) and corrected
//! (`/patients/{id}/edit`): identifiers, contact and every item of the
//! safety profile the rules read. No item has a default: sex must be
//! chosen, and each safety item starts as "not recorded" (never "no"), so
//! that the session form asks for what was not asked.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use serde_json::{json, Value};

use acumen_domain::PatientInput;

use super::form::{choose, f, posted, req, shown, stored_values, Field, Kind, Posted};
use super::forms::{page, staff, submit, version_of, with_banner, Version};
use super::layout::error_page;
use crate::access::Pid;
use crate::auth::Authed;
use crate::service::records as rec;
use crate::state::AppState;

/// The fields, in the order a clinician asks.
pub(crate) fn patient_fields() -> Vec<Field> {
    vec![
        req("given_name", "Given name", Kind::Text),
        req("family_name", "Family name", Kind::Text),
        req("year_of_birth", "Year of birth", Kind::Integer),
        req(
            "sex",
            "Sex",
            choose(&[
                ("female", "female"),
                ("male", "male"),
                ("other", "other"),
                ("unknown", "unknown"),
            ]),
        ),
        f("email", "E-mail", Kind::Email),
        f("phone", "Phone", Kind::Text),
        Field {
            hint: "the patient gives it to open a follow-up link; needed for follow-up",
            ..f("date_of_birth", "Full date of birth", Kind::Date)
        },
        Field {
            hint: "only with the patient's agreement; they can stop the messages at any time",
            ..f(
                "follow_up.channel",
                "Follow-up questions between visits",
                Kind::Select(vec![
                    ("", "no contact"),
                    ("email", "by e-mail"),
                    ("sms", "by text message"),
                ]),
            )
        },
        f(
            "safety.pregnancy",
            "Pregnant",
            Kind::Select(vec![
                ("", "not recorded"),
                ("no", "no"),
                ("yes", "yes"),
                ("unknown", "the patient does not know"),
            ]),
        ),
        f("safety.pregnancy_date", "Pregnancy status recorded on", Kind::Date),
        f(
            "safety.anticoagulant",
            "Takes an anticoagulant (warfarin, a DOAC, heparin)",
            Kind::Tri,
        ),
        f(
            "safety.bleeding_disorder",
            "Bleeding disorder",
            Kind::Select(vec![
                ("", "not recorded"),
                ("none", "none"),
                ("mild", "mild or moderate"),
                ("severe", "severe (such as haemophilia)"),
            ]),
        ),
        f(
            "safety.bleeding_clearance",
            "Physician clearance for needling documented (severe bleeding disorder)",
            Kind::Check,
        ),
        Field {
            hint: "outside chemotherapy; leave empty if not known",
            ..f("safety.platelets", "Latest platelet count (×10⁹/L)", Kind::Number)
        },
        f("safety.platelets_date", "Platelet count taken on", Kind::Date),
        f("safety.chemotherapy.active", "Having chemotherapy", Kind::Tri),
        f(
            "safety.chemotherapy.neurotoxic",
            "Chemotherapy agent is neurotoxic (taxane, platinum, vinca alkaloid, bortezomib)",
            Kind::Check,
        ),
        f(
            "safety.chemotherapy.neutrophils",
            "Chemotherapy: latest neutrophil count (×10⁹/L)",
            Kind::Number,
        ),
        f(
            "safety.chemotherapy.neutrophils_date",
            "Neutrophil count taken on",
            Kind::Date,
        ),
        f(
            "safety.chemotherapy.platelets",
            "Chemotherapy: latest platelet count (×10⁹/L)",
            Kind::Number,
        ),
        f(
            "safety.chemotherapy.platelets_date",
            "Platelet count (chemotherapy) taken on",
            Kind::Date,
        ),
        f(
            "safety.implanted_device",
            "Implanted electrical device (pacemaker, defibrillator, stimulator)",
            Kind::Tri,
        ),
        f("safety.diabetes", "Diabetes", Kind::Tri),
        Field {
            hint: "tick none, or where; nothing ticked is not recorded",
            ..f(
                "safety.reduced_sensation",
                "Reduced sensation",
                Kind::Sites(vec![("none", "none"), ("feet", "feet"), ("hands", "hands")]),
            )
        },
        Field {
            hint: "tick none, or which limbs; nothing ticked is not recorded",
            ..f(
                "safety.lymphoedema",
                "Lymphoedema",
                Kind::Sites(vec![
                    ("none", "none"),
                    ("left_arm", "left arm"),
                    ("right_arm", "right arm"),
                    ("left_leg", "left leg"),
                    ("right_leg", "right leg"),
                ]),
            )
        },
    ]
}

/// Folds the form's flat answers into the profile's shapes: a severe
/// bleeding disorder with its clearance, and the chemotherapy block only
/// when chemotherapy was answered (counts without that answer are refused).
fn fold(v: &mut Value) -> Result<(), (String, String)> {
    // A chosen channel is the patient's consent to follow-up; none, no contact.
    if let Some(obj) = v.as_object_mut() {
        let channel = obj
            .remove("follow_up")
            .and_then(|f| f.get("channel").and_then(Value::as_str).map(str::to_string))
            .filter(|c| !c.is_empty());
        if let Some(c) = channel {
            obj.insert("follow_up".into(), json!({"consent": true, "channel": c}));
        }
    }
    let Some(s) = v.get_mut("safety").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let clearance = s
        .remove("bleeding_clearance")
        .and_then(|c| c.as_bool())
        .unwrap_or(false);
    if s.get("bleeding_disorder").and_then(Value::as_str) == Some("severe") {
        s.insert(
            "bleeding_disorder".into(),
            json!({"severe": true, "clearance_documented": clearance}),
        );
    }
    if let Some(chemo) = s.get("chemotherapy").and_then(Value::as_object) {
        if !chemo.contains_key("active") {
            let counts = chemo.keys().any(|k| k != "neurotoxic");
            let neurotoxic = chemo.get("neurotoxic").and_then(Value::as_bool) == Some(true);
            if counts || neurotoxic {
                return Err((
                    "safety.chemotherapy.active".into(),
                    "must be yes or no when chemotherapy details are given".into(),
                ));
            }
            s.remove("chemotherapy");
        }
    }
    Ok(())
}

/// The stored patient as the form's values (the form a correction starts
/// from): every field as stored, and the bleeding disorder, stored as an
/// object, as its word and clearance box.
fn posted_of(data: &Value) -> Posted {
    let mut p = stored_values(&patient_fields(), data);
    // An opted-out patient, or one who did not agree, shows as no contact.
    let consents = data.pointer("/follow_up/consent").and_then(Value::as_bool) == Some(true)
        && data.pointer("/follow_up/opted_out").is_none_or(Value::is_null);
    if !consents {
        p.insert("follow_up.channel".into(), vec![String::new()]);
    }
    if let Some(b) = data.pointer("/safety/bleeding_disorder").and_then(Value::as_object) {
        let severe = b.get("severe").and_then(Value::as_bool) == Some(true);
        let word = if severe { "severe" } else { "none" };
        p.insert("safety.bleeding_disorder".into(), vec![word.into()]);
        if b.get("clearance_documented").and_then(Value::as_bool) == Some(true) {
            p.insert("safety.bleeding_clearance".into(), vec!["on".into()]);
        }
    }
    p
}

/// `GET /patients/new`
pub async fn new_patient(State(st): State<AppState>, who: Option<Authed>) -> Response {
    let who = match staff(&who, "/patients/new") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let fields = patient_fields();
    let pg = page(
        &st,
        &who,
        "New patient",
        "/patients/new".into(),
        "/patients".into(),
        &fields,
        &Posted::new(),
    );
    shown(&st, &who, pg, &fields)
}

/// `POST /patients/new`
pub async fn create_patient(
    State(st): State<AppState>,
    who: Option<Authed>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let who = match staff(&who, "/patients/new") {
        Ok(w) => w,
        Err(r) => return r,
    };
    let p = posted(pairs);
    let fields = patient_fields();
    submit::<PatientInput, _, _, _>(
        &st,
        &who,
        &fields,
        &p,
        fold,
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::create_patient(&st2, &who2, None, b).await }
        },
        |w| format!("/patients/{}", w.record.public_id),
        "/patients/new",
    )
    .await
}

/// `GET /patients/{id}/edit`: the stored details and profile, to correct
/// (a new version; the old one is kept).
pub async fn edit_patient(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Query(q): Query<Version>,
) -> Response {
    let who = match staff(&who, &format!("/patients/{public}/edit")) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let rec = match rec::patient(&st, &who, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let version = q.v.unwrap_or(rec.version);
    let fields = patient_fields();
    let pg = page(
        &st,
        &who,
        "Correct the patient's details and safety profile",
        format!("/patients/{public}/edit?v={version}"),
        format!("/patients/{public}"),
        &fields,
        &posted_of(&rec.data),
    );
    with_banner(&st, &who, id, pg, &fields).await
}

/// `POST /patients/{id}/edit?v=N`: saves a new version if N is still the
/// current one (409 otherwise: someone else saved first).
pub async fn update_patient(
    State(st): State<AppState>,
    who: Option<Authed>,
    Pid(id, public): Pid,
    Query(q): Query<Version>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let here = format!("/patients/{public}/edit");
    let who = match staff(&who, &here) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let version = match version_of(q.v) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let p = posted(pairs);
    let fields = patient_fields();
    submit::<PatientInput, _, _, _>(
        &st,
        &who,
        &fields,
        &p,
        fold,
        |b| {
            let (st2, who2) = (st.clone(), who.clone());
            async move { rec::update_patient(&st2, &who2, id, version, b).await }
        },
        |_| format!("/patients/{public}"),
        &format!("{here}?v={version}"),
    )
    .await
}
