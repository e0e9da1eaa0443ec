//! JSON request bodies whose parse errors name the field (`value: invalid
//! type ...`), answered as 422 (wrong or unknown field) or 400 (not JSON at all).

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use acumen_domain::{FieldError, Invalid};

use crate::error::ApiError;

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
