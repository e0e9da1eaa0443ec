//! [`Store`](crate::Store) for [`PgStore`]: the shared methods (`shared_store!`) in
//! PostgreSQL's dialect, every clinical statement scoped to its clinic, and
//! what only PostgreSQL does.

use sqlx::Row;

use crate::error::StoreError;
use crate::model::{Actor, AuditEntry, Clinic, NewUser, Record, RecordVersion, User};
use crate::pg::{
    append, record_from, scope, user_from, PgStore, FOR_UPDATE, JSONB, JSON_TEXT, NEW_PUBLIC_ID, RECORD_COLS,
};
use crate::store::{Placement, Result};
use crate::{json, now, Arg};

shared_store!(PgStore, {
    async fn clinic_records(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>> {
        let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
        let mut tx = self.read.begin().await?;
        scope(&mut tx, clinic_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLS} FROM records WHERE clinic_id = $1 AND kind = ANY($2) \
                     ORDER BY array_position($2, kind), id"
        ))
        .bind(clinic_id)
        .bind(&kinds)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.iter().map(record_from).collect())
    }

    async fn research_aggregates(&self, min_cell: i64) -> Result<serde_json::Value> {
        let (courses, pain) = crate::research::pg_rows(&self.read).await?;
        Ok(crate::research::aggregates(&courses, &pain, min_cell))
    }
});
