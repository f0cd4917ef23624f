-- All sources' observations in one shape. Each source's table keeps its own extra columns;
-- here: period_start (so a yearly and a monthly figure ending the same day can be told
-- apart), published_at (the source's publication time, where it gives one) and
-- source_table (the SCB table a value came from).
CREATE OR REPLACE VIEW stg.observations AS
SELECT source, series, breakdown, region, period,
       make_date(CAST(period AS INTEGER), 1, 1) AS period_start, period_end, value, status,
       is_deleted, vintage, first_seen, fetched_at, CAST(NULL AS TIMESTAMPTZ) AS published_at,
       CAST(NULL AS VARCHAR) AS source_table, response_id
FROM stg.kolada_observations
UNION ALL BY NAME
SELECT source, series, breakdown, region, period, period_start, period_end, value, status,
       is_deleted, vintage, first_seen, fetched_at, published_at, source_table, response_id
FROM stg.scb_observations
UNION ALL BY NAME
SELECT source, series, breakdown, region, period, period_start, period_end, value, status,
       is_deleted, vintage, first_seen, fetched_at, CAST(NULL AS TIMESTAMPTZ) AS published_at,
       file_sha256 AS source_table, response_id
FROM stg.file_observations
UNION ALL BY NAME
SELECT source, series, breakdown, region, period, period_start, period_end, value, status,
       is_deleted, vintage, first_seen, fetched_at, CAST(NULL AS TIMESTAMPTZ) AS published_at,
       file_sha256 AS source_table, response_id
FROM stg.af_observations;

-- The latest vintage of every key that is not deleted: "what we know now".
CREATE OR REPLACE VIEW stg.current_observations AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (
        PARTITION BY source, series, breakdown, region, period ORDER BY vintage DESC) AS rn
    FROM stg.observations)
WHERE rn = 1 AND NOT is_deleted;

-- Since when the warehouse has watched each source table: a publication time earlier than
-- this says nothing about when the value could have reached the KF papers (kf_due.sql).
CREATE OR REPLACE VIEW stg.source_watch AS
SELECT 'scb' AS source, table_id AS source_table, min(checked_at) AS since
FROM raw.scb_table_checks
GROUP BY table_id;

-- When a value version became available, for the KF due rule and the meeting papers alike
-- (kf_due.sql): its publication time where the source gives one and the warehouse was already
-- watching the table then, otherwise first seen.
CREATE OR REPLACE MACRO ind.available_at(src, tbl, pub, seen) AS
    CASE WHEN pub < seen
              AND pub >= (SELECT w.since FROM stg.source_watch w WHERE w.source = src AND w.source_table = tbl)
         THEN pub ELSE seen END;
