-- Hardening, version 3.
-- Login attempts are reserved before the password is checked: a reserved
-- attempt carries a random id, so the right password can clear its own row.
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_by_attempt ON login_failures (attempt);

-- Idempotency keys are scoped to (user, method and concrete path), remember
-- a hash of the request they answered, and expire after 24 hours. Keys made
-- before this version carry the scope 'legacy' (they match no request).
CREATE TABLE idempotency_scoped (
    user_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES records(id),
    created_at TEXT NOT NULL,
    created_epoch INTEGER NOT NULL,
    PRIMARY KEY (user_id, scope, key)
);
INSERT INTO idempotency_scoped (user_id, scope, key, body_hash, record_id, created_at, created_epoch)
    SELECT user_id, 'legacy', key, '', record_id, created_at, 0 FROM idempotency;
DROP TABLE idempotency;
ALTER TABLE idempotency_scoped RENAME TO idempotency;
