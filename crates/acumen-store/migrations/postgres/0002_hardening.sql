-- Hardening, version 2 (see the SQLite migration 0003 for the reasons).
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_by_attempt ON login_failures (attempt);
GRANT DELETE ON login_failures TO acumen_app;

ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey;
ALTER TABLE idempotency ADD COLUMN scope TEXT NOT NULL DEFAULT 'legacy';
ALTER TABLE idempotency ADD COLUMN body_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency ADD COLUMN created_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE idempotency ALTER COLUMN scope DROP DEFAULT;
ALTER TABLE idempotency ALTER COLUMN body_hash DROP DEFAULT;
ALTER TABLE idempotency ALTER COLUMN created_epoch DROP DEFAULT;
ALTER TABLE idempotency ADD PRIMARY KEY (user_id, scope, key);
GRANT DELETE ON idempotency TO acumen_app;
