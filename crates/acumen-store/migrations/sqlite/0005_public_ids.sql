-- Opaque public ids, version 5: records, users and API tokens are named in
-- URLs and JSON by a random 128-bit id (32 hex digits), never by the
-- internal integer key (which showed how fast other clinics write). The
-- integer keys and the audited rows stay as they are.
ALTER TABLE records ADD COLUMN public_id TEXT;
UPDATE records SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX records_by_public_id ON records (public_id);
ALTER TABLE users ADD COLUMN public_id TEXT;
UPDATE users SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX users_by_public_id ON users (public_id);
ALTER TABLE users ADD COLUMN patient_public_id TEXT;
UPDATE users SET patient_public_id = (SELECT r.public_id FROM records r WHERE r.id = users.patient_id);
ALTER TABLE api_tokens ADD COLUMN public_id TEXT;
UPDATE api_tokens SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX api_tokens_by_public_id ON api_tokens (public_id);
