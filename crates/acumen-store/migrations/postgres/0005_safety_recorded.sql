-- Safety profiles in three states, version 5: every item of a patient's
-- safety profile is yes, no or not recorded (null). Before this version a
-- profile that left an item out, or wrote it null, meant "no", so existing
-- patients migrate as recorded: each such item becomes its "no" value, in
-- the current record and in its stored versions (the meaning of every
-- version is unchanged). Pregnancy already had "unknown" and stays as it is.
-- (See the SQLite migration 0006.) Row-level security is lifted for the
-- owner while the rows are rewritten.
ALTER TABLE records NO FORCE ROW LEVEL SECURITY;
ALTER TABLE record_versions NO FORCE ROW LEVEL SECURITY;
UPDATE records SET data = jsonb_set(data, '{safety}', '{}'::jsonb) WHERE kind = 'patient' AND jsonb_typeof(data->'safety') IS DISTINCT FROM 'object';
UPDATE record_versions SET data = jsonb_set(data, '{safety}', '{}'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND jsonb_typeof(data->'safety') IS DISTINCT FROM 'object';
UPDATE records SET data = jsonb_set(data, '{safety,anticoagulant}', 'false'::jsonb) WHERE kind = 'patient' AND coalesce(jsonb_typeof(data->'safety'->'anticoagulant'), 'null') = 'null';
UPDATE record_versions SET data = jsonb_set(data, '{safety,anticoagulant}', 'false'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(jsonb_typeof(data->'safety'->'anticoagulant'), 'null') = 'null';
UPDATE records SET data = jsonb_set(data, '{safety,bleeding_disorder}', '{"severe":false,"clearance_documented":false}'::jsonb) WHERE kind = 'patient' AND coalesce(jsonb_typeof(data->'safety'->'bleeding_disorder'), 'null') = 'null';
UPDATE record_versions SET data = jsonb_set(data, '{safety,bleeding_disorder}', '{"severe":false,"clearance_documented":false}'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(jsonb_typeof(data->'safety'->'bleeding_disorder'), 'null') = 'null';
UPDATE records SET data = jsonb_set(data, '{safety,implanted_device}', 'false'::jsonb) WHERE kind = 'patient' AND coalesce(jsonb_typeof(data->'safety'->'implanted_device'), 'null') = 'null';
UPDATE record_versions SET data = jsonb_set(data, '{safety,implanted_device}', 'false'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(jsonb_typeof(data->'safety'->'implanted_device'), 'null') = 'null';
UPDATE records SET data = jsonb_set(data, '{safety,diabetes}', 'false'::jsonb) WHERE kind = 'patient' AND coalesce(jsonb_typeof(data->'safety'->'diabetes'), 'null') = 'null';
UPDATE record_versions SET data = jsonb_set(data, '{safety,diabetes}', 'false'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(jsonb_typeof(data->'safety'->'diabetes'), 'null') = 'null';
UPDATE records SET data = jsonb_set(data, '{safety,reduced_sensation}', '[]'::jsonb) WHERE kind = 'patient' AND coalesce(jsonb_typeof(data->'safety'->'reduced_sensation'), 'null') = 'null';
UPDATE record_versions SET data = jsonb_set(data, '{safety,reduced_sensation}', '[]'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(jsonb_typeof(data->'safety'->'reduced_sensation'), 'null') = 'null';
UPDATE records SET data = jsonb_set(data, '{safety,chemotherapy}', '{"active":false,"neurotoxic":false,"neutrophils":null,"neutrophils_date":null,"platelets":null,"platelets_date":null}'::jsonb) WHERE kind = 'patient' AND coalesce(jsonb_typeof(data->'safety'->'chemotherapy'), 'null') = 'null';
UPDATE record_versions SET data = jsonb_set(data, '{safety,chemotherapy}', '{"active":false,"neurotoxic":false,"neutrophils":null,"neutrophils_date":null,"platelets":null,"platelets_date":null}'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(jsonb_typeof(data->'safety'->'chemotherapy'), 'null') = 'null';
UPDATE records SET data = jsonb_set(data, '{safety,lymphoedema}', '[]'::jsonb) WHERE kind = 'patient' AND coalesce(jsonb_typeof(data->'safety'->'lymphoedema'), 'null') = 'null';
UPDATE record_versions SET data = jsonb_set(data, '{safety,lymphoedema}', '[]'::jsonb) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(jsonb_typeof(data->'safety'->'lymphoedema'), 'null') = 'null';
ALTER TABLE records FORCE ROW LEVEL SECURITY;
ALTER TABLE record_versions FORCE ROW LEVEL SECURITY;
