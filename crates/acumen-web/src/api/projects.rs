//! `/projects` and `/versions`: evidence projects, their frozen versions
//! (analysis, forest data with risk of bias, GRADE, SoF), the changelog
//! between two versions, the import preview, and an admin's review and
//! publication.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_store::{ProjectVersion, VersionMark};

use crate::api::request::Body;
use crate::auth::Authed;
use crate::error::{invalid, ApiResult};
use crate::service::projects::{self as svc, NewProject, NewVersion, ProjectView};
use crate::state::AppState;

/// `GET /api/v1/projects`
pub async fn list(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Vec<ProjectView>>> {
    Ok(Json(svc::list(&st, &who).await?))
}

/// `POST /api/v1/projects`
pub async fn create(
    State(st): State<AppState>,
    who: Authed,
    Body(new): Body<NewProject>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    Ok((StatusCode::CREATED, Json(svc::create(&st, &who, new).await?)))
}

/// `GET /api/v1/projects/{id}`
pub async fn get(State(st): State<AppState>, who: Authed, Path(id): Path<String>) -> ApiResult<Json<ProjectView>> {
    Ok(Json(svc::get(&st, &who, &id).await?))
}

/// `GET /api/v1/projects/{id}/versions`
pub async fn versions(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ProjectVersion>>> {
    Ok(Json(svc::get(&st, &who, &id).await?.versions))
}

/// `POST /api/v1/projects/{id}/versions`: 201 with the new version, 200
/// with the existing one of the same content, 409 when saved meanwhile.
pub async fn add_version(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    Body(new): Body<NewVersion>,
) -> ApiResult<(StatusCode, Json<ProjectVersion>)> {
    let (v, created) = svc::add_version(&st, &who, &id, new).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(v)))
}

/// `?name=&outcome=` of the import preview.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The file's name (its extension picks the reader: `.rm5`, else CSV).
    pub name: String,
    /// For .rm5: which outcome (1-based; default the first).
    #[serde(default)]
    pub outcome: Option<usize>,
}

/// `POST /api/v1/projects/import?name=trials.csv` (the file as the body):
/// the trials it would add and each row's fault; nothing is saved.
pub async fn import(
    who: Authed,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<acumen_evidence::import::Preview>> {
    let outcome = match q.outcome {
        Some(0) => return Err(invalid("outcome", "outcomes are numbered from 1")),
        o => o.map(|o| o - 1),
    };
    Ok(Json(svc::import_preview(&who, &body, &q.name, outcome)?))
}

/// `?subset=` of a version report.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsetQuery {
    /// `all` (default), `low_rob`, `comparator:<kind>` or `without:<trial id>`.
    #[serde(default)]
    pub subset: String,
}

/// `GET /api/v1/versions/{hash}`: the version, its analysis, forest data,
/// risk of bias, GRADE and SoF (the clinic's own, or a published one).
pub async fn version(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(hash): Path<String>,
    Query(q): Query<SubsetQuery>,
) -> ApiResult<Json<Value>> {
    let r = svc::report(&st, who.as_ref(), &hash, &q.subset).await?;
    Ok(Json(svc::report_json(&r)))
}

/// `?against=` of the changelog.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgainstQuery {
    /// The older version's hash, or `bundled`.
    pub against: String,
}

/// `GET /api/v1/versions/{hash}/changelog?against=HASH`
pub async fn changelog(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(hash): Path<String>,
    Query(q): Query<AgainstQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(svc::changelog(&st, who.as_ref(), &hash, &q.against).await?))
}

/// `?format=svg|png&subset=` of the forest plot.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotQuery {
    /// `svg` (default) or `png` (300 dpi).
    #[serde(default)]
    pub format: Option<String>,
    /// As for the report.
    #[serde(default)]
    pub subset: String,
}

/// `GET /api/v1/versions/{hash}/forest`: the forest plot with risk-of-bias columns.
pub async fn forest(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(hash): Path<String>,
    Query(q): Query<PlotQuery>,
) -> ApiResult<Response> {
    let r = svc::report(&st, who.as_ref(), &hash, &q.subset).await?;
    let svg = svc::rob_forest(&r)?;
    match q.format.as_deref().unwrap_or("svg") {
        "svg" => Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()),
        "png" => {
            let png =
                acumen_plot::svg_to_png(&svg, 300.0).map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
            Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
        }
        other => Err(invalid("format", &format!("'{other}' is not svg or png"))),
    }
}

/// `GET /api/v1/versions/{hash}/sof.csv`
pub async fn sof_csv(State(st): State<AppState>, who: Option<Authed>, Path(hash): Path<String>) -> ApiResult<Response> {
    let r = svc::report(&st, who.as_ref(), &hash, "all").await?;
    let csv = acumen_evidence::sof::sof_csv(std::slice::from_ref(&r.analysis.sof));
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

/// `GET /api/v1/versions/{hash}/script.R`: the metafor script that reruns the version's analysis.
pub async fn script(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(hash): Path<String>,
    Query(q): Query<SubsetQuery>,
) -> ApiResult<Response> {
    let r = svc::report(&st, who.as_ref(), &hash, &q.subset).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        r.analysis.r_script,
    )
        .into_response())
}

/// `POST /api/v1/versions/{hash}/review` (admins)
pub async fn review(State(st): State<AppState>, who: Authed, Path(hash): Path<String>) -> ApiResult<Json<Value>> {
    let v = svc::mark(&st, &who, &hash, VersionMark::Reviewed).await?;
    Ok(Json(json!(v)))
}

/// `POST /api/v1/versions/{hash}/publish` (admins)
pub async fn publish(State(st): State<AppState>, who: Authed, Path(hash): Path<String>) -> ApiResult<Json<Value>> {
    let v = svc::mark(&st, &who, &hash, VersionMark::Published).await?;
    Ok(Json(json!(v)))
}
