//! Test server on port 0 with a fresh SQLite file (or a fresh PostgreSQL
//! database), and logged-in clients. `on_both!` runs a test on each backend.

use std::sync::Arc;

use acumen_store::{NewUser, SqliteStore, Store};
use reqwest::{redirect::Policy, Client, Response};
use serde_json::{json, Value};

pub const KEY: &[u8] = b"test-audit-key-0123456789abcdef0123456789";
pub const PASSWORD: &str = "correct horse battery";

/// Runs the test body on SQLite and, when `ACUMEN_TEST_PG_URL` is set, on
/// PostgreSQL: `on_both! { async fn name(app) { ... } }` makes the tests
/// `name::sqlite` and `name::postgres`.
macro_rules! on_both {
    (async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let $app = crate::helpers::spawn().await;
                $body
            }
            #[tokio::test]
            #[cfg_attr(
                not(pg_tests),
                ignore = "needs PostgreSQL: set ACUMEN_TEST_PG_URL when building and running (.ci/run does)"
            )]
            async fn postgres() {
                let Some($app) = crate::helpers::spawn_pg().await else {
                    return;
                };
                $body
            }
        }
    };
}

#[allow(dead_code)]
#[path = "../../../acumen-store/tests/store/helpers.rs"]
pub mod store_helpers;

pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub sqlite: Option<Arc<SqliteStore>>,
    /// For PostgreSQL: superuser options on the test database.
    pub pg_admin: Option<sqlx::postgres::PgConnectOptions>,
    pub other_clinic: i64,
    /// The server's state (for running the follow-up worker at a fixed time).
    pub state: acumen_web::AppState,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn() -> TestApp {
    let dir = std::env::temp_dir().join(format!("acumen-api-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("t.db");
    let store = Arc::new(SqliteStore::open(db.to_str().unwrap(), KEY).await.unwrap());
    spawn_on(store.clone(), Some(store), None).await
}

/// A test server (SQLite) that sends follow-up messages through `delivery`.
pub async fn spawn_with_follow_up(delivery: acumen_web::delivery::Delivery) -> TestApp {
    let dir = std::env::temp_dir().join(format!("acumen-api-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("t.db");
    let store = Arc::new(SqliteStore::open(db.to_str().unwrap(), KEY).await.unwrap());
    spawn_on(store.clone(), Some(store), Some(delivery)).await
}

/// A test server on a fresh PostgreSQL database (None without `ACUMEN_TEST_PG_URL`).
pub async fn spawn_pg() -> Option<TestApp> {
    let url = store_helpers::pg_url()?;
    let backend = store_helpers::postgres_with_key(&url, KEY).await;
    let mut app = spawn_on(backend.store, None, None).await;
    app.pg_admin = backend.pg_admin;
    Some(app)
}

async fn spawn_on(
    store: Arc<dyn Store>,
    sqlite: Option<Arc<SqliteStore>>,
    delivery: Option<acumen_web::delivery::Delivery>,
) -> TestApp {
    let clinic = store.create_clinic("North Clinic", false).await.unwrap().id;
    let other_clinic = store.create_clinic("South Clinic", false).await.unwrap().id;
    let hash = acumen_web::auth::hash_password(PASSWORD.into()).await.unwrap();
    for (c, email, role) in [
        (clinic, "admin@north.test", "admin"),
        (clinic, "doc@north.test", "practitioner"),
        (clinic, "res@north.test", "researcher"),
        (other_clinic, "doc@south.test", "practitioner"),
    ] {
        store
            .create_user(NewUser {
                clinic_id: c,
                email: email.into(),
                name: email.into(),
                role: role.into(),
                password_hash: hash.clone(),
                patient_id: None,
            })
            .await
            .unwrap();
    }
    let mut state = acumen_web::AppState::new(store.clone(), None).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    if let Some(delivery) = delivery {
        state.follow_up = Some(Arc::new(acumen_web::service::follow_up::FollowUp {
            key: KEY.to_vec(),
            delivery,
            zone: acumen_domain::outreach::ClinicZone::utc(),
            plan: Default::default(),
            base_url: base.trim_end_matches("/api/v1").to_string(),
            running: Default::default(),
        }));
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(acumen_web::serve(listener, state.clone(), async move {
        let _ = rx.await;
    }));
    TestApp {
        base,
        store,
        sqlite,
        pg_admin: None,
        other_clinic,
        state,
        _shutdown: tx,
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst) * 1000
        + (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64
            % 1000)
}

impl TestApp {
    /// The SQLite store (for tests of SQLite itself).
    pub fn sqlite(&self) -> &SqliteStore {
        self.sqlite.as_deref().expect("an SQLite test app")
    }

    /// The audit checkpoint beside an SQLite file (PostgreSQL keeps none).
    pub fn checkpoint(&self) -> Option<(i64, String)> {
        self.sqlite.as_ref().and_then(|s| s.read_checkpoint())
    }

    /// The site's origin (`http://127.0.0.1:PORT`).
    pub fn origin(&self) -> String {
        self.base.trim_end_matches("/api/v1").to_string()
    }

    /// A client that keeps cookies and names this site as its `Origin`, as
    /// a browser does on every write.
    pub fn browser_client(&self) -> reqwest::ClientBuilder {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("origin", self.origin().parse().unwrap());
        Client::builder().cookie_store(true).default_headers(h)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client logged in with the session cookie.
    pub async fn login(&self, email: &str) -> Client {
        let c = self.browser_client().build().unwrap();
        let r = c
            .post(self.url("/auth/login"))
            .json(&login_body(email, PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {email}");
        c
    }
}

/// The clinic code of a test e-mail: `…@south.test` logs in to South Clinic,
/// everyone else to North Clinic.
pub fn clinic_of(email: &str) -> &'static str {
    if email.ends_with("@south.test") {
        "south-clinic"
    } else {
        "north-clinic"
    }
}

/// A login body naming the clinic of `email`.
pub fn login_body(email: &str, password: &str) -> Value {
    json!({"clinic": clinic_of(email), "email": email, "password": password})
}

pub async fn body(r: Response) -> Value {
    r.json().await.unwrap_or(Value::Null)
}

pub fn patient_json(name: &str) -> Value {
    json!({"given_name": name, "family_name": "Testpatient", "email": format!("{}@mail.test", name.to_lowercase()),
           "phone": "+44 20 7946 0000", "year_of_birth": 1957, "sex": "female",
           "safety": {"pregnancy": "no", "diabetes": true, "reduced_sensation": ["feet"]}})
}

pub fn course_json() -> Value {
    json!({"condition": "diabetic_polyneuropathy", "style": "tcm", "intent": "treatment", "planned_sessions": 10,
           "sessions_per_week": 1, "start": "2026-10-01", "consent_version": "v2"})
}

pub fn session_json(code: &str) -> Value {
    json!({"at": "2026-10-01T09:00:00Z", "number": 1, "stimulation": "manual", "retention_min": 20,
           "points": [{"code": code, "side": "bilateral", "depth_mm": 10, "angle": "perpendicular"}],
           "skin_check": ["none"], "note": "Tolerated well; discussed footwear"})
}

pub fn outcome_json(value: f64, source: &str) -> Value {
    json!({"instrument": "nrs_average", "recall": "24h", "value": value, "timepoint": "session", "session_number": 1,
           "date": "2026-10-01", "source": source})
}

/// Creates a patient and returns its id.
pub async fn new_patient(app: &TestApp, c: &Client, name: &str) -> String {
    new_patient_from(app, c, &patient_json(name)).await
}

/// Creates a patient from a full record and returns its id.
pub async fn new_patient_from(app: &TestApp, c: &Client, patient: &Value) -> String {
    let r = c.post(app.url("/patients")).json(patient).send().await.unwrap();
    body(r).await["id"].as_str().unwrap().to_string()
}

/// Starts a course for a patient and returns its id.
pub async fn new_course(app: &TestApp, c: &Client, patient: &str) -> String {
    let r = c
        .post(app.url(&format!("/patients/{patient}/courses")))
        .json(&course_json())
        .send()
        .await
        .unwrap();
    body(r).await["id"].as_str().unwrap().to_string()
}

/// A browser logged in through the login form, following no redirects.
pub async fn browser(app: &TestApp, email: &str) -> Client {
    let c = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(page(app, "/login"))
        .header("Origin", app.base.trim_end_matches("/api/v1"))
        .form(&[("clinic", clinic_of(email)), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login {email}");
    c
}

/// The address of a page (outside `/api/v1`).
pub fn page(app: &TestApp, path: &str) -> String {
    format!("{}{}", app.base.trim_end_matches("/api/v1"), path)
}

/// North's admin enables the clinic's follow-up texts as shown (revision from GET).
pub async fn enable_messages(app: &TestApp) {
    let admin = app.login("admin@north.test").await;
    let v = body(admin.get(app.url("/admin/follow-up")).send().await.unwrap()).await;
    let r = admin
        .post(app.url("/admin/follow-up/enable"))
        .json(&serde_json::json!({"revision": v["revision"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// North Clinic's id.
pub async fn north_id(app: &TestApp) -> i64 {
    app.store
        .clinics()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "North Clinic")
        .unwrap()
        .id
}

/// A patient who agreed to follow-up by e-mail (born 1957-04-12); their public id.
pub async fn consenting_patient(app: &TestApp, doc: &Client, name: &str) -> String {
    let mut p = patient_json(name);
    p["date_of_birth"] = json!("1957-04-12");
    p["follow_up"] = json!({"consent": true, "channel": "email"});
    new_patient_from(app, doc, &p).await
}
