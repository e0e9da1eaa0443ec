//! Records: create (with its first version, idempotency key and audit
//! entries in one transaction), read, list, update (a new version, or a
//! conflict), versions and a patient's whole file.

use super::{all, append, record_from, request_hash, scope, Arg, Dialect, SqlStore};
use crate::error::StoreError;
use crate::model::{Actor, IdemKey, Record, RecordVersion};
use crate::now;
use crate::store::{Placement, Result};
use crate::writer::Chain;

/// The record kinds that hang from a patient (the others from a parent record).
fn parent_column(kind: &str) -> &'static str {
    if matches!(kind, "condition" | "screening" | "course") {
        "patient_id"
    } else {
        "parent_id"
    }
}

impl<D: Dialect> SqlStore<D> {
    pub(crate) async fn records_of_kinds(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND kind = $2 ORDER BY id",
            D::RECORD_COLS
        );
        // One transaction, so the kinds are read from one snapshot.
        let mut tx = self.read.begin().await?;
        scope::<D>(D::conn(&mut tx), clinic_id).await?;
        let mut out = Vec::new();
        for kind in kinds {
            let rows = D::conn(&mut tx).rows(&sql, &[clinic_id.into(), (*kind).into()]).await?;
            out.extend(all(&rows, record_from)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(crate) async fn insert(
        &self,
        actor: &Actor,
        kind: &str,
        at: Placement,
        data: serde_json::Value,
        key: Option<&IdemKey>,
        also_audit: &[String],
    ) -> Result<(Record, bool)> {
        let (actor, kind) = (actor.clone(), kind.to_string());
        let key = key.cloned();
        let body_hash = request_hash(&kind, at, &data);
        let also_audit = also_audit.to_vec();
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    let c = D::conn(c);
                    scope::<D>(c, actor.clinic_id).await?;
                    if let Some(key) = &key {
                        if let Some(earlier) = Self::earlier(c, &actor, key, &body_hash).await? {
                            return Ok((earlier, false));
                        }
                    }
                    let ts = now();
                    let text = data.to_string();
                    let sql = format!(
                        "INSERT INTO records (clinic_id, kind, patient_id, parent_id, version, data, created_at, updated_at, public_id) \
                         VALUES ($1, $2, $3, $4, 1, $5{}, $6, $6, {}) RETURNING id",
                        D::JSONB,
                        D::NEW_PUBLIC_ID
                    );
                    let args = [
                        actor.clinic_id.into(),
                        (&kind).into(),
                        at.patient_id.into(),
                        at.parent_id.into(),
                        (&text).into(),
                        (&ts).into(),
                    ];
                    let id = c.found(&sql, &args).await?.int("id")?;
                    if kind == "patient" {
                        c.run("UPDATE records SET patient_id = id WHERE id = $1", &[id.into()]).await?;
                    }
                    Self::add_version(c, id, 1, &text, actor.user_id, &ts).await?;
                    if let Some(key) = &key {
                        c.run(
                            "INSERT INTO idempotency (user_id, scope, key, body_hash, record_id, created_at, created_epoch) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            &[
                                actor.user_id.into(),
                                (&key.scope).into(),
                                (&key.key).into(),
                                (&body_hash).into(),
                                id.into(),
                                (&ts).into(),
                                key.now.into(),
                            ],
                        )
                        .await?;
                    }
                    Self::audit_each(c, chain, &actor, &kind, id, &also_audit).await?;
                    Ok((Self::by_key(c, id).await?, true))
                })
            })
            .await
    }

    /// The record an earlier request with this key created, when the key is
    /// fresh and the request the same; a stale key is forgotten.
    async fn earlier(c: &mut dyn super::Conn, actor: &Actor, key: &IdemKey, body_hash: &str) -> Result<Option<Record>> {
        let ids = [actor.user_id.into(), (&key.scope).into(), (&key.key).into()];
        let prev = c
            .row(
                "SELECT record_id, body_hash, created_epoch FROM idempotency \
                 WHERE user_id = $1 AND scope = $2 AND key = $3",
                &ids,
            )
            .await?;
        let Some(p) = prev else { return Ok(None) };
        if key.now - p.int("created_epoch")? < crate::IDEMPOTENCY_TTL_SECS {
            if p.text("body_hash")? != body_hash {
                return Err(StoreError::KeyReused);
            }
            return Ok(Some(Self::by_key(c, p.int("record_id")?).await?));
        }
        c.run("DELETE FROM idempotency WHERE user_id = $1 AND scope = $2 AND key = $3", &ids)
            .await?;
        Ok(None)
    }

    /// A record by its key, inside the writer's transaction.
    async fn by_key(c: &mut dyn super::Conn, id: i64) -> Result<Record> {
        let sql = format!("SELECT {} FROM records WHERE id = $1", D::RECORD_COLS);
        record_from(&c.found(&sql, &[id.into()]).await?)
    }

    async fn add_version(c: &mut dyn super::Conn, id: i64, v: i64, text: &str, author: i64, ts: &str) -> Result<()> {
        let sql = format!(
            "INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES ($1, $2, $3{}, $4, $5)",
            D::JSONB
        );
        c.run(&sql, &[id.into(), v.into(), text.into(), author.into(), ts.into()])
            .await?;
        Ok(())
    }

    /// `create` and then each further action, about record `id`.
    async fn audit_each(
        c: &mut dyn super::Conn,
        chain: &mut Chain,
        actor: &Actor,
        kind: &str,
        id: i64,
        also: &[String],
    ) -> Result<()> {
        append(c, chain, Some(actor), "create", Some(kind), Some(id)).await?;
        for action in also {
            append(c, chain, Some(actor), action, Some(kind), Some(id)).await?;
        }
        Ok(())
    }

    pub(crate) async fn one_record(&self, actor: &Actor, kind: &str, id: i64) -> Result<Record> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND id = $2 AND kind = $3",
            D::RECORD_COLS
        );
        let rows = self.clinic_rows(actor.clinic_id, &sql, vec![id.into(), kind.into()]).await?;
        let r = record_from(rows.first().ok_or(StoreError::NotFound)?)?;
        crate::Store::audit(self, Some(actor), "read", Some(kind), Some(id)).await?;
        Ok(r)
    }

    pub(crate) async fn records_under(&self, actor: &Actor, kind: &str, parent_id: i64) -> Result<Vec<Record>> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND kind = $2 AND {} = $3 ORDER BY id",
            D::RECORD_COLS,
            parent_column(kind)
        );
        let rows = self
            .clinic_rows(actor.clinic_id, &sql, vec![kind.into(), parent_id.into()])
            .await?;
        all(&rows, record_from)
    }

    pub(crate) async fn find_patients(&self, actor: &Actor, query: &str) -> Result<Vec<Record>> {
        let q = format!("%{}%", query.trim().to_lowercase());
        let sql = format!(
            "SELECT {} FROM records WHERE kind = 'patient' AND clinic_id = $1 AND ($2 = '%%' OR \
             lower((data->>'given_name') || ' ' || (data->>'family_name')) LIKE $2) ORDER BY id",
            D::RECORD_COLS
        );
        let rows = self.clinic_rows(actor.clinic_id, &sql, vec![Arg::S(q)]).await?;
        crate::Store::audit(self, Some(actor), "list", Some("patient"), None).await?;
        all(&rows, record_from)
    }

    pub(crate) async fn update(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        data: serde_json::Value,
    ) -> Result<Record> {
        let (actor, kind) = (actor.clone(), kind.to_string());
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    let c = D::conn(c);
                    scope::<D>(c, actor.clinic_id).await?;
                    let sql = format!(
                        "SELECT {} FROM records WHERE id = $1 AND kind = $2 AND clinic_id = $3{}",
                        D::RECORD_COLS,
                        D::FOR_UPDATE
                    );
                    let row = c.found(&sql, &[id.into(), (&kind).into(), actor.clinic_id.into()]).await?;
                    let mut rec = record_from(&row)?;
                    if rec.version != expected_version {
                        return Err(StoreError::Conflict {
                            expected: expected_version,
                            current: rec.version,
                        });
                    }
                    let ts = now();
                    let text = data.to_string();
                    let v = rec.version + 1;
                    let sql = format!(
                        "UPDATE records SET version = $1, data = $2{}, updated_at = $3 WHERE id = $4 AND version = $5",
                        D::JSONB
                    );
                    c.run(&sql, &[v.into(), (&text).into(), (&ts).into(), id.into(), rec.version.into()])
                        .await?;
                    Self::add_version(c, id, v, &text, actor.user_id, &ts).await?;
                    append(c, chain, Some(&actor), "update", Some(&kind), Some(id)).await?;
                    rec.version = v;
                    rec.data = data;
                    rec.updated_at = ts;
                    Ok(rec)
                })
            })
            .await
    }

    pub(crate) async fn record_versions(&self, actor: &Actor, id: i64) -> Result<Vec<RecordVersion>> {
        let sql = format!(
            "SELECT v.version, v.data{} AS data, v.author_id, v.created_at FROM record_versions v \
             JOIN records r ON r.id = v.record_id WHERE r.clinic_id = $1 AND v.record_id = $2 ORDER BY v.version",
            D::JSON_TEXT
        );
        let rows = self.clinic_rows(actor.clinic_id, &sql, vec![id.into()]).await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        crate::Store::audit(self, Some(actor), "read_versions", None, Some(id)).await?;
        all(&rows, |r| {
            Ok(RecordVersion {
                version: r.int("version")?,
                data: r.json("data")?,
                author_id: r.int("author_id")?,
                created_at: r.text("created_at")?,
            })
        })
    }

    pub(crate) async fn everything_on(&self, actor: &Actor, patient_id: i64) -> Result<Vec<Record>> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id",
            D::RECORD_COLS
        );
        let rows = self.clinic_rows(actor.clinic_id, &sql, vec![patient_id.into()]).await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        crate::Store::audit(self, Some(actor), "export", Some("patient"), Some(patient_id)).await?;
        all(&rows, record_from)
    }
}
