-- Clinic registry, version 1.
CREATE TABLE clinics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    kind TEXT NOT NULL CHECK (kind IN ('patient', 'condition', 'screening', 'course', 'session', 'outcome', 'adverse_event')),
    patient_id INTEGER REFERENCES records(id),
    parent_id INTEGER REFERENCES records(id),
    version INTEGER NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX records_by_parent ON records (kind, parent_id);
CREATE INDEX records_by_clinic ON records (clinic_id, kind);

-- Every version of every clinical record; nothing is ever deleted.
CREATE TABLE record_versions (
    record_id INTEGER NOT NULL REFERENCES records(id),
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    author_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (record_id, version)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinics(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'practitioner', 'patient', 'researcher')),
    password_hash TEXT NOT NULL,
    patient_id INTEGER REFERENCES records(id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);

-- Idempotency keys: a retried write returns the record the first one made.
CREATE TABLE idempotency (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES records(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Tamper-evident audit log: hmac = HMAC(key, previous hmac || this entry).
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    role TEXT,
    clinic_id INTEGER,
    action TEXT NOT NULL,
    record_kind TEXT,
    record_id INTEGER,
    hmac TEXT NOT NULL
);

CREATE TABLE login_failures (
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_account ON login_failures (account, at);
CREATE INDEX login_failures_by_address ON login_failures (address, at);
