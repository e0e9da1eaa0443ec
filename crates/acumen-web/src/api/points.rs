//! The knowledge base over HTTP: `GET /points` (search by text, region,
//! flag) and `GET /points/{code}`. Public: it holds no patient data.

use axum::extract::{Path, Query};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_domain::Invalid;
use acumen_knowledge::points::{flag_sources, search, Query as PointQuery};
use acumen_knowledge::trials::{describe, trial_points};
use acumen_knowledge::{point, Flag, Region};

use crate::error::{invalid, ApiError, ApiResult};

/// Query parameters of `GET /points`.
#[derive(Deserialize)]
pub struct PointSearch {
    /// Code prefix, pinyin (tones optional) or characters.
    pub q: Option<String>,
    /// Region (`foot`, `hand`, `upper_back`, ...).
    pub region: Option<String>,
    /// Flag (`pregnancy_caution`, `pneumothorax_risk`, `foot`, `hand`).
    pub flag: Option<String>,
}

/// The point-search filters, a bad one a 422 naming it.
fn filters(region: Option<&str>, flag: Option<&str>) -> Result<(Option<Region>, Option<Flag>), Invalid> {
    acumen_knowledge::points::filters(region, flag).map_err(|errors| Invalid {
        errors: errors
            .into_iter()
            .map(|e| acumen_domain::FieldError {
                field: e.field.into(),
                rule: e.rule,
            })
            .collect(),
    })
}

/// `GET /points`
pub async fn list(Query(s): Query<PointSearch>) -> ApiResult<Json<Value>> {
    let (region, flag) = filters(s.region.as_deref(), s.flag.as_deref())?;
    if s.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(invalid("q", "must be at most 100 characters"));
    }
    let hits = search(&PointQuery {
        text: s.q.as_deref(),
        region,
        flag,
    });
    Ok(Json(json!(hits.into_iter().map(describe).collect::<Vec<_>>())))
}

/// `GET /points/{code}`
pub async fn get(Path(code): Path<String>) -> ApiResult<Json<Value>> {
    let p = point(&code.to_ascii_uppercase()).ok_or(ApiError::NotFound)?;
    let mut v = json!(describe(p));
    v["flag_sources"] = json!(flag_sources().iter().filter(|s| p.has(s.flag)).collect::<Vec<_>>());
    v["trials"] = json!(trial_points().iter().filter(|t| t.point == p.code).collect::<Vec<_>>());
    Ok(Json(v))
}
