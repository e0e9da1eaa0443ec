-- Opaque public ids (see the SQLite migration 0005). Row-level security is
-- lifted for the owner while existing rows get their ids.
ALTER TABLE records NO FORCE ROW LEVEL SECURITY;
ALTER TABLE records ADD COLUMN public_id TEXT;
UPDATE records SET public_id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE records ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX records_by_public_id ON records (public_id);
ALTER TABLE users ADD COLUMN public_id TEXT;
UPDATE users SET public_id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE users ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX users_by_public_id ON users (public_id);
ALTER TABLE users ADD COLUMN patient_public_id TEXT;
UPDATE users SET patient_public_id = (SELECT r.public_id FROM records r WHERE r.id = users.patient_id);
ALTER TABLE records FORCE ROW LEVEL SECURITY;
ALTER TABLE api_tokens ADD COLUMN public_id TEXT;
UPDATE api_tokens SET public_id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE api_tokens ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX api_tokens_by_public_id ON api_tokens (public_id);
