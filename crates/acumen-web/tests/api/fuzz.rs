//! A bounded fuzz of every JSON endpoint the OpenAPI document lists: for
//! each operation, bodies drawn from its schema and then broken (wrong
//! types, out-of-range and non-finite numbers, control characters, long
//! text, unknown fields, deep nesting, not JSON at all) and path ids that
//! exist, do not, or are not numbers. Seeded, so a failure replays. Every
//! answer must be below 500 and no connection may drop.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use reqwest::{Client, Method};
use serde_json::{json, Map, Value};

use crate::helpers::*;

/// Cases per operation.
const CASES: usize = 24;

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => v,
    }
}

fn nasty_string(rng: &mut Xoshiro256PlusPlus) -> Value {
    let pool = [
        "".to_string(),
        " ".repeat(3),
        "\u{0}".into(),
        "a\u{1b}[31mred".into(),
        "line\nbreak".into(),
        "x".repeat(300),
        "é".repeat(6_000),
        "0000-01-01".into(),
        "-0001-01-01".into(),
        "9999-12-31".into(),
        " 2026-01-01 ".into(),
        "2026-02-30".into(),
        "'; DROP TABLE records; --".into(),
        "<script>alert(1)</script>".into(),
        "\u{202e}gnp.exe".into(),
        "LI4".into(),
        "1e309".into(),
    ];
    Value::String(pool[rng.random_range(0..pool.len())].clone())
}

fn nasty_number(rng: &mut Xoshiro256PlusPlus) -> Value {
    let pool = [
        json!(0),
        json!(-1),
        json!(11),
        json!(1.5),
        json!(1e308),
        json!(-1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(4294967296u64),
    ];
    pool[rng.random_range(0..pool.len())].clone()
}

/// A value for `schema`: usually of the right shape, sometimes broken.
fn draw(doc: &Value, schema: &Value, rng: &mut Xoshiro256PlusPlus, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if rng.random_bool(0.12) || depth > 6 {
        return match rng.random_range(0..6) {
            0 => Value::Null,
            1 => nasty_string(rng),
            2 => nasty_number(rng),
            3 => json!(true),
            4 => json!([1, "two", null]),
            _ => json!({"unexpected": {"deep": [[[[{}]]]]}}),
        };
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        return draw(doc, &options[rng.random_range(0..options.len())], rng, depth + 1);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values[rng.random_range(0..values.len())].clone();
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts[rng.random_range(0..ts.len())].as_str().unwrap_or("null").to_string(),
        _ => "object".into(),
    };
    match ty.as_str() {
        "string" if schema["format"] == "date" => {
            json!(format!(
                "20{:02}-{:02}-{:02}",
                rng.random_range(0..40),
                rng.random_range(1..13),
                rng.random_range(1..29)
            ))
        }
        "string" => {
            if rng.random_bool(0.5) {
                nasty_string(rng)
            } else {
                json!(format!("text {}", rng.random_range(0..1000)))
            }
        }
        "integer" => {
            if rng.random_bool(0.7) {
                json!(rng.random_range(0..12))
            } else {
                nasty_number(rng)
            }
        }
        "number" => {
            if rng.random_bool(0.7) {
                json!(rng.random_range(0.0..12.0))
            } else {
                nasty_number(rng)
            }
        }
        "boolean" => json!(rng.random_bool(0.5)),
        "null" => Value::Null,
        "array" => {
            let n = rng.random_range(0..4);
            Value::Array((0..n).map(|_| draw(doc, &schema["items"], rng, depth + 1)).collect())
        }
        _ => {
            let mut m = Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (k, v) in props {
                    if required.contains(&k.as_str()) || rng.random_bool(0.5) {
                        m.insert(k.clone(), draw(doc, v, rng, depth + 1));
                    }
                }
            }
            if rng.random_bool(0.1) {
                m.insert("anticoagulent".into(), json!(true));
            }
            Value::Object(m)
        }
    }
}

fn path_id(rng: &mut Xoshiro256PlusPlus, known: &[String]) -> String {
    match rng.random_range(0..8) {
        0 => "0".into(),
        1 => "-1".into(),
        2 => "99999999999999999999".into(),
        3 => "abc".into(),
        4 => "1e309".into(),
        5 => "%00".into(),
        _ => known[rng.random_range(0..known.len())].clone(),
    }
}

on_both! {
async fn every_json_endpoint_survives_a_bounded_fuzz(app) {
    let doc_client = app.login("doc@north.test").await;
    // Ids that exist: a patient with a course, a session and an adverse event.
    let p = new_patient(&app, &doc_client, "Fuzz").await;
    let course = new_course(&app, &doc_client, &p).await;
    let s = body(doc_client.post(app.url(&format!("/courses/{course}/sessions"))).json(&session_json("LI4")).send().await.unwrap()).await;
    let known = vec![p.to_string(), course.to_string(), s["id"].to_string(), "1".into(), "2".into()];
    // The fuzz runs with an admin's API token (a logout would end a cookie
    // session) and, for each case, sometimes anonymously.
    let admin = app.login("admin@north.test").await;
    let token = body(admin.post(app.url("/tokens")).json(&json!({"name": "fuzz"})).send().await.unwrap()).await;
    let (token_id, token) = (token["id"].to_string(), token["token"].as_str().unwrap().to_string());
    let api = Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap();
    let spec = body(api.get(app.url("/openapi.json")).send().await.unwrap()).await;
    let origin = app.origin();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20261202);
    let (mut sent, mut failures) = (0, Vec::new());
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let m: Method = method.to_uppercase().parse().unwrap();
            for case in 0..CASES {
                let mut url_path = path.clone();
                if url_path.contains("{id}") {
                    let id = path_id(&mut rng, &known);
                    if m == Method::DELETE && id == token_id {
                        continue;
                    }
                    url_path = url_path.replace("{id}", &id);
                }
                url_path = url_path.replace("{code}", ["LI4", "XX99", "%FF", "li4"][case % 4]);
                if m == Method::GET && rng.random_bool(0.3) {
                    let long = "x".repeat(300);
                    let v = ["%00", "%1B%5B2J", "a%0Ab", "%FF%FE", long.as_str()][case % 5];
                    url_path = format!("{url_path}?q={v}&clinic={v}&region={v}&flag={v}");
                }
                let url = format!("{origin}{url_path}");
                let mut req = api.request(m.clone(), &url);
                if rng.random_bool(0.85) {
                    req = req.bearer_auth(&token);
                }
                if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                    let b = draw(&spec, schema, &mut rng, 0);
                    req = match rng.random_range(0..10) {
                        0 => req.header("content-type", "application/json").body("{\"truncated\": [1, 2"),
                        1 => req.header("content-type", "text/plain").body(b.to_string()),
                        2 => req.header("content-type", "application/json").body(b.to_string().replace("0", "1e309")),
                        _ => req.json(&b),
                    };
                    if rng.random_bool(0.2) {
                        req = req.header("idempotency-key", format!("fuzz-{}", rng.random_range(0..4)));
                    }
                }
                sent += 1;
                match req.send().await {
                    Ok(r) if r.status().as_u16() >= 500 => {
                        let st = r.status();
                        failures.push(format!("{method} {url_path} -> {st}: {}", r.text().await.unwrap_or_default()));
                    }
                    Ok(_) => {}
                    Err(e) => failures.push(format!("{method} {url_path}: connection error {e}")),
                }
            }
        }
    }
    assert!(sent > 800, "{sent} requests");
    assert!(failures.is_empty(), "{} of {sent} failed:\n{}", failures.len(), failures.join("\n"));
}
}
