//! The knowledge base over HTTP: `GET /points` (search by text, region,
//! flag) and `GET /points/{code}`. Public: it holds no patient data.

use axum::extract::{Path, Query};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_domain::error::Check;
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

/// Parses the region and flag filters of a point search, naming the bad one.
pub fn filters(region: Option<&str>, flag: Option<&str>) -> Result<(Option<Region>, Option<Flag>), Invalid> {
    let mut c = Check::default();
    let region = region.filter(|s| !s.is_empty());
    let flag = flag.filter(|s| !s.is_empty());
    let r = region.and_then(Region::parse);
    let f = flag.and_then(Flag::parse);
    if region.is_some() && r.is_none() {
        let all: Vec<&str> = Region::ALL.iter().map(|r| r.as_str()).collect();
        c.fail("region", format!("must be one of {}", all.join(", ")));
    }
    if flag.is_some() && f.is_none() {
        let all: Vec<&str> = Flag::ALL.iter().map(|f| f.as_str()).collect();
        c.fail("flag", format!("must be one of {}", all.join(", ")));
    }
    c.finish((r, f))
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
