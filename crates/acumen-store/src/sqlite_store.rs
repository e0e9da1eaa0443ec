//! [`Store`](crate::Store) for [`SqliteStore`]: the shared methods
//! (`shared_store!`) in SQLite, reads from the read-only pool, and what only
//! SQLite does.

use sqlx::Row;

use crate::error::StoreError;
use crate::model::{Actor, AuditEntry, Clinic, NewUser, Record, RecordVersion, User};
use crate::sqlite::{
    append, record_from, scope, user_from, SqliteStore, FOR_UPDATE, JSONB, JSON_TEXT, NEW_PUBLIC_ID, RECORD_COLS,
};
use crate::store::{Placement, Result};
use crate::{json, now, Arg};

shared_store!(SqliteStore, {
    async fn clinic_records(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        for kind in kinds {
            let rows = sqlx::query(&format!(
                "SELECT {RECORD_COLS} FROM records WHERE clinic_id = ? AND kind = ? ORDER BY id"
            ))
            .bind(clinic_id)
            .bind(kind)
            .fetch_all(&self.read)
            .await?;
            out.extend(rows.iter().map(record_from));
        }
        Ok(out)
    }

    async fn shutdown(&self) -> Result<()> {
        // Through the writer, so no write is in flight; TRUNCATE empties the log.
        self.writer.write(|_, _| Box::pin(async { Ok(()) })).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.admin)
            .await?;
        Ok(())
    }

    async fn research_aggregates(&self, min_cell: i64) -> Result<serde_json::Value> {
        let (courses, pain) = crate::research::sqlite_rows(&self.read).await?;
        Ok(crate::research::aggregates(&courses, &pain, min_cell))
    }
});
