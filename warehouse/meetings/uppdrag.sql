-- The uppdrag level (issue 21; docs/rules.md "Uppdrag"): per uppdrag its indicators' status
-- and change since the uppdrag started, its tidplan against what was presented (rep.uppdrag_log),
-- and the flags a controller acts on. Point-in-time like the due list: `as_of` is a day, and
-- only values and log rows that had arrived by its end count.

-- known_before / available_before: as in ind.indicator_status_asof. By default what had arrived
-- by the end of `as_of`; a meeting's report passes the papers' rule (ind.papers_status), so the
-- uppdrag section shows the same values as the indicator tables beside it.

-- Per uppdrag and linked indicator: today's status (as of), and the value when the uppdrag
-- started: the newest period that ended before its start, of the same length as today's; for a
-- year-to-date series (ekonomi's cumulative months) also the same month, a year earlier, as the
-- status view compares them (April's year-to-date against April's, never against a full year).
-- The trend since start is judged on the shown (rounded) values in the indicator's direction,
-- and only once a period newer than the start value exists (ny_sedan_start); before that there
-- is nothing to follow up yet.
CREATE OR REPLACE MACRO ind.uppdrag_indikatorer_asof(as_of, known_before := NULL, available_before := NULL) AS TABLE
WITH status AS (
    SELECT * FROM ind.indicator_status_asof(coalesce(known_before, ind.stockholm_day_start(CAST(as_of AS DATE) + 1)),
                                            available_before := available_before)
),
baseline AS (
    SELECT l.uppdrag_id, l.indicator_id, k.value AS start_value, k.period AS start_period,
           k.period_end AS start_period_end
    FROM cfg.uppdrag_indikatorer l
    JOIN cfg.uppdrag u USING (uppdrag_id)
    JOIN cfg.indicators i USING (indicator_id)
    JOIN status s USING (indicator_id)
    JOIN stg.observations_asof(coalesce(known_before, ind.stockholm_day_start(CAST(as_of AS DATE) + 1)),
                               scope := 'kommun', available_before := available_before) k
        ON k.source = i.source AND k.series = i.series AND k.breakdown = i.breakdown AND k.region = i.region
    WHERE k.value IS NOT NULL AND k.period_end < u.start_date
      AND (s.period IS NULL OR length(k.period) = length(s.period))
      AND (NOT ind.year_to_date(k.source, k.series) OR month(k.period_end) = month(s.period_end))
    -- the newest period before the start; of a year and its December month, the year
    QUALIFY row_number() OVER (PARTITION BY l.uppdrag_id, l.indicator_id
                               ORDER BY k.period_end DESC, k.period_start ASC) = 1
)
SELECT l.uppdrag_id, u.namnd, u.rubrik, l.indicator_id, s.name, l.fran_ursprung, s.status, s.aktuellt_varde,
       s.value_status, s.period, s.period_end, s.unit, s.decimals, s.direction, s.onskat_varde, s.target_year,
       b.start_value, b.start_period,
       s.period_end > coalesce(b.start_period_end, DATE '0001-01-01') AND s.period_end >= u.start_date
           AS ny_sedan_start,
       CASE WHEN s.period_end >= u.start_date
            THEN round(s.aktuellt_varde, s.decimals) - round(b.start_value, s.decimals) END AS change_since_start,
       CASE WHEN s.period_end >= u.start_date
            THEN ind.trend_of(s.aktuellt_varde, b.start_value, round(s.aktuellt_varde, s.decimals),
                              round(b.start_value, s.decimals), s.direction) END AS trend_since_start
FROM cfg.uppdrag_indikatorer l
JOIN cfg.uppdrag u USING (uppdrag_id)
JOIN status s USING (indicator_id)
LEFT JOIN baseline b USING (uppdrag_id, indicator_id)
ORDER BY u.namnd, l.uppdrag_id, NOT l.fran_ursprung, l.indicator_id;

-- The tidplan against what was presented: the k-th report given (rep.uppdrag_log, counted as
-- of `as_of` like the KF log, ind.report_counts) fulfils the k-th planned item. lage:
--   given       presented at or before its planned meeting
--   given sent  presented, but at a later meeting than planned
--   sen         its planned meeting has passed and it has not been presented
--   kommande    its meeting is still ahead (or today)
CREATE OR REPLACE MACRO ind.uppdrag_rapporter_asof(as_of) AS TABLE
WITH planned AS (
    SELECT t.uppdrag_id, u.namnd, t.meeting_date, t.slutrapport, t.innehall,
           row_number() OVER (PARTITION BY t.uppdrag_id ORDER BY t.meeting_date) AS nr
    FROM cfg.uppdrag_tidplan t JOIN cfg.uppdrag u USING (uppdrag_id)
),
given AS (
    SELECT uppdrag_id, meeting_date, reported_at, reported_by,
           row_number() OVER (PARTITION BY uppdrag_id ORDER BY meeting_date) AS nr
    FROM rep.uppdrag_log
    WHERE ind.report_counts(meeting_date, reported_at, as_of)
)
SELECT p.uppdrag_id, p.namnd, p.nr, p.meeting_date AS planerat_mote, p.slutrapport, p.innehall,
       g.meeting_date AS givet_mote, g.reported_by, g.reported_at,
       CASE WHEN g.meeting_date IS NOT NULL AND g.meeting_date <= p.meeting_date THEN 'given'
            WHEN g.meeting_date IS NOT NULL THEN 'given sent'
            WHEN p.meeting_date < CAST(as_of AS DATE) THEN 'sen'
            ELSE 'kommande' END AS lage
FROM planned p LEFT JOIN given g USING (uppdrag_id, nr)
ORDER BY p.namnd, p.uppdrag_id, p.nr;

-- One row per uppdrag: what it is, how its indicators stand, where its tidplan is. n_uppnatt
-- counts indicators at their target with a value from after the uppdrag started (a target
-- reached before it started says nothing of the uppdrag).
CREATE OR REPLACE MACRO ind.uppdrag_uppfoljning_asof(as_of, known_before := NULL, available_before := NULL) AS TABLE
WITH ind_summary AS (
    SELECT uppdrag_id, count(*) AS n_indikatorer,
           count(*) FILTER (WHERE status = 'uppnått' AND ny_sedan_start) AS n_uppnatt,
           count(*) FILTER (WHERE trend_since_start = 'bättre') AS n_battre,
           count(*) FILTER (WHERE trend_since_start = 'sämre') AS n_samre
    FROM ind.uppdrag_indikatorer_asof(as_of, known_before := known_before, available_before := available_before)
    GROUP BY uppdrag_id
),
plan AS (
    SELECT uppdrag_id, count(*) FILTER (WHERE lage = 'sen') AS n_sena,
           count(*) FILTER (WHERE lage IN ('given', 'given sent')) AS n_givna, count(*) AS n_planerade,
           min(planerat_mote) FILTER (WHERE lage IN ('kommande', 'sen')) AS nasta_rapport,
           bool_or(slutrapport AND lage IN ('given', 'given sent')) AS slutrapporterat
    FROM ind.uppdrag_rapporter_asof(as_of) GROUP BY uppdrag_id
)
SELECT u.uppdrag_id, u.namnd, u.malomrade, u.rubrik, u.syfte, u.forflyttning, u.onskad_niva, u.ursprung,
       u.ursprung_beskrivning, u.uppfoljning, u.start_date, u.slutrapport, u.budgetpaverkan, u.exempel,
       coalesce(s.n_indikatorer, 0) AS n_indikatorer, coalesce(s.n_uppnatt, 0) AS n_uppnatt,
       coalesce(s.n_battre, 0) AS n_battre, coalesce(s.n_samre, 0) AS n_samre,
       p.n_planerade, p.n_givna, p.n_sena, p.nasta_rapport, coalesce(p.slutrapporterat, false) AS slutrapporterat,
       -- every followed indicator has reached its target: the nämnd may close the uppdrag early
       coalesce(s.n_indikatorer > 0 AND s.n_uppnatt = s.n_indikatorer, false)
           AND NOT coalesce(p.slutrapporterat, false) AS kandidat_avslut
FROM cfg.uppdrag u
LEFT JOIN ind_summary s USING (uppdrag_id)
LEFT JOIN plan p USING (uppdrag_id)
ORDER BY u.namnd, u.uppdrag_id;

-- What a controller acts on, one row per finding:
--   'ej uppnått utan uppdrag'  a nämnd indicator below its target that no uppdrag follows (one
--                              whose slutrapport has been given follows it no longer)
--   'kandidat att avsluta'     an uppdrag whose indicators have all reached their targets since it started
--   'delrapport sen'           a tidplan item whose meeting passed without it
CREATE OR REPLACE MACRO ind.uppdrag_flaggor_asof(as_of, known_before := NULL, available_before := NULL) AS TABLE
WITH open_uppdrag AS (
    SELECT uppdrag_id FROM ind.uppdrag_uppfoljning_asof(as_of, known_before := known_before,
                                                        available_before := available_before)
    WHERE NOT slutrapporterat
)
SELECT 'ej uppnått utan uppdrag' AS flagga, s.namnd, NULL AS uppdrag_id, s.indicator_id,
       s.name || ' är ej uppnått och följs inte av något uppdrag' AS text
FROM ind.indicator_status_asof(coalesce(known_before, ind.stockholm_day_start(CAST(as_of AS DATE) + 1)),
                               available_before := available_before) s
WHERE s.niva = 'nämnd' AND s.status = 'ej uppnått'
  AND NOT EXISTS (SELECT 1 FROM cfg.uppdrag_indikatorer l JOIN open_uppdrag o USING (uppdrag_id)
                  WHERE l.indicator_id = s.indicator_id)
UNION ALL
SELECT 'kandidat att avsluta', namnd, uppdrag_id, NULL,
       rubrik || CASE WHEN n_indikatorer = 1 THEN ': dess indikator har nått önskat värde sedan start'
                      ELSE ': alla ' || n_indikatorer || ' indikatorer har nått önskat värde sedan start' END
FROM ind.uppdrag_uppfoljning_asof(as_of, known_before := known_before, available_before := available_before)
WHERE kandidat_avslut
UNION ALL
SELECT 'delrapport sen', r.namnd, r.uppdrag_id, NULL,
       u.rubrik || ': ' || CASE WHEN r.slutrapport THEN 'slutrapporten' ELSE 'delrapport ' || r.nr END
       || ' skulle ha lämnats ' || strftime(r.planerat_mote, '%Y-%m-%d')
FROM ind.uppdrag_rapporter_asof(as_of) r JOIN cfg.uppdrag u USING (uppdrag_id)
WHERE r.lage = 'sen'
ORDER BY 2, 1, 3, 4, 5;
