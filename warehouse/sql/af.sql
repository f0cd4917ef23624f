-- Arbetsförmedlingen: the newest download of each file, and the four cross-file checks of
-- reference/arbetsformedlingen.md §6, per file month, period and kommun. Each compares one
-- file's total with the tid file's ARBETSLÖSA (inskrivna arbetslösa):
--   sok_insal      web-sok-lan-kom Σ INSAL (over sex and age)
--   svag_samtliga  svag-konkurrensförmåga Σ SAMTLIGA
--   yrke_kvar      yrkesområde Σ KVAR
--   bas_kvi_man    BAS file KVISOK + MANSOK
-- utfall: 'ok' (equal), 'avvikelse', 'saknas' (the kommun is in one file only) or
-- 'maskerad' (a side holds a <5 cell, so no exact comparison is possible).
CREATE OR REPLACE VIEW stg.af_latest_files AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY file_month, kind ORDER BY fetched_at DESC, rowid DESC) AS rn
    FROM raw.af_files)
WHERE rn = 1;

CREATE OR REPLACE VIEW stg.af_korskontroller AS
WITH t AS (
    SELECT f.file_month, f.kind, x.period, x.region, x.measure, x.value, x.masked
    FROM stg.af_latest_files f JOIN stg.af_file_totals x ON x.file_sha256 = f.sha256
),
arbetslosa AS (
    SELECT file_month, period, region, value, masked FROM t WHERE kind = 'tid' AND measure = 'ARBETSLOSA'
),
other AS (
    SELECT file_month, 'sok_insal' AS kontroll, period, region, value, masked
    FROM t WHERE kind = 'sok' AND measure = 'INSAL'
    UNION ALL
    SELECT file_month, 'svag_samtliga', period, region, value, masked
    FROM t WHERE kind = 'svag' AND measure = 'SAMTLIGA'
    UNION ALL
    SELECT file_month, 'yrke_kvar', period, region, value, masked
    FROM t WHERE kind = 'yrke' AND measure = 'KVAR'
    UNION ALL
    SELECT file_month, 'bas_kvi_man', period, region,
           CASE WHEN bool_or(masked) THEN NULL ELSE sum(value) END, bool_or(masked)
    FROM t WHERE kind = 'bas' AND measure IN ('KVISOK', 'MANSOK')
    GROUP BY ALL
),
kontroller AS (SELECT DISTINCT file_month, kontroll FROM other),
expected AS (
    SELECT k.kontroll, a.* FROM kontroller k JOIN arbetslosa a USING (file_month)
)
SELECT coalesce(o.file_month, e.file_month) AS file_month, coalesce(o.kontroll, e.kontroll) AS kontroll,
       coalesce(o.period, e.period) AS period, coalesce(o.region, e.region) AS region,
       o.value AS varde, e.value AS arbetslosa,
       CASE WHEN o.region IS NULL OR e.region IS NULL THEN 'saknas'
            WHEN o.masked OR e.masked THEN 'maskerad'
            WHEN abs(o.value - e.value) < 0.5 THEN 'ok'
            ELSE 'avvikelse' END AS utfall
FROM other o
FULL OUTER JOIN expected e USING (file_month, kontroll, period, region);
