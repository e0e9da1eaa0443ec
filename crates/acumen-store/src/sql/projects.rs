//! Evidence projects and their frozen versions (migration 0010): create and
//! list projects, save a version over the latest one (the same content
//! twice is one version; a save over a version that is no longer the
//! latest writes nothing), read versions by project or by hash, and stamp
//! a version reviewed or published (each write with its audit entry).

use super::{all, append, Dialect, Row, SqlStore};
use crate::error::StoreError;
use crate::model::{Actor, Project, ProjectVersion, VersionMark};
use crate::now;
use crate::store::Result;

const PROJECT_COLS: &str = "id, public_id, clinic_id, title, based_on_bundled, created_at";
const VERSION_COLS: &str = "id, project_id, hash, parent_hash, content, created_at, reviewed_at, published_at";

fn project_from(r: &Row) -> Result<Project> {
    Ok(Project {
        id: r.int("id")?,
        public_id: r.text("public_id")?,
        clinic_id: r.int("clinic_id")?,
        title: r.text("title")?,
        based_on_bundled: r.flag("based_on_bundled")?,
        created_at: r.text("created_at")?,
    })
}

fn version_from(r: &Row) -> Result<ProjectVersion> {
    Ok(ProjectVersion {
        id: r.int("id")?,
        project_id: r.int("project_id")?,
        hash: r.text("hash")?,
        parent_hash: r.opt_text("parent_hash")?,
        content: r.text("content")?,
        created_at: r.text("created_at")?,
        reviewed_at: r.opt_text("reviewed_at")?,
        published_at: r.opt_text("published_at")?,
    })
}

pub(crate) async fn create_project<D: Dialect>(
    s: &SqlStore<D>,
    actor: &Actor,
    title: &str,
    based_on_bundled: bool,
) -> Result<Project> {
    let (actor, title) = (actor.clone(), title.to_string());
    s.writer
        .write(move |c, chain| {
            Box::pin(async move {
                let c = D::conn(c);
                let r = c
                    .found(
                        &format!(
                            "INSERT INTO evidence_projects (public_id, clinic_id, title, based_on_bundled, created_by, created_at) \
                             VALUES ({}, $1, $2, $3, $4, $5) RETURNING {PROJECT_COLS}",
                            D::NEW_PUBLIC_ID
                        ),
                        &[
                            actor.clinic_id.into(),
                            title.into(),
                            based_on_bundled.into(),
                            actor.user_id.into(),
                            now().into(),
                        ],
                    )
                    .await?;
                let p = project_from(&r)?;
                append(c, chain, Some(&actor), "project_create", Some("project"), Some(p.id)).await?;
                Ok(p)
            })
        })
        .await
}

pub(crate) async fn projects<D: Dialect>(s: &SqlStore<D>, clinic_id: i64) -> Result<Vec<Project>> {
    let rows = s
        .read_rows(
            &format!("SELECT {PROJECT_COLS} FROM evidence_projects WHERE clinic_id = $1 ORDER BY id"),
            &[clinic_id.into()],
        )
        .await?;
    all(&rows, project_from)
}

pub(crate) async fn project<D: Dialect>(s: &SqlStore<D>, public_id: &str) -> Result<Project> {
    project_where(s, "public_id = $1", public_id.into()).await
}

pub(crate) async fn project_by_id<D: Dialect>(s: &SqlStore<D>, id: i64) -> Result<Project> {
    project_where(s, "id = $1", id.into()).await
}

async fn project_where<D: Dialect>(s: &SqlStore<D>, cond: &str, arg: super::Arg) -> Result<Project> {
    let r = s
        .read_found(
            &format!("SELECT {PROJECT_COLS} FROM evidence_projects WHERE {cond}"),
            &[arg],
        )
        .await?;
    project_from(&r)
}

pub(crate) async fn save_version<D: Dialect>(
    s: &SqlStore<D>,
    actor: &Actor,
    project_id: i64,
    parent_hash: Option<&str>,
    hash: &str,
    content: &str,
) -> Result<(ProjectVersion, bool)> {
    let actor = actor.clone();
    let (parent, hash, content) = (parent_hash.map(str::to_string), hash.to_string(), content.to_string());
    s.writer
        .write(move |c, chain| {
            Box::pin(async move {
                let c = D::conn(c);
                // The project's row is locked so that two saves over the same
                // latest version cannot both pass the check below.
                c.found(
                    &format!("SELECT id FROM evidence_projects WHERE id = $1{}", D::FOR_UPDATE),
                    &[project_id.into()],
                )
                .await?;
                if let Some(r) = c
                    .row(
                        &format!("SELECT {VERSION_COLS} FROM evidence_versions WHERE project_id = $1 AND hash = $2"),
                        &[project_id.into(), (&hash).into()],
                    )
                    .await?
                {
                    return Ok((version_from(&r)?, false));
                }
                let latest = c
                    .row(
                        "SELECT hash FROM evidence_versions WHERE project_id = $1 ORDER BY id DESC LIMIT 1",
                        &[project_id.into()],
                    )
                    .await?
                    .map(|r| r.text("hash"))
                    .transpose()?;
                if latest != parent {
                    return Err(StoreError::Outdated {
                        latest: latest.unwrap_or_else(|| "none".into()),
                    });
                }
                let r = c
                    .found(
                        &format!(
                            "INSERT INTO evidence_versions (project_id, hash, parent_hash, content, created_by, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {VERSION_COLS}"
                        ),
                        &[
                            project_id.into(),
                            hash.into(),
                            parent.into(),
                            content.into(),
                            actor.user_id.into(),
                            now().into(),
                        ],
                    )
                    .await?;
                let v = version_from(&r)?;
                append(c, chain, Some(&actor), "version_save", Some("project"), Some(project_id)).await?;
                Ok((v, true))
            })
        })
        .await
}

pub(crate) async fn project_versions<D: Dialect>(s: &SqlStore<D>, project_id: i64) -> Result<Vec<ProjectVersion>> {
    let rows = s
        .read_rows(
            &format!("SELECT {VERSION_COLS} FROM evidence_versions WHERE project_id = $1 ORDER BY id"),
            &[project_id.into()],
        )
        .await?;
    all(&rows, version_from)
}

pub(crate) async fn versions_by_hash<D: Dialect>(s: &SqlStore<D>, hash: &str) -> Result<Vec<ProjectVersion>> {
    let rows = s
        .read_rows(
            &format!("SELECT {VERSION_COLS} FROM evidence_versions WHERE hash = $1 ORDER BY id"),
            &[hash.into()],
        )
        .await?;
    all(&rows, version_from)
}

pub(crate) async fn mark_version<D: Dialect>(
    s: &SqlStore<D>,
    actor: &Actor,
    version_id: i64,
    mark: VersionMark,
) -> Result<ProjectVersion> {
    let actor = actor.clone();
    s.writer
        .write(move |c, chain| {
            Box::pin(async move {
                let c = D::conn(c);
                let at = now();
                c.run(
                    "UPDATE evidence_versions SET reviewed_at = COALESCE(reviewed_at, $1), \
                     reviewed_by = COALESCE(reviewed_by, $2) WHERE id = $3",
                    &[(&at).into(), actor.user_id.into(), version_id.into()],
                )
                .await?;
                let action = match mark {
                    VersionMark::Reviewed => "version_reviewed",
                    VersionMark::Published => {
                        c.run(
                            "UPDATE evidence_versions SET published_at = COALESCE(published_at, $1) WHERE id = $2",
                            &[at.into(), version_id.into()],
                        )
                        .await?;
                        "version_published"
                    }
                };
                let r = c
                    .found(
                        &format!("SELECT {VERSION_COLS} FROM evidence_versions WHERE id = $1"),
                        &[version_id.into()],
                    )
                    .await?;
                let v = version_from(&r)?;
                append(c, chain, Some(&actor), action, Some("project"), Some(v.project_id)).await?;
                Ok(v)
            })
        })
        .await
}
