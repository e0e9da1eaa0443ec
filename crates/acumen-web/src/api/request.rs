//! What a request carries and what it is answered with: JSON bodies whose
//! parse errors name the field (`value: invalid type ...`), answered as 422
//! (wrong or unknown field) or 400 (not JSON at all); the Idempotency-Key;
//! and records as the API shows them (public ids only).

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_domain::{FieldError, Invalid, ScreeningInput};
use acumen_store::{IdemKey, Record};

use crate::error::{invalid, ApiError, ApiResult};
use crate::service::records::Written;

/// The last segment of a field path (`safety.anticoagulent` -> `anticoagulent`).
fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A parsed JSON body; unknown fields are refused (422 naming each).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(ApiError::BadRequest(
                "send the body as JSON (Content-Type: application/json)".into(),
            ));
        }
        let bytes = bytes::Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::BadRequest("the request body could not be read (at most 1 MB)".into()))?;
        // Parsed as JSON first (a number out of range such as 1e309 is a
        // field error, not malformed JSON), then cleaned (trimmed, no
        // control characters, lengths; see `acumen_domain::hygiene`), then
        // read into the body type.
        let mut value: serde_json::Value =
            match serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes)) {
                Ok(v) => v,
                Err(e) => {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    if inner.to_string().starts_with("number out of range") {
                        return Err(ApiError::Invalid(Invalid {
                            errors: vec![FieldError {
                                field: if path == "." { "body".into() } else { path },
                                rule: "must be a finite number (this one is too large for a double)".into(),
                            }],
                        }));
                    }
                    return Err(ApiError::BadRequest(format!("the body is not valid JSON: {inner}")));
                }
            };
        acumen_domain::hygiene::clean(&mut value)?;
        // Every field the body type does not know is collected: a misspelt
        // field ("anticoagulent") must never be dropped silently.
        let mut unknown: Vec<String> = Vec::new();
        let mut note = |path: serde_ignored::Path| unknown.push(path.to_string());
        let tracked = serde_ignored::Deserializer::new(value, &mut note);
        match serde_path_to_error::deserialize(tracked) {
            Ok(_) if !unknown.is_empty() => Err(ApiError::Invalid(Invalid {
                errors: unknown
                    .into_iter()
                    .map(|field| FieldError {
                        rule: format!(
                            "unknown field `{}`: check its spelling (see /api/v1/openapi.json)",
                            leaf(&field)
                        ),
                        field,
                    })
                    .collect(),
            })),
            Ok(v) => Ok(Body(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let field = if path == "." { "body".to_string() } else { path };
                Err(ApiError::Invalid(Invalid {
                    errors: vec![FieldError {
                        field,
                        rule: inner.to_string(),
                    }],
                }))
            }
        }
    }
}

/// A record as the API shows it (public ids only; a screening with its DN4 score).
pub fn out(r: &Record) -> Value {
    let mut v = json!({
        "id": r.public_id, "kind": r.kind, "version": r.version, "patient_id": r.patient_public_id, "parent_id": r.parent_public_id,
        "created_at": r.created_at, "updated_at": r.updated_at, "data": r.data,
    });
    if r.kind == "screening" {
        if let Ok(s) = serde_json::from_value::<ScreeningInput>(r.data.clone()) {
            v["dn4"] = json!(s.dn4());
        }
    }
    v
}

/// A list of records.
pub(crate) fn many(rows: &[Record]) -> Json<Value> {
    Json(Value::Array(rows.iter().map(out).collect()))
}

/// 201 with the new record, or 200 with the one an idempotent retry found.
pub(crate) fn written(w: Written) -> (StatusCode, Json<Value>) {
    let status = if w.created { StatusCode::CREATED } else { StatusCode::OK };
    (status, Json(out(&w.record)))
}

/// The request's Idempotency-Key, scoped to its method and path.
pub(crate) fn idem(h: &HeaderMap) -> ApiResult<Option<IdemKey>> {
    let scope = h
        .get(crate::security::SCOPE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Some(v) = h.get("idempotency-key") else {
        return Ok(None);
    };
    let k = v
        .to_str()
        .map_err(|_| invalid("Idempotency-Key", "must be printable text"))?
        .trim()
        .to_string();
    if k.is_empty() || k.len() > 200 {
        return Err(invalid("Idempotency-Key", "must be 1 to 200 characters"));
    }
    Ok(Some(IdemKey {
        key: k,
        scope,
        now: crate::auth::now_secs(),
    }))
}

/// A correction: the new fields and the version they replace.
#[derive(Deserialize)]
pub struct Update<T> {
    /// The version the client edited.
    pub version: i64,
    /// The corrected fields.
    pub data: T,
}

/// `GET /conditions`: the bundled condition list.
pub async fn conditions() -> Json<Value> {
    Json(crate::service::records::to_value(
        acumen_knowledge::conditions::CONDITIONS,
    ))
}
