-- Safety profiles in three states, version 6: every item of a patient's
-- safety profile is yes, no or not recorded (null). Before this version a
-- profile that left an item out, or wrote it null, meant "no", so existing
-- patients migrate as recorded: each such item becomes its "no" value, in
-- the current record and in its stored versions (the meaning of every
-- version is unchanged). Pregnancy already had "unknown" and stays as it is.
UPDATE records SET data = json_set(data, '$.safety', json('{}')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety'), 'null') <> 'object';
UPDATE record_versions SET data = json_set(data, '$.safety', json('{}')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety'), 'null') <> 'object';
UPDATE records SET data = json_set(data, '$.safety.anticoagulant', json('false')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety.anticoagulant'), 'null') = 'null';
UPDATE record_versions SET data = json_set(data, '$.safety.anticoagulant', json('false')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety.anticoagulant'), 'null') = 'null';
UPDATE records SET data = json_set(data, '$.safety.bleeding_disorder', json('{"severe":false,"clearance_documented":false}')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety.bleeding_disorder'), 'null') = 'null';
UPDATE record_versions SET data = json_set(data, '$.safety.bleeding_disorder', json('{"severe":false,"clearance_documented":false}')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety.bleeding_disorder'), 'null') = 'null';
UPDATE records SET data = json_set(data, '$.safety.implanted_device', json('false')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety.implanted_device'), 'null') = 'null';
UPDATE record_versions SET data = json_set(data, '$.safety.implanted_device', json('false')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety.implanted_device'), 'null') = 'null';
UPDATE records SET data = json_set(data, '$.safety.diabetes', json('false')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety.diabetes'), 'null') = 'null';
UPDATE record_versions SET data = json_set(data, '$.safety.diabetes', json('false')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety.diabetes'), 'null') = 'null';
UPDATE records SET data = json_set(data, '$.safety.reduced_sensation', json('[]')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety.reduced_sensation'), 'null') = 'null';
UPDATE record_versions SET data = json_set(data, '$.safety.reduced_sensation', json('[]')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety.reduced_sensation'), 'null') = 'null';
UPDATE records SET data = json_set(data, '$.safety.chemotherapy', json('{"active":false,"neurotoxic":false,"neutrophils":null,"neutrophils_date":null,"platelets":null,"platelets_date":null}')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety.chemotherapy'), 'null') = 'null';
UPDATE record_versions SET data = json_set(data, '$.safety.chemotherapy', json('{"active":false,"neurotoxic":false,"neutrophils":null,"neutrophils_date":null,"platelets":null,"platelets_date":null}')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety.chemotherapy'), 'null') = 'null';
UPDATE records SET data = json_set(data, '$.safety.lymphoedema', json('[]')) WHERE kind = 'patient' AND coalesce(json_type(data, '$.safety.lymphoedema'), 'null') = 'null';
UPDATE record_versions SET data = json_set(data, '$.safety.lymphoedema', json('[]')) WHERE record_id IN (SELECT id FROM records WHERE kind = 'patient') AND coalesce(json_type(data, '$.safety.lymphoedema'), 'null') = 'null';
