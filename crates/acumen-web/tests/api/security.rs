//! The security suite: each attack of the hardening issue, sent as an
//! attacker would send it, with what must hold instead. Tests that touch
//! storage run on SQLite and PostgreSQL (`on_both!`).

use std::time::{Duration, Instant};

use reqwest::{redirect::Policy, Client};
use serde_json::json;

use crate::helpers::*;

/// A `multipart/form-data` body with the given text fields and one file.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "acumen-test-boundary-7d1f";
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").bytes());
    }
    if let Some((name, bytes)) = file {
        b.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend(b"\r\n");
    }
    b.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

fn no_redirects() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

// 1. The engine runs off the executor, with a budget, a size limit and a
//    per-user limit; the rest of the server keeps answering.
on_both! {
async fn slow_uploads_do_not_stall_the_server(app) {
    // 15,000 studies with a random-effects fit and every diagnostic
    // (influence refits k times): far past the 10 s budget.
    let mut csv = String::from("yi,vi\n");
    for i in 0..15_000 {
        csv.push_str(&format!("{:.4},{:.4}\n", ((i * 37) % 101) as f64 / 50.0 - 1.0, 0.01 + (i % 17) as f64 / 100.0));
    }
    let users = [app.login("doc@north.test").await, app.login("res@north.test").await];
    let (ct, body) = multipart(&[("dataset", "bcg"), ("measure", ""), ("method", "REML")], Some(("big.csv", csv.as_bytes())));
    let mut runs = Vec::new();
    for c in users.iter().cloned() {
        let (url, ct, body) = (format!("{}/evidence", app.origin()), ct.clone(), body.clone());
        runs.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = c.post(url).header("content-type", ct).body(body).send().await.unwrap();
            (r.status(), r.text().await.unwrap(), t.elapsed())
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let admin = app.login("admin@north.test").await;
    let mut worst = Duration::ZERO;
    while runs.iter().any(|r| !r.is_finished()) {
        let t = Instant::now();
        let r = admin.get(app.url("/me")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        worst = worst.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(worst < Duration::from_secs(2), "GET /me took {worst:?} while two analyses ran");
    for r in runs {
        let (status, html, took) = r.await.unwrap();
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("ran past its 10 s budget"), "{html}");
        assert!(took < Duration::from_secs(40), "stopped by the budget, took {took:?}");
    }
    // A second analysis by the same user while one runs: 429.
    let doc = &users[0];
    let slow = {
        let (c, url, ct, body) = (doc.clone(), format!("{}/evidence", app.origin()), ct.clone(), body.clone());
        tokio::spawn(async move { c.post(url).header("content-type", ct).body(body).send().await.unwrap().status() })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (ct2, small) = multipart(&[("dataset", "bcg"), ("measure", "RR"), ("method", "REML")], None);
    let r = doc.post(format!("{}/evidence", app.origin())).header("content-type", ct2).body(small).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(slow.await.unwrap(), 422);
    // An upload over the size limit is refused in words.
    let big = vec![b'1'; 600 * 1024];
    let (ct3, over) = multipart(&[("dataset", "bcg"), ("measure", ""), ("method", "REML")], Some(("huge.csv", &big)));
    let r = doc.post(format!("{}/evidence", app.origin())).header("content-type", ct3).body(over).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at most 512 KB"));
}
}

// 3. `next=` is honoured only for strict same-site paths; no header is built
//    from unchecked input.
on_both! {
async fn login_next_is_never_an_open_redirect(app) {
    let c = no_redirects();
    for (next, want) in [
        ("/%5C/evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("//evil.example", "/"),
        ("/%0A", "/"),
        ("/%7F", "/"),
        ("https://evil.example/", "/"),
        ("/patients", "/patients"),
    ] {
        let r = c
            .post(format!("{}/login", app.origin()))
            .header("origin", app.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("clinic=north-clinic&email=doc%40north.test&password={}&next={next}", PASSWORD.replace(' ', "+")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(r.headers()["location"], want, "{next}");
    }
    let page = c.get(format!("{}/login?next=/%5C/evil.example", app.origin())).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(!page.text().await.unwrap().contains("evil.example"));
}
}

// 4. Unsafe requests with the cookie must name this site; a cross-site
//    login form is refused (login CSRF).
on_both! {
async fn cookie_writes_and_login_need_this_origin(app) {
    let doc = app.login("doc@north.test").await;
    let cookie_only = Client::builder().cookie_store(true).build().unwrap();
    let r = cookie_only
        .post(app.url("/auth/login"))
        .json(&login_body("doc@north.test", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "API login without Origin (a script, not a browser)");
    let r = cookie_only.post(app.url("/patients")).json(&patient_json("Mallory")).send().await.unwrap();
    assert_eq!(r.status(), 403, "a cookie write without Origin");
    let r = cookie_only
        .post(app.url("/patients"))
        .header("referer", "https://evil.example/")
        .json(&patient_json("Mallory"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a foreign Referer alone");
    let r = cookie_only
        .post(app.url("/patients"))
        .header("sec-fetch-site", "same-origin")
        .json(&patient_json("Sam"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "Sec-Fetch-Site: same-origin");
    for origin in ["https://evil.example", "null", "http://127.0.0.1:1"] {
        let r = doc.post(app.url("/patients")).header("origin", origin).json(&patient_json("Mallory")).send().await.unwrap();
        assert_eq!(r.status(), 403, "{origin}");
    }
    let c = no_redirects();
    for (h, v) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let r = c
            .post(format!("{}/login", app.origin()))
            .header(h, v)
            .form(&[("clinic", "north-clinic"), ("email", "doc@north.test"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "cross-site login form ({h}: {v})");
        assert!(r.headers().get("set-cookie").is_none());
    }
    let r = c.post(format!("{}/login", app.origin())).form(&[("clinic", "north-clinic"), ("email", "doc@north.test"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), 403, "a login form post without Origin");
    let patients = crate::helpers::body(doc.get(app.url("/patients")).send().await.unwrap()).await;
    assert_eq!(patients.as_array().unwrap().len(), 1, "only Sam was written");
}
}

// 5. Security headers on every answer.
on_both! {
async fn every_answer_carries_the_security_headers(app) {
    let c = no_redirects();
    for path in ["/login", "/answers", "/api/v1/openapi.json", "/api/v1/me", "/patients", "/static/app.css", "/nowhere"] {
        let r = c.get(format!("{}{path}", app.origin())).send().await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.contains_key("permissions-policy"), "{path}");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
        assert!(!h.contains_key("strict-transport-security"), "{path}: plain http has no HSTS");
    }
}
}

/// Fires `n` logins at once; the statuses in order of the attempts.
async fn login_burst(app: &TestApp, attempts: Vec<(String, String)>) -> Vec<u16> {
    let c = Client::new();
    let mut tasks = Vec::new();
    for (email, password) in attempts {
        let (c, url) = (c.clone(), app.url("/auth/login"));
        tasks.push(tokio::spawn(async move {
            c.post(url)
                .json(&login_body(&email, &password))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn count(statuses: &[u16], s: u16) -> usize {
    statuses.iter().filter(|x| **x == s).count()
}

// 2. Attempts are counted before argon2 runs: parallel bursts cannot pass the limits.
on_both! {
async fn parallel_login_bursts_cannot_pass_the_limits(app) {
    // 40 parallel wrong passwords for one account: 5 answered 401, 35 answered 429.
    let wrong = |e: &str| (e.to_string(), "wrong password!".to_string());
    let s = login_burst(&app, (0..40).map(|_| wrong("doc@north.test")).collect()).await;
    assert_eq!((count(&s, 401), count(&s, 429)), (5, 35), "{s:?}");
    // A locked account says when to try again, and a made-up one says exactly the same.
    let c = Client::new();
    let locked = c.post(app.url("/auth/login")).json(&login_body("doc@north.test", PASSWORD)).send().await.unwrap();
    assert_eq!(locked.status(), 429, "even the right password waits");
    let retry: i64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "bounded: {retry} s");
    let locked = crate::helpers::body(locked).await;
    assert_eq!(locked["message"], "too many failed logins; try again in 15 minute(s)");
    for _ in 0..5 {
        c.post(app.url("/auth/login")).json(&login_body("nobody@north.test", "x")).send().await.unwrap();
    }
    let ghost = crate::helpers::body(
        c.post(app.url("/auth/login")).json(&login_body("nobody@north.test", "x")).send().await.unwrap(),
    )
    .await;
    assert_eq!(ghost["message"], locked["message"], "no account: the same answer");
    assert_eq!(ghost["error"], locked["error"]);
}
}

on_both! {
async fn the_right_password_in_a_burst_gets_no_more_than_five_tries(app) {
    // 200 parallel attempts on one account, the right password at 100: at
    // most 5 failures are ever checked, so the right one is answered 200
    // only if it was among the first 5 counted, and 429 otherwise.
    let attempts = (0..200)
        .map(|i| ("admin@north.test".to_string(), if i == 100 { PASSWORD.to_string() } else { format!("guess {i:03} !") }))
        .collect();
    let s = login_burst(&app, attempts).await;
    assert!(count(&s, 401) <= 5, "{} failures checked", count(&s, 401));
    assert_eq!(count(&s, 401) + count(&s, 200) + count(&s, 429), 200);
    if s[100] == 200 {
        assert!(count(&s, 401) <= 5);
    } else {
        assert_eq!(s[100], 429);
    }
}
}

on_both! {
async fn one_address_cannot_pass_its_limit_across_accounts(app) {
    // 60 parallel failures from one address over 60 accounts: 20 checked.
    let s = login_burst(&app, (0..60).map(|i| (format!("user{i}@north.test"), "wrong password!".to_string())).collect()).await;
    assert_eq!((count(&s, 401), count(&s, 429)), (20, 40), "{s:?}");
}
}

// 6. Sliding idle expiry renewed on activity, a new session id at login.
on_both! {
async fn sessions_slide_and_rotate(app) {
    let c = app.browser_client().redirect(Policy::none()).build().unwrap();
    let login = |c: Client| {
        let url = app.url("/auth/login");
        async move {
            let r = c.post(url).json(&login_body("doc@north.test", PASSWORD)).send().await.unwrap();
            r.headers()["set-cookie"].to_str().unwrap().to_string()
        }
    };
    let first = login(c.clone()).await;
    assert!(first.contains("Max-Age=1800") && first.contains("HttpOnly") && first.contains("SameSite=Strict"), "{first}");
    let token = |cookie: &str| cookie.split(';').next().unwrap().trim_start_matches("acumen_session=").to_string();
    let me = c.get(app.url("/me")).send().await.unwrap();
    let renewed = me.headers()["set-cookie"].to_str().unwrap().to_string();
    assert_eq!(token(&renewed), token(&first), "the same session, renewed");
    assert!(renewed.contains("Max-Age=1800"), "{renewed}");
    // Logging in again gives a new id and ends the old session.
    let second = login(c.clone()).await;
    assert_ne!(token(&second), token(&first));
    let old = Client::new()
        .get(app.url("/me"))
        .header("cookie", format!("acumen_session={}", token(&first)))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the pre-login session id no longer works");
    assert!(Client::new().get(app.url("/me")).send().await.unwrap().headers().get("set-cookie").is_none());
}
}

// 8. Idempotency keys are scoped to (user, method, path), bound to their
//    body, refused while in flight, and expire.
on_both! {
async fn idempotency_keys_are_scoped_and_bound_to_their_body(app) {
    let doc = app.login("doc@north.test").await;
    let p = new_patient(&app, &doc, "Alice").await;
    let course = new_course(&app, &doc, &p).await;
    let post = |url: String, body: serde_json::Value| {
        let doc = doc.clone();
        async move {
            let r = doc.post(url).header("idempotency-key", "K-1").json(&body).send().await.unwrap();
            (r.status().as_u16(), crate::helpers::body(r).await)
        }
    };
    let (s, outcome) = post(app.url(&format!("/courses/{course}/outcomes")), outcome_json(6.0, "clinician")).await;
    assert_eq!(s, 201);
    let (s, patient) = post(app.url("/patients"), patient_json("Bob")).await;
    assert_eq!(s, 201, "the key on another path is another key: {patient}");
    assert_ne!(patient["id"], outcome["id"]);
    let (s, again) = post(app.url("/patients"), patient_json("Bob")).await;
    assert_eq!((s, &again["id"]), (200, &patient["id"]), "a retry replays");
    let (s, other) = post(app.url("/patients"), patient_json("Carol")).await;
    assert_eq!(s, 422, "{other}");
    assert_eq!(other["errors"][0]["field"], "Idempotency-Key");
    // Another user's identical key is theirs alone.
    let admin = app.login("admin@north.test").await;
    let r = admin.post(app.url("/patients")).header("idempotency-key", "K-1").json(&patient_json("Bob")).send().await.unwrap();
    assert_eq!(r.status(), 201);
    // Twenty identical requests at once: one write; the others replay it or are told it is in flight.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (doc, url) = (doc.clone(), app.url("/patients"));
        tasks.push(tokio::spawn(async move {
            doc.post(url).header("idempotency-key", "K-burst").json(&patient_json("Dora")).send().await.unwrap().status().as_u16()
        }));
    }
    let mut s = Vec::new();
    for t in tasks {
        s.push(t.await.unwrap());
    }
    assert_eq!(count(&s, 201), 1, "{s:?}");
    assert_eq!(count(&s, 201) + count(&s, 200) + count(&s, 409), 20, "{s:?}");
    let all = crate::helpers::body(doc.get(app.url("/patients")).send().await.unwrap()).await;
    let doras = all.as_array().unwrap().iter().filter(|p| p["data"]["given_name"] == "Dora").count();
    assert_eq!(doras, 1);
}
}

// 7. No answer to one clinic depends on another clinic's data: accounts are
//    per clinic and every login failure looks the same.
on_both! {
async fn accounts_are_per_clinic_and_login_failures_look_alike(app) {
    let admin = app.login("admin@north.test").await;
    // An e-mail South uses is free in North: North learns nothing about South.
    let new_user = |email: &str| json!({"email": email, "name": "Dr Two Clinics", "role": "practitioner", "password": "north password 1"});
    let r = admin.post(app.url("/users")).json(&new_user("doc@south.test")).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = admin.post(app.url("/users")).json(&new_user("doc@south.test")).send().await.unwrap();
    assert_eq!(r.status(), 409, "taken within the clinic itself");
    // The same person, two accounts: the clinic code picks which.
    let c = Client::new();
    let login = |clinic: &str, email: &str, password: &str| {
        let req = c.post(app.url("/auth/login")).json(&json!({"clinic": clinic, "email": email, "password": password}));
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), crate::helpers::body(r).await)
        }
    };
    let (s, north) = login("north-clinic", "doc@south.test", "north password 1").await;
    let (s2, south) = login("South-Clinic", "doc@south.test", PASSWORD).await;
    assert_eq!((s, s2), (200, 200));
    assert_ne!(north["user"]["id"], south["user"]["id"]);
    assert_eq!(north["user"]["name"], "Dr Two Clinics");
    // Wrong clinic, unknown clinic, unknown e-mail, wrong password: one answer.
    let failures = [
        login("north-clinic", "doc@south.test", PASSWORD).await,
        login("no-such-clinic", "doc@north.test", PASSWORD).await,
        login("north-clinic", "nobody@north.test", PASSWORD).await,
        login("north-clinic", "doc@north.test", "not the password").await,
    ];
    for f in &failures {
        assert_eq!(f, &failures[0], "every failure answers alike");
    }
    assert_eq!(failures[0].0, 401);
    // With two clinics in the database, a login must name its clinic.
    let r = c.post(app.url("/auth/login")).json(&json!({"email": "doc@north.test", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 401);
}
}

fn is_opaque(v: &serde_json::Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

// 7. Ids are opaque: nothing in one clinic's answers moves with another
//    clinic's writes, and internal keys are not accepted in URLs.
on_both! {
async fn ids_are_opaque_and_never_show_other_clinics_activity(app) {
    let north = app.login("doc@north.test").await;
    let south = app.login("doc@south.test").await;
    let admin = app.login("admin@north.test").await;
    let first = crate::helpers::body(north.post(app.url("/patients")).json(&patient_json("Ann")).send().await.unwrap()).await;
    let audit_before = crate::helpers::body(admin.get(app.url("/audit")).send().await.unwrap()).await;
    for i in 0..5 {
        let r = south.post(app.url("/patients")).json(&patient_json(&format!("South{i}"))).send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    let second = crate::helpers::body(north.post(app.url("/patients")).json(&patient_json("Bea")).send().await.unwrap()).await;
    for rec in [&first, &second] {
        assert!(is_opaque(&rec["id"]) && is_opaque(&rec["patient_id"]), "{rec}");
    }
    let course = new_course(&app, &north, second["id"].as_str().unwrap()).await;
    let c = crate::helpers::body(north.get(app.url(&format!("/courses/{course}"))).send().await.unwrap()).await;
    assert!(is_opaque(&c["id"]) && c["patient_id"] == second["id"], "{c}");
    // North's audit log numbers North's entries only: South's five writes left no gap.
    let audit_after = crate::helpers::body(admin.get(app.url("/audit")).send().await.unwrap()).await;
    let seqs: Vec<i64> = audit_after.as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert!(seqs.len() > audit_before.as_array().unwrap().len());
    let last = audit_after.as_array().unwrap().iter().rev().find(|e| e["action"] == "create").unwrap();
    assert!(is_opaque(&last["record_id"]) && is_opaque(&last["user_id"]), "{last}");
    assert!(last.get("clinic_id").is_none() && last.get("id").is_none());
    // Users and tokens too; no clinic id in a user.
    let me = crate::helpers::body(north.get(app.url("/me")).send().await.unwrap()).await;
    assert!(is_opaque(&me["id"]) && me.get("clinic_id").is_none(), "{me}");
    let token = crate::helpers::body(north.post(app.url("/tokens")).json(&json!({"name": "t"})).send().await.unwrap()).await;
    assert!(is_opaque(&token["id"]), "{token}");
    // An internal key, another clinic's id and a made-up id are one and the same 404.
    let south_patient = crate::helpers::body(south.get(app.url("/patients")).send().await.unwrap()).await[0]["id"].clone();
    let mut answers = Vec::new();
    for id in ["1".to_string(), "2".into(), south_patient.as_str().unwrap().to_string(), "0".repeat(32)] {
        let r = north.get(app.url(&format!("/patients/{id}"))).send().await.unwrap();
        answers.push((r.status().as_u16(), r.text().await.unwrap()));
    }
    assert!(answers.iter().all(|a| *a == answers[0]) && answers[0].0 == 404, "{answers:?}");
    // The OpenAPI document says so.
    let doc = crate::helpers::body(north.get(app.url("/openapi.json")).send().await.unwrap()).await;
    assert_eq!(doc["components"]["schemas"]["Record"]["properties"]["id"]["type"], "string");
    assert_eq!(doc["paths"]["/api/v1/patients/{id}"]["get"]["parameters"][0]["schema"]["type"], "string");
}
}

// 10. Input hygiene: implausible dates, untrimmed text, huge notes, control
//     characters and 1e309 are refused with a 422 naming the field; a reset
//     revokes API tokens.
on_both! {
async fn malformed_values_are_422_naming_the_field(app) {
    let doc = app.login("doc@north.test").await;
    let p = new_patient(&app, &doc, "Hana").await;
    let post = |path: String, body: String| {
        let doc = doc.clone();
        async move {
            let r = doc.post(path).header("content-type", "application/json").body(body).send().await.unwrap();
            (r.status().as_u16(), crate::helpers::body(r).await)
        }
    };
    let url = app.url(&format!("/patients/{p}/courses"));
    for date in ["0000-01-01", "-0001-01-01", "9999-12-31"] {
        let mut c = course_json();
        c["start"] = json!(date);
        let (s, b) = post(url.clone(), c.to_string()).await;
        assert_eq!(s, 422, "{date}: {b}");
        assert_eq!(b["errors"][0]["field"], "start", "{date}: {b}");
    }
    let mut c = course_json();
    c["start"] = json!(" 2026-01-01 ");
    c["consent_version"] = json!("  v2\t");
    let (s, stored) = post(url.clone(), c.to_string()).await;
    assert_eq!(s, 201, "{stored}");
    assert_eq!((stored["data"]["start"].as_str(), stored["data"]["consent_version"].as_str()), (Some("2026-01-01"), Some("v2")));
    let course = stored["id"].as_str().unwrap().to_string();
    let sessions = app.url(&format!("/courses/{course}/sessions"));
    let mut s1 = session_json("LI4");
    s1["note"] = json!("x".repeat(1_000_000));
    let (s, b) = post(sessions.clone(), s1.to_string()).await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (422, Some("note")), "{}", &b.to_string()[..200.min(b.to_string().len())]);
    for (field, value) in [("note", "NUL \u{0} here"), ("note", "ESC \u{1b}[2J"), ("stimulation", "man\nual")] {
        let mut s1 = session_json("LI4");
        s1[field] = json!(value);
        let (s, b) = post(sessions.clone(), s1.to_string()).await;
        assert_eq!((s, b["errors"][0]["field"].as_str()), (422, Some(field)), "{value:?}: {b}");
    }
    let mut s1 = session_json("LI4");
    s1["note"] = json!("line one\nline two\tindented");
    let (s, b) = post(sessions.clone(), s1.to_string()).await;
    assert_eq!(s, 201, "newlines and tabs in a note are kept: {b}");
    let body = outcome_json(5.0, "clinician").to_string().replace("5.0", "1e309");
    let (s, b) = post(app.url(&format!("/courses/{course}/outcomes")), body).await;
    assert_eq!((s, b["errors"][0]["field"].as_str()), (422, Some("value")), "{b}");
    let (s, _) = post(app.url("/patients"), "{not json".into()).await;
    assert_eq!(s, 400, "only a body that is not JSON at all is a 400");

    // A password reset ends sessions and revokes the user's API tokens.
    let admin = app.login("admin@north.test").await;
    let token = crate::helpers::body(doc.post(app.url("/tokens")).json(&json!({"name": "script"})).send().await.unwrap()).await;
    let bearer = token["token"].as_str().unwrap().to_string();
    let api = Client::new();
    assert_eq!(api.get(app.url("/me")).bearer_auth(&bearer).send().await.unwrap().status(), 200);
    let users = crate::helpers::body(admin.get(app.url("/users")).send().await.unwrap()).await;
    let doc_id = users.as_array().unwrap().iter().find(|u| u["email"] == "doc@north.test").unwrap()["id"].as_str().unwrap().to_string();
    let link = crate::helpers::body(admin.post(app.url(&format!("/users/{doc_id}/reset-link"))).send().await.unwrap()).await;
    let r = api.post(app.url("/auth/reset")).json(&json!({"token": link["token"], "password": "a brand new password"})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(api.get(app.url("/me")).bearer_auth(&bearer).send().await.unwrap().status(), 401, "token revoked");
    assert_eq!(doc.get(app.url("/me")).send().await.unwrap().status(), 401, "session ended");
}
}
