//! Every safety rule: one case where it fires and one where it does not.

use acumen_domain::plan::day_of;
use acumen_domain::{check, PlannedSessionInput, ProfileInput, Severity};
use serde_json::{json, Value};

/// The rule ids (with severities) for a profile (as a check request
/// sends it: an item left out is no) and a planned session on 2026-11-25.
fn rules(profile: Value, session: Value) -> Vec<(Severity, &'static str)> {
    let p = ProfileInput::from_json(&profile).unwrap();
    let s: PlannedSessionInput = serde_json::from_value(session).unwrap();
    let plan = s.plan(day_of("2026-11-25").unwrap(), None).unwrap();
    check(&p.safety, &p.conditions, &plan)
        .into_iter()
        .map(|f| (f.severity, f.rule_id))
        .collect()
}

fn ids(profile: Value, session: Value) -> Vec<&'static str> {
    rules(profile, session).into_iter().map(|r| r.1).collect()
}

fn pts(codes: &[&str]) -> Value {
    json!({"points": codes.iter().map(|c| json!({"code": c, "side": "bilateral"})).collect::<Vec<_>>()})
}

const NONE: [&str; 0] = [];

#[test]
fn preg_point() {
    let preg = json!({"pregnancy": "yes", "pregnancy_date": "2026-10-01"});
    assert_eq!(
        rules(preg.clone(), pts(&["LI4", "ST36"])),
        [(Severity::NeedsRationale, "PREG_POINT")]
    );
    // Lower-abdominal and lumbosacral ranges.
    assert_eq!(ids(preg.clone(), pts(&["CV4"])), ["PREG_POINT"]);
    assert_eq!(ids(preg.clone(), pts(&["BL32"])), ["PREG_POINT"]);
    // A rationale does not hide the finding (the write is allowed with it).
    let mut s = pts(&["SP6"]);
    s["rationale"] = json!("Discussed with patient; 2nd trimester; consent signed");
    assert_eq!(ids(preg.clone(), s), ["PREG_POINT"]);
    // Does not fire: not pregnant, or no caution point.
    assert_eq!(ids(json!({"pregnancy": "no"}), pts(&["LI4", "SP6"])), NONE);
    assert_eq!(ids(preg, pts(&["ST36", "LI11", "CV12"])), NONE);
    assert_eq!(
        ids(json!({"pregnant": true}), pts(&["BL67"])),
        ["PREG_POINT"],
        "boolean form"
    );
}

#[test]
fn anticoag_plt_low_bleed_severe() {
    assert_eq!(
        rules(json!({"anticoagulant": true}), pts(&["ST36"])),
        [(Severity::Warning, "ANTICOAG")]
    );
    assert_eq!(ids(json!({"anticoagulant": false}), pts(&["ST36"])), NONE);
    let low = json!({"platelets": 42, "platelets_date": "2026-11-20"});
    assert_eq!(rules(low, pts(&["ST36"])), [(Severity::Warning, "PLT_LOW")]);
    assert_eq!(
        ids(json!({"platelets": 50, "platelets_date": "2026-11-20"}), pts(&["ST36"])),
        NONE,
        "50 is not below 50"
    );
    let severe = json!({"bleeding_disorder": {"severe": true, "clearance_documented": false}});
    assert_eq!(rules(severe, pts(&["ST36"])), [(Severity::HardStop, "BLEED_SEVERE")]);
    let cleared = json!({"bleeding_disorder": {"severe": true, "clearance_documented": true}});
    assert_eq!(ids(cleared, pts(&["ST36"])), NONE);
    let mild = json!({"bleeding_disorder": {"severe": false, "clearance_documented": false}});
    assert_eq!(ids(mild, pts(&["ST36"])), NONE);
}

#[test]
fn device_ea() {
    let device = json!({"implanted_device": true});
    let mut ea = pts(&["ST36", "GB34"]);
    ea["stimulation"] = json!({"electrical": true});
    assert_eq!(rules(device.clone(), ea.clone()), [(Severity::HardStop, "DEVICE_EA")]);
    let mut manual = pts(&["ST36"]);
    manual["stimulation"] = json!("manual");
    assert_eq!(ids(device, manual), NONE);
    assert_eq!(ids(json!({}), ea), NONE);
}

#[test]
fn anc_low_and_counts_stale() {
    let chemo =
        |n: f64, date: &str| json!({"chemotherapy": {"neurotoxic": true, "neutrophils": n, "neutrophils_date": date}});
    assert_eq!(
        rules(chemo(0.4, "2026-11-20"), pts(&["ST36"])),
        [(Severity::HardStop, "ANC_LOW")]
    );
    assert_eq!(
        ids(chemo(0.5, "2026-11-20"), pts(&["ST36"])),
        NONE,
        "0.5 is not below 0.5"
    );
    // 14 days before is recent, 15 is stale.
    assert_eq!(ids(chemo(2.1, "2026-11-11"), pts(&["ST36"])), NONE);
    assert_eq!(
        rules(chemo(2.1, "2026-11-10"), pts(&["ST36"])),
        [(Severity::Warning, "COUNTS_STALE")]
    );
    assert_eq!(
        ids(json!({"chemotherapy": {"neurotoxic": true}}), pts(&["ST36"])),
        ["COUNTS_STALE"]
    );
    // A recent platelet count is a recent count.
    let plt = json!({"chemotherapy": {"platelets": 180, "platelets_date": "2026-11-24"}});
    assert_eq!(ids(plt, pts(&["ST36"])), NONE);
    // Finished chemotherapy needs no counts.
    assert_eq!(ids(json!({"chemotherapy": {"active": false}}), pts(&["ST36"])), NONE);
}

#[test]
fn foot_and_hand_skin_checks() {
    let diabetic = json!({"diabetes": true});
    assert_eq!(
        rules(diabetic.clone(), pts(&["KI3", "ST36"])),
        [(Severity::HardStop, "FOOT_NO_SKIN_CHECK")]
    );
    assert_eq!(ids(diabetic.clone(), pts(&["EX-UE9"])), ["HAND_NO_SKIN_CHECK"]);
    let mut checked = pts(&["KI3", "EX-LE10", "EX-UE9"]);
    checked["skin_check"] = json!(["none"]);
    assert_eq!(ids(diabetic.clone(), checked), NONE);
    // Checked the left foot only; a bilateral foot point needs both.
    let mut left_only = pts(&["LR3"]);
    left_only["skin_check"] = json!({"left_foot": ["none"]});
    assert_eq!(ids(diabetic.clone(), left_only.clone()), ["FOOT_NO_SKIN_CHECK"]);
    left_only["points"] = json!([{"code": "LR3", "side": "left"}]);
    assert_eq!(ids(diabetic, left_only), NONE);
    // Insensate by condition or by recorded reduced sensation; not otherwise.
    let cipn = json!({"conditions": ["chemotherapy_induced"]});
    assert_eq!(ids(cipn, pts(&["LR3"])), ["FOOT_NO_SKIN_CHECK"]);
    let numb_hands = json!({"reduced_sensation": ["hands"]});
    assert_eq!(ids(numb_hands.clone(), pts(&["LI4"])), ["HAND_NO_SKIN_CHECK"]);
    assert_eq!(ids(numb_hands, pts(&["LR3"])), NONE, "feet have sensation");
    assert_eq!(
        ids(json!({"conditions": ["carpal_tunnel"]}), pts(&["LR3", "LI4"])),
        NONE
    );
}

#[test]
fn skin_breach() {
    let mut s = pts(&["KI3", "LI11"]);
    s["skin_check"] =
        json!([{"site": "right_foot", "findings": ["ulcer"]}, {"site": "left_foot", "findings": ["none"]}]);
    assert_eq!(rules(json!({}), s.clone()), [(Severity::HardStop, "SKIN_BREACH")]);
    // Needling only the healthy foot is fine.
    s["points"] = json!([{"code": "KI3", "side": "left"}]);
    assert_eq!(ids(json!({}), s), NONE);
    // Oedema is recorded but is not a breach; a fissure is.
    let mut f = pts(&["LI4"]);
    f["skin_check"] = json!({"hands": "oedema"});
    assert_eq!(ids(json!({}), f.clone()), NONE);
    f["skin_check"] = json!({"hands": "fissure"});
    assert_eq!(ids(json!({}), f), ["SKIN_BREACH"]);
}

#[test]
fn lymph_limb() {
    let arm = json!({"lymphoedema": ["left_arm"]});
    assert_eq!(
        rules(arm.clone(), json!({"points": [{"code": "LI11", "side": "left"}]})),
        [(Severity::Warning, "LYMPH_LIMB")]
    );
    assert_eq!(
        ids(arm.clone(), pts(&["PC6"])),
        ["LYMPH_LIMB"],
        "bilateral includes the left arm"
    );
    assert_eq!(
        ids(arm.clone(), json!({"points": [{"code": "LI11", "side": "right"}]})),
        NONE
    );
    assert_eq!(ids(arm, pts(&["ST36", "CV12"])), NONE, "leg and trunk");
}

#[test]
fn ptx_depth() {
    assert_eq!(rules(json!({}), pts(&["GB21"])), [(Severity::HardStop, "PTX_DEPTH")]);
    assert_eq!(
        ids(
            json!({}),
            json!({"points": [{"code": "BL13", "side": "bilateral", "depth_mm": 10}]})
        ),
        ["PTX_DEPTH"],
        "angle missing"
    );
    let full = json!({"points": [{"code": "BL13", "side": "bilateral", "depth_mm": 10, "angle": "oblique"}]});
    assert_eq!(ids(json!({}), full), NONE);
    assert_eq!(ids(json!({}), pts(&["BL23", "ST36"])), NONE);
}

#[test]
fn ea_chemo_prev() {
    let mut s = pts(&["ST36"]);
    s["stimulation"] = json!({"electrical": true});
    s["intent"] = json!("prevention");
    let chemo = json!({"chemotherapy": {"neurotoxic": true, "neutrophils": 3.0, "neutrophils_date": "2026-11-24"}});
    assert_eq!(rules(chemo.clone(), s.clone()), [(Severity::Info, "EA_CHEMO_PREV")]);
    s["intent"] = json!("treatment");
    assert_eq!(ids(chemo.clone(), s.clone()), NONE);
    s["intent"] = json!("prevention");
    s["stimulation"] = json!("manual");
    assert_eq!(ids(chemo, s), NONE);
}

#[test]
fn ea_chemo_prev_fires_only_in_active_neurotoxic_chemotherapy() {
    let mut s = pts(&["ST36"]);
    s["stimulation"] = json!({"electrical": true});
    s["intent"] = json!("prevention");
    // No chemotherapy at all: electrical stimulation in a prevention course alone is not the rule.
    assert_eq!(ids(json!({}), s.clone()), NONE);
    // Chemotherapy, but not neurotoxic; or neurotoxic but finished.
    let counts = json!({"neutrophils": 3.0, "neutrophils_date": "2026-11-24"});
    let mut not_neurotoxic = counts.clone();
    not_neurotoxic["neurotoxic"] = json!(false);
    assert_eq!(ids(json!({"chemotherapy": not_neurotoxic}), s.clone()), NONE);
    let mut finished = counts.clone();
    finished["neurotoxic"] = json!(true);
    finished["active"] = json!(false);
    assert_eq!(ids(json!({"chemotherapy": finished}), s.clone()), NONE);
    // Active and neurotoxic: fires.
    let mut active = counts;
    active["neurotoxic"] = json!(true);
    assert_eq!(ids(json!({"chemotherapy": active}), s), ["EA_CHEMO_PREV"]);
}

#[test]
fn a_skin_check_naming_no_site_counts_for_none() {
    let diabetic = json!({"diabetes": true});
    for empty in [json!({}), json!(true), json!({"done": true}), json!([])] {
        let mut s = pts(&["KI3", "EX-UE9"]);
        s["skin_check"] = empty.clone();
        assert_eq!(
            ids(diabetic.clone(), s),
            ["FOOT_NO_SKIN_CHECK", "HAND_NO_SKIN_CHECK"],
            "skin_check {empty} must keep both hard stops"
        );
    }
    // A check of the feet counts for the feet only.
    let mut s = pts(&["KI3", "EX-UE9"]);
    s["skin_check"] = json!({"feet": ["none"]});
    assert_eq!(ids(diabetic, s), ["HAND_NO_SKIN_CHECK"]);
}

#[test]
fn findings_are_ordered_by_severity_and_carry_reason_and_source() {
    let p = ProfileInput::from_json(&json!({
        "pregnancy": "yes", "anticoagulant": true, "diabetes": true, "implanted_device": true
    }))
    .unwrap();
    let s: PlannedSessionInput = serde_json::from_value(json!({
        "points": ["LI4", "KI3", "GB21"], "stimulation": {"electrical": true}
    }))
    .unwrap();
    let f = check(
        &p.safety,
        &p.conditions,
        &s.plan(day_of("2026-11-25").unwrap(), None).unwrap(),
    );
    let got: Vec<&str> = f.iter().map(|f| f.rule_id).collect();
    assert_eq!(
        got,
        [
            "DEVICE_EA",
            "FOOT_NO_SKIN_CHECK",
            "HAND_NO_SKIN_CHECK",
            "PTX_DEPTH",
            "PREG_POINT",
            "ANTICOAG"
        ]
    );
    let ptx = &f[3];
    assert_eq!(ptx.points, ["GB21"]);
    assert!(ptx.reason.contains("depth and angle") && ptx.source.contains("PMC2995190"));
    assert_eq!(f[4].points, ["LI4", "GB21"]);
}

#[test]
fn bad_plans_name_the_field() {
    let s: PlannedSessionInput = serde_json::from_value(json!({
        "points": [{"code": "LI40"}, {"code": "ST36", "side": "up"}], "skin_check": {"toes": ["none"]}
    }))
    .unwrap();
    let e = s.plan(day_of("2026-11-25").unwrap(), None).unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "session.points[0].code",
            "session.points[1].side",
            "session.skin_check.toes"
        ]
    );
}

#[test]
fn profiles_in_the_shapes_clients_write() {
    let profile = |v: Value| ProfileInput::from_json(&v);
    let run = |v: Value, s: Value| {
        let p = profile(v).unwrap();
        let s: PlannedSessionInput = serde_json::from_value(s).unwrap();
        let plan = s.plan(day_of("2026-11-25").unwrap(), None).unwrap();
        check(&p.safety, &p.conditions, &plan)
            .into_iter()
            .map(|f| f.rule_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(json!({"chemotherapy": true}), pts(&["ST36"])), ["COUNTS_STALE"]);
    assert_eq!(
        run(json!({"bleeding_disorder": "severe"}), pts(&["ST36"])),
        ["BLEED_SEVERE"]
    );
    assert_eq!(run(json!({"bleeding_disorder": "mild"}), pts(&["ST36"])), NONE);
    let cleared = json!({"bleeding_disorder": {"severe": true, "clearance": true}});
    assert_eq!(run(cleared, pts(&["ST36"])), NONE);
    assert_eq!(
        run(json!({"anticoagulants": ["apixaban"]}), pts(&["ST36"])),
        ["ANTICOAG"]
    );
    assert_eq!(
        run(
            json!({"pacemaker": "yes"}),
            json!({"points": ["ST36"], "stimulation": "electrical"})
        ),
        ["DEVICE_EA"]
    );
    // Reduced sensation of one foot: only that foot needs the check.
    let left = json!({"reduced_sensation": ["left_foot"]});
    assert_eq!(
        run(left.clone(), json!({"points": [{"code": "KI3", "side": "left"}]})),
        ["FOOT_NO_SKIN_CHECK"]
    );
    assert_eq!(run(left, json!({"points": [{"code": "KI3", "side": "right"}]})), NONE);

    // Refusals name the field; an unknown field is not silently ignored.
    let e = profile(json!({"anticoagulated": true})).unwrap_err();
    assert_eq!(e.errors[0].field, "profile.anticoagulated");
    let e = profile(json!({"conditions": ["gout"], "platelets": -3})).unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["profile.platelets", "profile.conditions[0]"]);
    assert_eq!(
        profile(json!({"pregnancy": "maybe"})).unwrap_err().errors[0].field,
        "profile"
    );
    // A count without its date is allowed in a check (it is not recent).
    assert!(profile(json!({"chemotherapy": {"neutrophils": 0.3}})).is_ok());
}

#[test]
fn more_request_shapes() {
    // A skin check as {done, findings}; conditions as objects.
    let mut s = pts(&["KI3"]);
    s["skin_check"] = json!({"done": true, "findings": ["none"]});
    assert_eq!(ids(json!({"diabetes": true}), s.clone()), NONE);
    s["skin_check"] = json!({"done": true, "findings": ["ulcer"]});
    assert_eq!(ids(json!({}), s.clone()), ["SKIN_BREACH"]);
    s["skin_check"] = json!({"done": false});
    assert_eq!(ids(json!({"diabetes": true}), s), ["FOOT_NO_SKIN_CHECK"]);
    let p = ProfileInput::from_json(&json!({"conditions": [{"code": "chemotherapy_induced"}]})).unwrap();
    assert_eq!(p.conditions, ["chemotherapy_induced"]);
}

/// The rule ids for a stored profile (a patient record: an item left out
/// is not recorded) and a planned session on 2026-11-25.
fn stored_ids(profile: Value, session: Value) -> Vec<(Severity, &'static str)> {
    let p: acumen_domain::SafetyProfile = serde_json::from_value(profile).unwrap();
    let s: PlannedSessionInput = serde_json::from_value(session).unwrap();
    let plan = s.plan(day_of("2026-11-25").unwrap(), None).unwrap();
    check(&p, &[], &plan)
        .into_iter()
        .map(|f| (f.severity, f.rule_id))
        .collect()
}

#[test]
fn an_item_not_recorded_asks_for_it_before_needling() {
    use Severity::Warning;
    // Nothing recorded; ST36 (leg) and KI1 (sole of the foot), manual needling.
    let asks = [
        (Warning, "BLEED_SEVERE"),
        (Warning, "ANC_LOW"),
        (Warning, "FOOT_NO_SKIN_CHECK"),
        (Warning, "ANTICOAG"),
        (Warning, "LYMPH_LIMB"),
    ];
    assert_eq!(stored_ids(json!({}), pts(&["ST36", "KI1"])), asks);
    // The same in a check request, where the items are written as null.
    let nulls = json!({"pregnancy": null, "anticoagulant": null, "bleeding_disorder": null, "implanted_device": null,
                       "diabetes": null, "reduced_sensation": null, "chemotherapy": null, "lymphoedema": "not_recorded"});
    assert!(ProfileInput::from_json(&nulls).is_err(), "a list is not a word");
    let nulls = json!({"pregnancy": null, "anticoagulant": "not_recorded", "bleeding_disorder": null, "implanted_device": null,
                       "diabetes": null, "reduced_sensation": null, "chemotherapy": null, "lymphoedema": null});
    assert_eq!(rules(nulls.clone(), pts(&["ST36", "KI1"])), asks);
    // A pregnancy-caution point asks for pregnancy; electrical stimulation for implanted devices.
    let mut ea = pts(&["SP6"]);
    ea["stimulation"] = json!("electrical");
    let got = rules(nulls, ea);
    assert!(got.contains(&(Warning, "PREG_POINT")), "{got:?}");
    assert!(got.contains(&(Warning, "DEVICE_EA")), "{got:?}");
    // Everything recorded as no: nothing to ask.
    let no = json!({"pregnancy": "no", "anticoagulant": false, "bleeding_disorder": "none", "implanted_device": false,
                    "diabetes": false, "reduced_sensation": [], "chemotherapy": false, "lymphoedema": []});
    assert_eq!(stored_ids(no.clone(), pts(&["ST36", "KI1", "SP6"])), []);
    // Diabetes recorded as no but reduced sensation not recorded: the foot still asks.
    let mut part = no;
    part["reduced_sensation"] = Value::Null;
    assert_eq!(
        stored_ids(part.clone(), pts(&["KI1"])),
        [(Warning, "FOOT_NO_SKIN_CHECK")]
    );
    // ... unless the skin of both feet was checked at this visit.
    let mut checked = pts(&["KI1"]);
    checked["skin_check"] = json!(["none"]);
    assert_eq!(stored_ids(part, checked), []);
    // A recorded yes still gives its own finding, not an ask.
    let p = acumen_domain::SafetyProfile {
        anticoagulant: Some(true),
        ..acumen_domain::SafetyProfile::all_no()
    };
    let plan = serde_json::from_value::<PlannedSessionInput>(pts(&["ST36"]))
        .unwrap()
        .plan(day_of("2026-11-25").unwrap(), None)
        .unwrap();
    let f = check(&p, &[], &plan);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].reason.starts_with("The patient takes an anticoagulant"),
        "{}",
        f[0].reason
    );
}

#[test]
fn a_profile_says_what_is_not_recorded_and_what_is_flagged() {
    let p: acumen_domain::SafetyProfile =
        serde_json::from_value(json!({"anticoagulant": true, "diabetes": false, "lymphoedema": ["left_arm"]})).unwrap();
    assert_eq!(
        p.not_recorded(),
        [
            "pregnancy",
            "bleeding disorder",
            "chemotherapy",
            "implanted electrical device",
            "reduced sensation"
        ]
    );
    assert_eq!(p.flags(), ["takes an anticoagulant", "lymphoedema: left arm"]);
    // A stored profile keeps "not recorded" as null through a round trip.
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["implanted_device"], Value::Null);
    assert_eq!(v["diabetes"], json!(false));
    assert_eq!(serde_json::from_value::<acumen_domain::SafetyProfile>(v).unwrap(), p);
    assert!(acumen_domain::SafetyProfile::all_no().not_recorded().is_empty());
}
