-- KF's own goals (indicator_catalog/kf_mal.yaml): their mått are rows of cfg.indicators with
-- niva 'KF'; status, trend and the due rule are the indicators' own (status.sql, due.sql).
-- Here: the surveys behind them, and each mått's series with its earlier definition beside it.

-- Whether Kolada had published year y of a KPI by as_of, from the KPI's release metadata
-- (reference/kolada.md §5): publ_period is the period of the next release, out once its
-- preliminary (else final) publication date has passed; every earlier year is out; a KPI with no
-- publ_period is discontinued, all its years out. NULL: the warehouse has no metadata for it.
-- The metadata is the last read (raw.kolada_kpi), not kept per day.
CREATE OR REPLACE MACRO ind.kolada_year_published(kpi_id, y, as_of) AS (
    SELECT CASE
        WHEN k.publ_period IS NULL OR NOT regexp_matches(k.publ_period, '^[0-9]{4}$') THEN true
        WHEN y < CAST(k.publ_period AS INTEGER) THEN true
        WHEN y = CAST(k.publ_period AS INTEGER)
            THEN coalesce(coalesce(k.prel_publication_date, k.publication_date) <= CAST(as_of AS DATE), false)
        ELSE false END
    FROM raw.kolada_kpi k WHERE k.kpi = kpi_id
);

-- The surveys of KF's mått per kommun, each with the Kolada KPIs that can show the kommun took
-- part: its answer count and every mått (and earlier definition) of the survey.
CREATE OR REPLACE VIEW ind.kf_survey_kpis AS
SELECT DISTINCT i.enkat, i.region, s.namn, s.antal_svar, s.svarsfrekvens, i.series AS kpi
FROM cfg.indicators i JOIN cfg.kf_surveys s USING (enkat)
WHERE i.source = 'kolada'
UNION
SELECT DISTINCT i.enkat, b.region, s.namn, s.antal_svar, s.svarsfrekvens, b.series
FROM cfg.kf_series_breaks b JOIN cfg.indicators i USING (indicator_id) JOIN cfg.kf_surveys s USING (enkat);

-- Per survey, kommun and year the warehouse asked Kolada for (or holds a value of): did the
-- kommun take part? A kommun takes part only in the years it buys the survey, so "no value"
-- has three meanings, told apart here:
--   deltog                the answer count or any of the survey's figures has a value;
--   deltog inte           nothing, although Kolada had published the year (release metadata of
--                         the answer count, else of a mått) and the warehouse asked for it;
--   inte publicerad ännu  nothing, and the year is not yet published;
--   okänt                 nothing, and the warehouse has no release metadata to tell.
-- Years only up to as_of's year; point-in-time in the values and the fetches it counts.
CREATE OR REPLACE MACRO ind.kf_survey_participation_asof(as_of) AS TABLE
WITH surveys AS (SELECT DISTINCT enkat, region, namn, antal_svar, svarsfrekvens FROM ind.kf_survey_kpis),
kpis AS (
    SELECT enkat, region, kpi FROM ind.kf_survey_kpis
    UNION SELECT enkat, region, antal_svar FROM surveys WHERE antal_svar IS NOT NULL
),
known AS (
    SELECT series, region, CAST(period AS INTEGER) AS ar, value
    FROM stg.observations_asof(ind.stockholm_day_start(CAST(as_of AS DATE) + 1))
    WHERE source = 'kolada' AND breakdown = 'T' AND value IS NOT NULL
),
asked AS (
    SELECT DISTINCT k.enkat, k.region, unnest(f.years) AS ar
    FROM kpis k JOIN raw.kolada_fetches f
      ON list_contains(f.kpis, k.kpi) AND (len(f.municipalities) = 0 OR list_contains(f.municipalities, k.region))
    WHERE f.fetched_at < ind.stockholm_day_start(CAST(as_of AS DATE) + 1)
),
answered AS (
    SELECT k.enkat, k.region, o.ar, count(*) AS figures
    FROM kpis k JOIN known o ON o.series = k.kpi AND o.region = k.region
    GROUP BY ALL
),
years AS (SELECT enkat, region, ar FROM asked UNION SELECT enkat, region, ar FROM answered)
SELECT s.enkat, s.namn, y.region, y.ar,
       a_n.value AS antal_svar, a_f.value AS svarsfrekvens,
       CASE
           WHEN coalesce(a.figures, 0) > 0 THEN 'deltog'
           WHEN p.published THEN 'deltog inte'
           WHEN NOT p.published THEN 'inte publicerad ännu'
           ELSE 'okänt'
       END AS deltagande,
       s.antal_svar AS antal_svar_kpi, s.svarsfrekvens AS svarsfrekvens_kpi
FROM years y
JOIN surveys s USING (enkat, region)
LEFT JOIN answered a USING (enkat, region, ar)
LEFT JOIN known a_n ON a_n.series = s.antal_svar AND a_n.region = y.region AND a_n.ar = y.ar
LEFT JOIN known a_f ON a_f.series = s.svarsfrekvens AND a_f.region = y.region AND a_f.ar = y.ar
LEFT JOIN (
    SELECT enkat, region, ar, ind.kolada_year_published(release_kpi, ar, as_of) AS published
    FROM (SELECT y2.enkat, y2.region, y2.ar,
                 coalesce(max(s2.antal_svar), min(k2.kpi)) AS release_kpi
          FROM years y2 JOIN surveys s2 USING (enkat, region) JOIN ind.kf_survey_kpis k2 USING (enkat, region)
          GROUP BY ALL)
) p USING (enkat, region, ar)
WHERE y.ar <= year(CAST(as_of AS DATE))
ORDER BY s.enkat, y.region, y.ar;

-- Every KF mått's series, period by period, as known at as_of: its own series ('gällande
-- definition') and, after a definition change, the earlier series as a line of its own
-- ('tidigare definition (t.o.m. 2024)'): never joined, never compared across the break; status
-- and trend use the current definition only. Survey participation and answer count beside.
CREATE OR REPLACE MACRO ind.kf_matt_series_asof(as_of) AS TABLE
WITH obs AS (
    SELECT * FROM stg.observations_asof(ind.stockholm_day_start(CAST(as_of AS DATE) + 1)) WHERE value IS NOT NULL
),
lines AS (
    SELECT i.indicator_id, i.malprecisering_id, i.enkat, i.source, i.series, i.breakdown, i.region,
           'gällande definition' AS definition, NULL AS to_period, i.decimals, i.unit
    FROM cfg.indicators i WHERE i.niva = 'KF'
    UNION ALL
    SELECT b.indicator_id, i.malprecisering_id, i.enkat, b.source, b.series, b.breakdown, b.region,
           b.beskrivning, b.to_period, i.decimals, i.unit
    FROM cfg.kf_series_breaks b JOIN cfg.indicators i USING (indicator_id)
)
SELECT l.indicator_id, l.malprecisering_id, l.definition, l.source, l.series, l.region, o.period, o.period_end,
       o.value, round(o.value, l.decimals) AS shown, l.unit, l.enkat,
       p.deltagande, p.antal_svar, p.svarsfrekvens
FROM lines l
JOIN obs o ON o.source = l.source AND o.series = l.series AND o.breakdown = l.breakdown AND o.region = l.region
    AND (l.to_period IS NULL OR o.period <= l.to_period)
LEFT JOIN ind.kf_survey_participation_asof(as_of) p
    ON p.enkat = l.enkat AND p.region = l.region AND CAST(p.ar AS VARCHAR) = left(o.period, 4) AND length(o.period) = 4
ORDER BY l.indicator_id, l.definition, o.period_end;
