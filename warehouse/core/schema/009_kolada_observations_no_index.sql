-- stg.kolada_observations without its PRIMARY KEY index. The index cost 0.75 s of a 7 s
-- national backfill (797,806 values: insert 0.65 → 0.27 s, commit 0.38 → 0.01 s;
-- docs/benchmarks.md), and DuckDB uses such an index for nothing but the constraint. The
-- key (series, breakdown, region, period, vintage) stays unique because the merge is the
-- only writer (one DuckDB writer at a time, the duckdb pool), refuses a fetch with a key
-- twice (DuplicateObservations) and numbers each key's vintages from its newest one; and
-- the blocking check stg/kolada_observations:unique_vintages verifies after every load
-- that each key's vintages are exactly 1..n (no duplicate, no gap), so nothing downstream
-- runs on a table that breaks it.
CREATE TABLE stg.kolada_observations_new (
    source      VARCHAR NOT NULL DEFAULT 'kolada',
    series      VARCHAR NOT NULL,   -- KPI id
    breakdown   VARCHAR NOT NULL,   -- gender T/K/M
    region      VARCHAR NOT NULL,   -- kommunkod / Kolada municipality id
    period      VARCHAR NOT NULL,   -- '2022'
    period_end  DATE NOT NULL,
    value       DOUBLE,             -- NULL when the source has no value
    status      VARCHAR NOT NULL,
    is_deleted  BOOLEAN NOT NULL,
    vintage     INTEGER NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL,
    response_id BIGINT
);
INSERT INTO stg.kolada_observations_new
SELECT source, series, breakdown, region, period, period_end, value, status, is_deleted, vintage,
       first_seen, fetched_at, response_id
FROM stg.kolada_observations ORDER BY series, breakdown, region, period, vintage;
DROP TABLE stg.kolada_observations;
ALTER TABLE stg.kolada_observations_new RENAME TO kolada_observations;
