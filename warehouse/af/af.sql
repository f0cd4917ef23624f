-- Arbetsförmedlingen: the newest download of each file, and the four cross-file checks of
-- reference/arbetsformedlingen.md §6, per file month, period and kommun. Each compares one
-- file's total with the tid file's ARBETSLÖSA (inskrivna arbetslösa):
--   sok_insal      web-sok-lan-kom Σ INSAL (over sex and age)
--   svag_samtliga  svag-konkurrensförmåga Σ SAMTLIGA
--   yrke_kvar      yrkesområde Σ KVAR
--   bas_kvi_man    BAS file KVISOK + MANSOK
-- A total with masked (<5) parts is the interval [low, high] (sources/af.py). utfall:
--   'ok'         both exact and equal;
--   'maskerad'   a side is masked and the intervals overlap (consistent, not exact);
--   'avvikelse'  they cannot be equal;
--   'saknas'     the kommun is in one file only, or a figure is empty ('..').
-- Periods compared: those both files hold, and always the file month itself (files that
-- carry a series and files that carry only their month can be mixed).
CREATE OR REPLACE VIEW stg.af_latest_files AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY file_month, kind ORDER BY fetched_at DESC, rowid DESC) AS rn
    FROM raw.af_files)
WHERE rn = 1;

CREATE OR REPLACE VIEW stg.af_korskontroller AS
WITH t AS (
    SELECT f.file_month, f.kind, x.period, x.region, x.measure, x.value, x.low, x.high, x.status
    FROM stg.af_latest_files f JOIN stg.af_file_totals x ON x.file_sha256 = f.sha256
),
arbetslosa AS (
    SELECT file_month, period, region, value, low, high, status FROM t WHERE kind = 'tid' AND measure = 'ARBETSLOSA'
),
other AS (
    SELECT file_month, 'sok_insal' AS kontroll, period, region, value, low, high, status
    FROM t WHERE kind = 'sok' AND measure = 'INSAL'
    UNION ALL
    SELECT file_month, 'svag_samtliga', period, region, value, low, high, status
    FROM t WHERE kind = 'svag' AND measure = 'SAMTLIGA'
    UNION ALL
    SELECT file_month, 'yrke_kvar', period, region, value, low, high, status
    FROM t WHERE kind = 'yrke' AND measure = 'KVAR'
    UNION ALL
    SELECT file_month, 'bas_kvi_man', period, region,
           CASE WHEN bool_and(status = '') THEN sum(value) END,
           CASE WHEN NOT bool_or(status = '..') THEN sum(low) END,
           CASE WHEN NOT bool_or(status = '..') THEN sum(high) END,
           CASE WHEN bool_or(status = '..') THEN '..' WHEN bool_or(status = '<5') THEN '<5' ELSE '' END
    FROM t WHERE kind = 'bas' AND measure IN ('KVISOK', 'MANSOK')
    GROUP BY ALL
),
kontroller AS (SELECT DISTINCT file_month, kontroll FROM other),
compared AS (
    SELECT DISTINCT o.file_month, o.kontroll, o.period
    FROM other o JOIN arbetslosa a ON a.file_month = o.file_month AND a.period = o.period
    UNION
    SELECT file_month, kontroll, file_month FROM kontroller
),
expected AS (
    SELECT k.kontroll, a.* FROM kontroller k JOIN arbetslosa a USING (file_month)
),
pairs AS (
    SELECT coalesce(o.file_month, e.file_month) AS file_month, coalesce(o.kontroll, e.kontroll) AS kontroll,
           coalesce(o.period, e.period) AS period, coalesce(o.region, e.region) AS region,
           o.value AS varde, o.low AS varde_min, o.high AS varde_max, o.status AS varde_status,
           e.value AS arbetslosa, e.low AS arbetslosa_min, e.high AS arbetslosa_max, e.status AS arbetslosa_status
    FROM other o
    FULL OUTER JOIN expected e USING (file_month, kontroll, period, region)
)
SELECT p.*,
       CASE WHEN varde_status IS NULL OR arbetslosa_status IS NULL THEN 'saknas'
            WHEN '..' IN (varde_status, arbetslosa_status) THEN 'saknas'
            WHEN varde_status = '' AND arbetslosa_status = '' THEN
                 CASE WHEN abs(varde - arbetslosa) < 0.5 THEN 'ok' ELSE 'avvikelse' END
            WHEN varde_min <= arbetslosa_max + 0.5 AND arbetslosa_min <= varde_max + 0.5 THEN 'maskerad'
            ELSE 'avvikelse' END AS utfall
FROM pairs p
SEMI JOIN compared c USING (file_month, kontroll, period);
