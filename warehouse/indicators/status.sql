-- Status of every catalog indicator against its önskat värde, as known at a point in time.
--   known_before   = only value versions fetched before this instant count, so
--                    "what did the warehouse say on date X" is a query, not a guess;
--   aktuellt värde = the newest period that has a (non-deleted, non-null) value;
--   datum          = that period's end date;
--   status         = uppnått | nära | ej uppnått | kan inte bedömas | ingen data, using
--                    direction and tolerance on the value **as shown**, i.e. rounded to the
--                    catalog's decimals (89,6 with 0 decimals shows "90" and meets "≥ 90"):
--     higher is better: value >= target -> uppnått; value >= target - tolerance -> nära
--     lower is better:  value <= target -> uppnått; value <= target + tolerance -> nära
--     kan inte bedömas: the value covers only part of its window (its status 'N av M mån',
--                    e.g. a 12-month turnover from 1 month: warehouse/files/hr.py)
--   A tiny epsilon keeps "exactly on target" uppnått despite float noise. round() rounds
--   half away from zero; warehouse/presentation/text.py fmt_number shows values the same way.
--   change, trend  = against the previous period (the first older end date), or for a
--                    year-to-date series (ind.year_to_date) the same month a year earlier:
--                    January's year to date against December's is no change. The change is
--                    the difference of the shown values.

-- The latest vintage of every key that had arrived before `known_before` (its fetched_at: a
-- value that returns unchanged after a tombstone keeps its old first_seen, but its vintage
-- arrived when it was fetched), unless that is a deletion.
-- scope: 'all' every observation; 'catalog' the catalog's series (source, series, breakdown)
-- for every unit; 'kommun' the catalog's series for the units its indicators read (one test on
-- series and unit together, which implies the series test). The scope filters on the window's
-- partition columns before the window, so it drops whole keys and changes nothing in the keys
-- kept; in a national warehouse the kommun's status read all 800,000 rows through the window
-- for its 2,500 (0.9 s; with the scope 0.02 s).
-- available_before: also only versions that had become available before it, by the KF due
-- rule's availability (ind.available_at): what a meeting's papers can show.
CREATE OR REPLACE MACRO stg.observations_asof(known_before, scope := 'all', available_before := NULL) AS TABLE
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (
        PARTITION BY source, series, breakdown, region, period ORDER BY vintage DESC) AS rn
    FROM stg.observations o
    WHERE fetched_at < known_before
      AND (available_before IS NULL
           OR ind.available_at(o.source, o.source_table, o.published_at, o.first_seen) < available_before)
      AND (scope = 'all'
           OR (scope = 'catalog' AND (source, series, breakdown) IN (SELECT source, series, breakdown FROM cfg.indicators))
           OR (scope = 'kommun'
               AND (source, series, breakdown, region) IN (SELECT source, series, breakdown, region FROM cfg.indicators))))
WHERE rn = 1 AND NOT is_deleted;

-- The catalog's indicators for the configured kommun (all_units false), or for every unit with
-- a figure of the indicator's series (all_units true: in national mode every kommun, region
-- and Riket; the kommun's own files stay the kommun's). Önskat värde is the catalog's: for
-- another kommun the status says how it stands against this kommun's targets.
CREATE OR REPLACE MACRO ind.indicator_units(all_units) AS TABLE
SELECT * FROM cfg.indicators WHERE NOT all_units
UNION ALL
SELECT i.* REPLACE (u.region AS region)
FROM cfg.indicators i
JOIN (SELECT DISTINCT source, series, breakdown, region FROM stg.observations
      UNION SELECT source, series, breakdown, region FROM cfg.indicators) u
  ON u.source = i.source AND u.series IS NOT DISTINCT FROM i.series AND u.breakdown IS NOT DISTINCT FROM i.breakdown
WHERE all_units;

-- Series whose months run year to date (or forecast the year): a month is compared with the
-- same month a year earlier, never with December across New Year. Kept in step with
-- warehouse/files/ekonomi.py YEAR_TO_DATE (tests/test_warehouse_status.py).
CREATE OR REPLACE MACRO ind.year_to_date(source, series) AS
    list_contains(['ekonomi/resultat_ack', 'ekonomi/budget_resultat_ack', 'ekonomi/resultat_mot_budget',
                   'ekonomi/upparbetade_investeringar_kr', 'ekonomi/upparbetade_investeringar_andel',
                   'ekonomi/prognos_arets_resultat', 'ekonomi/prognos_avvikelse_mot_budget'],
                  source || '/' || series);

-- A value's status that says it covers only part of its window ('1 av 12 mån').
CREATE OR REPLACE MACRO ind.incomplete(value_status) AS
    coalesce(regexp_matches(value_status, '^[0-9]+ av [0-9]+ mån$'), false);

-- How old an aktuellt värde is, for the reports' warning: the number of newer periods (of the
-- same length) that the warehouse holds for the same series and breakdown in any unit, as known
-- before known_before; and the reason to warn, by settings.yaml `max_perioder_efter` and
-- `max_alder_manader` (months from the period's end to `day`), NULL when the value is current.
CREATE OR REPLACE MACRO ind.periods_behind(src, ser, brk, p_end, p_len, known_before) AS (
    SELECT count(DISTINCT o.period_end) FROM stg.observations o
    WHERE o.source = src AND o.series = ser AND o.breakdown = brk AND o.period_end > p_end
      AND length(o.period) = p_len AND o.value IS NOT NULL AND NOT o.is_deleted AND o.fetched_at < known_before
);

CREATE OR REPLACE MACRO ind.stale_reason(periods_behind, p_end, day) AS (
    SELECT CASE
        WHEN p_end IS NULL THEN NULL
        WHEN periods_behind > s.max_perioder_efter
            THEN periods_behind || ' nyare perioder finns för andra enheter i lagret'
        WHEN date_diff('month', p_end, CAST(day AS DATE)) > s.max_alder_manader
            THEN 'värdet är äldre än ' || s.max_alder_manader || ' månader'
    END
    FROM cfg.settings s
);

-- THE status rule (the header above), one definition for nämnd indicators and KF's mått alike.
CREATE OR REPLACE MACRO ind.status_of(value, value_status, shown, target_shown, direction, tolerance) AS
    CASE
        WHEN value IS NULL THEN 'ingen data'
        WHEN ind.incomplete(value_status) THEN 'kan inte bedömas'
        WHEN direction = 'higher' AND shown >= target_shown - 1e-9 THEN 'uppnått'
        WHEN direction = 'higher' AND shown >= target_shown - tolerance - 1e-9 THEN 'nära'
        WHEN direction = 'lower' AND shown <= target_shown + 1e-9 THEN 'uppnått'
        WHEN direction = 'lower' AND shown <= target_shown + tolerance + 1e-9 THEN 'nära'
        ELSE 'ej uppnått'
    END;

CREATE OR REPLACE MACRO ind.trend_of(value, prev_value, shown, prev_shown, direction) AS
    CASE
        WHEN value IS NULL OR prev_value IS NULL THEN NULL
        WHEN abs(shown - prev_shown) < 1e-9 THEN 'oförändrat'
        WHEN (shown > prev_shown) = (direction = 'higher') THEN 'bättre'
        ELSE 'sämre'
    END;

-- period_end_max: only periods ending on or before it (the bokslut of a year: the newest value
-- of that year or before, warehouse/goals/goals.sql).
CREATE OR REPLACE MACRO ind.indicator_status_units_asof(known_before, all_units, available_before := NULL,
                                                        period_end_max := NULL) AS TABLE
-- Per key, newest end date first and, within an end date, the longer period first (the year
-- over its December month). The first row is the current value; the previous period is
-- the first row of the next end date: the row whose predecessor ends on the newest end date
-- while it does not. All three from one sort (a self-join for the previous period, and
-- later ranking windows over every row, made the whole-country status slower,
-- docs/benchmarks.md).
WITH ordered AS (
    SELECT o.*, row_number() OVER k AS rn, lag(period_end) OVER k AS newer_end,
           first_value(period_end) OVER k AS newest_end
    FROM stg.observations_asof(known_before, scope := CASE WHEN all_units THEN 'catalog' ELSE 'kommun' END,
                               available_before := available_before) o
    WHERE value IS NOT NULL AND (period_end_max IS NULL OR period_end <= period_end_max)
    WINDOW k AS (PARTITION BY source, series, breakdown, region ORDER BY period_end DESC, period_start ASC)
),
cur AS (SELECT * FROM ordered WHERE rn = 1),
prev AS (SELECT * FROM ordered WHERE newer_end = newest_end AND period_end <> newest_end
         AND NOT ind.year_to_date(source, series)),
-- A year-to-date month's comparison: the same month, a year earlier (few rows: the catalog's
-- ekonomi series).
prev_ytd AS (
    SELECT o.* FROM ordered o JOIN cur c USING (source, series, breakdown, region)
    WHERE ind.year_to_date(o.source, o.series) AND length(o.period) = length(c.period)
      AND o.period_end = last_day(c.period_end - INTERVAL 1 YEAR)
),
joined AS (
    SELECT i.*, cur.period, cur.period_start, cur.period_end, cur.value, cur.status AS value_status,
           cur.vintage, cur.first_seen, cur.fetched_at, cur.published_at, cur.source_table, cur.response_id,
           coalesce(prev.period, prev_ytd.period) AS prev_period, coalesce(prev.value, prev_ytd.value) AS prev_value,
           round(cur.value, i.decimals) AS shown, round(i.onskat_varde, i.decimals) AS target_shown,
           round(coalesce(prev.value, prev_ytd.value), i.decimals) AS prev_shown
    FROM ind.indicator_units(all_units) i
    LEFT JOIN cur ON cur.source = i.source AND cur.series = i.series
        AND cur.breakdown = i.breakdown AND cur.region = i.region
    LEFT JOIN prev ON prev.source = i.source AND prev.series = i.series
        AND prev.breakdown = i.breakdown AND prev.region = i.region
    LEFT JOIN prev_ytd ON prev_ytd.source = i.source AND prev_ytd.series = i.series
        AND prev_ytd.breakdown = i.breakdown AND prev_ytd.region = i.region
)
SELECT
    indicator_id, namnd, malomrade, name, indikator_kalla, source, series, breakdown, region,
    unit, decimals, direction, onskat_varde, target_year, tolerance,
    uppdrag, budgetpaverkan, indikator_kf, frequency, report_revisions, note,
    period, period_start, period_end, value AS aktuellt_varde, value_status, vintage, first_seen,
    fetched_at, published_at, source_table, response_id,
    prev_period, prev_value, shown - prev_shown AS change, niva, malprecisering_id, enkat, onskat_exempel,
    ind.status_of(value, value_status, shown, target_shown, direction, tolerance) AS status,
    ind.trend_of(value, prev_value, shown, prev_shown, direction) AS trend
FROM joined;

CREATE OR REPLACE MACRO ind.indicator_status_asof(known_before, available_before := NULL, period_end_max := NULL) AS TABLE
SELECT * FROM ind.indicator_status_units_asof(known_before, false, available_before := available_before,
                                              period_end_max := period_end_max);

-- The whole country (national mode): every indicator for every unit with a figure.
CREATE OR REPLACE VIEW ind.indicator_status_riket AS
SELECT * FROM ind.indicator_status_units_asof(TIMESTAMPTZ 'infinity', true);

-- What we know now.
CREATE OR REPLACE VIEW ind.indicator_status AS
SELECT * FROM ind.indicator_status_asof(TIMESTAMPTZ 'infinity');

-- The fresher companion figure of an indicator (catalog: manadsvarde): the newest value of
-- its series, shown beside the indicator and never compared with önskat värde.
CREATE OR REPLACE VIEW ind.manadsvarden AS
SELECT indicator_id, varde, period, period_end, beskrivning, source, series, source_table FROM (
    SELECT m.indicator_id, o.value AS varde, o.period, o.period_end, m.label AS beskrivning, m.source,
           m.series, o.source_table,
           row_number() OVER (PARTITION BY m.indicator_id ORDER BY o.period_end DESC) AS rn
    FROM cfg.manadsvarden m
    JOIN stg.current_observations o ON o.source = m.source AND o.series = m.series
        AND o.breakdown = m.breakdown AND o.region = m.region AND o.value IS NOT NULL)
WHERE rn = 1;

-- The kommun's own yearly figure beside the Kolada KPI that cross-checks it (catalog:
-- kolada_kontroll), for the same year and the whole kommun. Shares are computed from the
-- year's summed hours and counts, never averaged from monthly shares. The year shown is the
-- newest with both figures, else the newest with the kommun's own.
CREATE OR REPLACE VIEW ind.kolada_kontroll AS
WITH hr AS (
    SELECT region, year(period_end) AS ar,
           count(DISTINCT period) FILTER (WHERE series = 'sjuk_timmar_totalt') AS manader,
           100 * sum(value) FILTER (WHERE series = 'sjuk_timmar_dag60plus')
               / nullif(sum(value) FILTER (WHERE series = 'sjuk_timmar_totalt'), 0) AS langtid_andel_ar,
           100 * sum(value) FILTER (WHERE series = 'avgangar_antal')
               / nullif(avg(value) FILTER (WHERE series = 'tillsvidareanstallda_medel'), 0) AS personalomsattning_ar
    FROM stg.current_observations
    WHERE source = 'hr' AND breakdown = 'T'
    GROUP BY ALL
),
-- AF's yearly share of inskrivna arbetslösa: the year's summed inskrivna over its summed
-- arbetskraft (group TOT), over the months that have both figures (manader counts them).
af AS (
    SELECT region, ar, count(*) AS manader, 100 * sum(ins) / nullif(sum(ak), 0) AS af_andel_ar
    FROM (
        SELECT region, year(period_end) AS ar, period,
               max(value) FILTER (WHERE series = 'inskrivna_arbetslosa') AS ins,
               max(value) FILTER (WHERE series = 'arbetskraft') AS ak
        FROM stg.current_observations
        WHERE source = 'arbetsformedlingen' AND breakdown = 'TOT' AND series IN ('inskrivna_arbetslosa', 'arbetskraft')
        GROUP BY ALL)
    WHERE ins IS NOT NULL AND ak IS NOT NULL
    GROUP BY ALL
),
own AS (
    SELECT region, ar, manader, 'langtid_andel_ar' AS jamfor, langtid_andel_ar AS varde FROM hr
    UNION ALL SELECT region, ar, manader, 'personalomsattning_ar', personalomsattning_ar FROM hr
    UNION ALL SELECT region, ar, manader, 'af_andel_ar', af_andel_ar FROM af
),
kolada AS (
    SELECT series, breakdown, region, CAST(period AS INTEGER) AS ar, value
    FROM stg.current_observations WHERE source = 'kolada' AND value IS NOT NULL
),
pairs AS (
    SELECT k.indicator_id, k.series AS kolada_kpi, k.jamfor, o.ar, o.manader, o.varde AS eget_varde,
           ko.value AS kolada_varde,
           row_number() OVER (PARTITION BY k.indicator_id
                              ORDER BY ko.value IS NOT NULL DESC, o.ar DESC NULLS LAST) AS rn
    FROM cfg.kontroller k
    LEFT JOIN own o ON o.region = k.region AND o.jamfor = k.jamfor
    LEFT JOIN kolada ko ON ko.series = k.series AND ko.breakdown = k.breakdown AND ko.region = k.region AND ko.ar = o.ar
)
SELECT i.indicator_id, i.namnd, i.name, i.unit, p.ar, p.manader, p.jamfor, p.eget_varde, p.kolada_kpi, p.kolada_varde
FROM pairs p JOIN cfg.indicators i USING (indicator_id)
WHERE p.rn = 1
ORDER BY i.namnd, i.indicator_id;
