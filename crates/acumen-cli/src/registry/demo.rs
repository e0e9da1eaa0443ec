//! A simulated demo clinic (`acumen demo`, `acumen serve --demo`): every
//! name is invented and every record is marked SIMULATED. Seeded and
//! reproducible. Adverse events follow the per-patient rates in
//! `data/demo_adverse_event_rates.csv` (Witt et al. 2009).

use acumen_domain::{check, SafetyProfile, SessionInput, Validate};
use acumen_knowledge::conditions::CONDITIONS;
use acumen_store::{Actor, NewUser, Placement, Store};
use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::{db_path, is_postgres, open_sqlite};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::json;

/// Password of every demo account (printed by `serve --demo`).
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// Per-patient, per-course adverse-event probabilities (see the data file).
const AE_RATES: [(&str, f64); 5] = [
    ("bleeding_haematoma", 0.06),
    ("needle_site_pain", 0.02),
    ("fainting_vasovagal", 0.005),
    ("nausea", 0.005),
    ("pneumothorax", 0.000_009),
];

const GIVEN: [&str; 16] = [
    "Ada", "Ben", "Cleo", "Dev", "Ema", "Finn", "Gus", "Hana", "Ivo", "Jia", "Kai", "Lea", "Milo", "Nia", "Omar", "Pia",
];
const FAMILY: [&str; 12] = [
    "Simwell", "Demoson", "Fictor", "Samplova", "Mockford", "Testaro", "Pretendi", "Imagin", "Invento", "Synthe",
    "Madeup", "Notreal",
];

/// Points per condition, as used in the neuropathy trials (data/SOURCES in shared notes).
fn points_for(condition: &str) -> &'static [&'static str] {
    match condition {
        "diabetic_polyneuropathy" | "polyneuropathy_unspecified" => &["ST36", "SP6", "KI3", "LR3", "EX-LE10"],
        "chemotherapy_induced" => &["LI4", "PC6", "LR3", "GB42", "EX-LE10", "EX-UE9"],
        "carpal_tunnel" => &["PC7", "PC6", "LI4", "TE5"],
        "postherpetic_neuralgia" => &["LI4", "LR3", "GB34", "EX-B2"],
        "trigeminal_neuralgia" => &["ST7", "SI18", "LI4", "LR3"],
        _ => &["LI4", "LR3", "ST36", "GB34"],
    }
}

/// Fills `store` with one simulated clinic of `patients` patients. Finished
/// courses lie in February to May 2026; the courses still running (the
/// portal patient's and the last 5%) are dated back from `today`, so the
/// demo's day view and diary are live on any day.
pub async fn generate(store: &dyn Store, patients: usize, seed: u64, today: time::Date) -> Result<()> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // Follow-up draws come from their own stream, so the rest of the demo
    // stays the same clinic it was before follow-up existed.
    let mut fu_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x0F01_10F0);
    let clinic = store
        .create_clinic("Simulated Demo Clinic (SIMULATED DATA)", true)
        .await?;
    let hash = acumen_store::password::hash(DEMO_PASSWORD)?;
    let user = |email: &str, name: &str, role: &str| NewUser {
        clinic_id: clinic.id,
        email: email.into(),
        name: name.into(),
        role: role.into(),
        password_hash: hash.clone(),
        patient_id: None,
    };
    let admin = store
        .create_user(user("admin@demo.acumen.test", "Demo Admin", "admin"))
        .await?;
    // The demo's follow-up texts are the shipped ones, enabled by its admin
    // (a demo logs its messages instead of sending them).
    let messaging = acumen_domain::messaging::Messaging {
        texts: acumen_domain::messaging::MessagingInput::defaults("Demo Clinic", "UTC", (21, 8)),
        revision: 1,
        enabled_revision: Some(1),
    };
    let admin_actor = Actor {
        user_id: admin.id,
        role: "admin".into(),
        clinic_id: clinic.id,
    };
    store
        .set_messaging(&admin_actor, &serde_json::to_value(&messaging)?, "messaging_enabled")
        .await?;
    let doc = store
        .create_user(user(
            "practitioner@demo.acumen.test",
            "Demo Practitioner",
            "practitioner",
        ))
        .await?;
    store
        .create_user(user("researcher@demo.acumen.test", "Demo Researcher", "researcher"))
        .await?;
    let portal = store
        .create_user(user("patient@demo.acumen.test", "Demo Patient", "patient"))
        .await?;
    let actor = Actor {
        user_id: doc.id,
        role: "practitioner".into(),
        clinic_id: clinic.id,
    };
    for i in 0..patients {
        let cond = &CONDITIONS[rng.random_range(0..CONDITIONS.len())];
        let sex = ["female", "male"][rng.random_range(0..2)];
        let mut p = json!({
            "given_name": GIVEN[rng.random_range(0..GIVEN.len())], "family_name": format!("{} (SIMULATED)", FAMILY[rng.random_range(0..FAMILY.len())]),
            "email": format!("sim{i:04}@example.invalid"), "year_of_birth": rng.random_range(1940..2000), "sex": sex,
            "safety": {"pregnancy": "no", "diabetes": cond.code == "diabetic_polyneuropathy", "anticoagulant": rng.random_bool(0.12),
                       "bleeding_disorder": "none", "implanted_device": false, "chemotherapy": false, "lymphoedema": [],
                       "reduced_sensation": if cond.code == "diabetic_polyneuropathy" { vec!["feet"] } else { vec![] }}
        });
        // Three in five agreed to follow-up by e-mail (and gave their date of birth).
        let consents = fu_rng.random_bool(0.6);
        if consents {
            let year = p["year_of_birth"].as_i64().unwrap_or(1960) as i32;
            let born = time::Date::from_calendar_date(year, time::Month::January, 1)?
                + time::Duration::days(fu_rng.random_range(0..365));
            p["date_of_birth"] = json!(born.to_string());
            p["follow_up"] = json!({"consent": true, "channel": "email"});
        }
        let profile: SafetyProfile = serde_json::from_value(p["safety"].clone())?;
        // Stored as the API stores it: every item recorded, in canonical form.
        p["safety"] = serde_json::to_value(&profile)?;
        let (patient, _) = store
            .insert_record(
                &actor,
                "patient",
                Placement {
                    patient_id: None,
                    parent_id: None,
                },
                p,
                None,
            )
            .await?;
        let at = Placement {
            patient_id: Some(patient.id),
            parent_id: Some(patient.id),
        };
        if i == 0 {
            store.link_patient(portal.id, patient.id).await?;
        }
        store
            .insert_record(
                &actor,
                "condition",
                at,
                json!({"code": cond.code, "regions": cond.regions}),
                None,
            )
            .await?;
        let interview: Vec<bool> = (0..7).map(|_| rng.random_bool(0.55)).collect();
        let exam: Vec<bool> = (0..3).map(|_| rng.random_bool(0.5)).collect();
        store
            .insert_record(
                &actor,
                "screening",
                at,
                json!({"date": "2026-01-05", "interview": interview, "examination": exam}),
                None,
            )
            .await?;
        let planned: u32 = rng.random_range(6..=12);
        let start_day = rng.random_range(1..=28);
        let lag = rng.random_range(0..=9);
        // A third do not respond; about one in six drops out. The last 5% of
        // patients are still in their course.
        let responder = rng.random_bool(0.65);
        let dropout_at = if rng.random_bool(0.17) {
            rng.random_range(2..planned)
        } else {
            planned + 1
        };
        let final_drop = if responder {
            rng.random_range(0.35..0.7)
        } else {
            rng.random_range(-0.1..0.2)
        };
        // The portal patient (the first) and the last 5% are still in their course.
        let ongoing = i == 0 || i >= patients - patients / 20;
        let attended = if ongoing {
            rng.random_range(1..planned)
        } else {
            planned.min(dropout_at)
        };
        // A running course's last session was `lag` days before today
        // (0-6: the next is due within the week; 7-9: overdue).
        let first_day = if ongoing {
            today - time::Duration::days(7 * (attended as i64 - 1) + lag)
        } else {
            time::Date::from_calendar_date(2026, time::Month::February, start_day as u8)?
        };
        let day_of = |n: u32| (first_day + time::Duration::days(7 * (n as i64 - 1))).to_string();
        let start = first_day.to_string();
        let mut course = json!({"condition": cond.code, "practitioner_id": doc.public_id, "style": "tcm", "intent": "treatment",
                            "planned_sessions": planned, "sessions_per_week": 1, "start": start, "consent_version": "demo-v1",
                            "status": if ongoing { "active" } else if dropout_at <= planned { "stopped" } else { "completed" }});
        if !ongoing && dropout_at <= planned {
            course["end_reason"] = json!("stopped attending (simulated)");
        }
        let (c, _) = store.insert_record(&actor, "course", at, course, None).await?;
        let under = Placement {
            patient_id: Some(patient.id),
            parent_id: Some(c.id),
        };
        let baseline: f64 = rng.random_range(4..=9) as f64;
        let outcome = |v: f64, tp: &str, n: Option<u32>, date: String| json!({"instrument": "nrs_average", "recall": "24h", "value": v, "timepoint": tp, "session_number": n, "date": date, "source": "clinician"});
        store
            .insert_record(
                &actor,
                "outcome",
                under,
                outcome(baseline, "baseline", None, start.clone()),
                None,
            )
            .await?;
        let mut had_ae = false;
        for n in 1..=attended {
            let date = day_of(n);
            let pts: Vec<_> = points_for(cond.code)
                .iter()
                .map(|code| {
                    let paravertebral = code.starts_with("EX-B");
                    json!({"code": code, "side": "bilateral", "depth_mm": if paravertebral { 8 } else { 10 },
                       "angle": if paravertebral { "oblique" } else { "perpendicular" }})
                })
                .collect();
            let mut session = json!({"at": date, "number": n, "points": pts, "stimulation": "manual", "retention_min": 20,
                                 "deqi_sought": true, "deqi_obtained": rng.random_bool(0.8), "skin_check": ["none"]});
            // The safety rules run as they do for a session entered through the API.
            let valid = serde_json::from_value::<SessionInput>(session.clone())?
                .validate()
                .map_err(|e| anyhow::anyhow!("demo session: {e}"))?;
            let findings = check(&profile, &[cond.code.to_string()], &valid.plan("treatment"));
            session["safety"] = serde_json::to_value(acumen_domain::gate::SessionSafety {
                findings,
                overridden: vec![],
            })?;
            let (s, _) = store.insert_record(&actor, "session", under, session, None).await?;
            let frac = n as f64 / planned as f64;
            let noise: f64 = rng.random_range(-0.8..0.8);
            let v = (baseline * (1.0 - final_drop * frac) + noise).round().clamp(0.0, 10.0);
            store
                .insert_record(
                    &actor,
                    "outcome",
                    under,
                    outcome(v, "session", Some(n), date.clone()),
                    None,
                )
                .await?;
            // The patient's global impression at the last session attended.
            if n == attended {
                let relief = 1.0 - v / baseline;
                let pgic = if relief >= 0.5 {
                    1
                } else if relief >= 0.3 {
                    2
                } else if relief >= 0.1 {
                    3
                } else {
                    4
                };
                let g = json!({"instrument": "pgic", "value": pgic, "timepoint": "session", "session_number": n,
                               "date": date, "source": "patient"});
                store.insert_record(&actor, "outcome", under, g, None).await?;
            }
            // After an ended course, the follow-ups 4 weeks and 3 months
            // later, when they have fallen due: answered through their link
            // by most who agreed to follow-up (70 %, then 55 %), by few of
            // the others (asked at a later visit or by phone: 25 %, 15 %).
            if n == attended && !ongoing {
                let end = first_day + time::Duration::days(7 * (n as i64 - 1));
                for (after, key, p_link, p_other) in [
                    (acumen_domain::followup::After::Weeks(4), "follow_up:4w", 0.7, 0.25),
                    (acumen_domain::followup::After::Months(3), "follow_up:3m", 0.55, 0.15),
                ] {
                    let due = after.from(end);
                    let answered = fu_rng.random_bool(if consents { p_link } else { p_other });
                    if due <= today && answered {
                        let later = (v + fu_rng.random_range(-1.0..1.5)).round().clamp(0.0, 10.0);
                        let mut o = outcome(later, "follow_up", None, due.to_string());
                        o["source"] = json!("patient");
                        if consents {
                            o["scheduled"] = json!(key);
                        }
                        store.insert_record(&actor, "outcome", under, o, None).await?;
                    }
                }
            }
            if !had_ae {
                for (kind, p) in AE_RATES {
                    if rng.random_bool(p / planned as f64) {
                        had_ae = true;
                        let serious = kind == "pneumothorax";
                        let ae = json!({"type": kind, "severity": if serious { "severe" } else { "mild" }, "ctcae_grade": if serious { 3 } else { 1 },
                                        "serious": serious, "causality": "probable", "outcome": "recovered", "onset": date, "resolved": date});
                        store
                            .insert_record(
                                &actor,
                                "adverse_event",
                                Placement {
                                    patient_id: Some(patient.id),
                                    parent_id: Some(s.id),
                                },
                                ae,
                                None,
                            )
                            .await?;
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}

/// `acumen demo` options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Database file to create.
    #[arg(long, default_value = "acumen-demo.db")]
    pub db: String,
    /// Number of simulated patients.
    #[arg(long, default_value_t = 320)]
    pub patients: usize,
    /// Random seed.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// Whether an existing file is an Acumen demo database (read-only look; nothing is written).
pub(crate) async fn is_demo_file(path: &Path) -> Result<bool> {
    use sqlx::ConnectOptions;
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = opts
        .connect()
        .await
        .with_context(|| format!("{}: not a SQLite database", path.display()))?;
    let demo: Option<i64> = sqlx::query_scalar("SELECT MAX(demo) FROM clinics")
        .fetch_one(&mut conn)
        .await
        .ok()
        .flatten();
    Ok(demo == Some(1))
}

/// Creates a demo database (refuses to overwrite an existing file).
pub async fn demo(a: &DemoArgs) -> Result<()> {
    let path = db_path(&a.db);
    if path.exists() {
        bail!(
            "{}: already exists; the demo is only written to a new file",
            path.display()
        );
    }
    if is_postgres(&a.db) {
        bail!("the demo is written to a new SQLite file; move it into PostgreSQL with `acumen migrate-db`");
    }
    let store = open_sqlite(&a.db).await?;
    eprintln!(
        "acumen: generating {} simulated patients into {} ...",
        a.patients,
        path.display()
    );
    generate(&store, a.patients, a.seed, time::OffsetDateTime::now_utc().date()).await?;
    store.shutdown().await?;
    println!(
        "created SIMULATED demo database {} ({} patients, seed {})",
        path.display(),
        a.patients,
        a.seed
    );
    Ok(())
}
