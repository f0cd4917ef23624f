-- Kolada's values as flat rows beside the raw answers they came from (response_id), written
-- when a fetch lands (warehouse/kolada_landing.py), so loading observations is a query over
-- typed columns instead of a second parse of every page's JSON (a national backfill is
-- about 100 MB of JSON; docs/benchmarks.md). raw.kolada_responses keeps the bodies as received.
CREATE TABLE raw.kolada_values (
    response_id  BIGINT NOT NULL,
    kpi          VARCHAR NOT NULL,
    municipality VARCHAR NOT NULL,
    period       INTEGER NOT NULL,
    gender       VARCHAR NOT NULL,
    value        DOUBLE,
    status       VARCHAR NOT NULL,
    isdeleted    BOOLEAN NOT NULL
);

-- The rows of the data answers landed before this table existed. `isdeleted` is read per
-- gender value, else on the item (its place in v3 is unverified, reference/kolada.md §3).
INSERT INTO raw.kolada_values
SELECT t.response_id, t.i.kpi, t.i.municipality, t.i.period, u.v.gender, u.v.value,
       coalesce(u.v.status, ''), coalesce(u.v.isdeleted, t.i.isdeleted, false)
FROM (
    SELECT response_id, unnest(from_json(json_extract(payload, '$.values'),
        '[{"kpi": "VARCHAR", "municipality": "VARCHAR", "period": "INTEGER", "isdeleted": "BOOLEAN",
           "values": [{"gender": "VARCHAR", "value": "DOUBLE", "status": "VARCHAR", "isdeleted": "BOOLEAN"}]}]')) AS i
    FROM raw.kolada_responses
    WHERE url LIKE '%/data/kpi/%'
) AS t, unnest(t.i."values") AS u(v);
