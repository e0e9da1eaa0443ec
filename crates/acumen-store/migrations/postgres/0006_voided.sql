-- Voided records, version 6: a session, outcome or adverse event recorded in
-- error is voided by a correction that adds a `voided` entry (the reason and
-- when) to its data. The record and all its versions are kept; every figure
-- leaves it out. The research view of pain scores leaves voided outcomes out
-- as the store's own queries do.
CREATE OR REPLACE VIEW research_pain AS
SELECT o.id,
       o.parent_id AS course_id,
       coalesce(o.data->>'timepoint', '') AS timepoint,
       CASE WHEN jsonb_typeof(o.data->'session_number') = 'number'
            THEN (o.data->>'session_number')::float8::BIGINT ELSE 0 END AS session_number,
       CASE WHEN jsonb_typeof(o.data->'value') = 'number' THEN (o.data->>'value')::float8 END AS value,
       CASE WHEN o.data->>'date' ~ '^\d{4}-\d{2}-\d{2}' AND c.data->>'start' ~ '^\d{4}-\d{2}-\d{2}'
            THEN (substr(o.data->>'date', 1, 10)::date - substr(c.data->>'start', 1, 10)::date)::float8 END AS days_since_start
FROM records o
JOIN records c ON c.id = o.parent_id
WHERE o.kind = 'outcome' AND o.data->>'instrument' = 'nrs_average' AND o.data->'voided' IS NULL;
