-- Måluppfyllelse: the yearly judgement of KF's goals (README "KF:s mål"), one rule at every level.
--
-- A part counts 1 when met, 0.5 when partly met and 0 when not; parts that cannot be judged
-- count in neither the numerator nor the denominator, but when fewer than minst_bedomda of all
-- parts can be judged the whole kan inte bedömas (a goal judged on a third of its measures says
-- little). With share = (met + 0.5 × partly) / judged, and the settings in cfg.kf_bedomning
-- (kf_mal.yaml `bedomning`, default 0.8 / 0.5 / 0.1 / 0.5):
--   uppfyllt          share ≥ uppfyllt_fran
--   delvis uppfyllt   share ≥ delvis_fran, or share ≥ delvis_fran − trend_marginal while more
--                     of the goal's mått improved than worsened (trend as the tie-breaker)
--   ej uppfyllt       otherwise
--   kan inte bedömas  nothing judged, or judged < minst_bedomda × parts
-- Levels: a målprecisering from its mått (status uppnått = met, nära = partly, ej uppnått = not,
-- ingen data / kan inte bedömas = not judged); a strategiskt mål from its målpreciseringar and a
-- målområde from its strategiska mål (uppfyllt = met, delvis = partly, ej = not). The trend counts
-- are those of the mått beneath (bättre / sämre since the previous period).
-- A tiny epsilon keeps a share exactly on a threshold on the upper side despite float noise.
CREATE OR REPLACE MACRO ind.kf_judge(parts, met, partly, judged, better, worse) AS (
    SELECT CASE
        WHEN judged = 0 OR judged < r.minst_bedomda * parts - 1e-9 THEN 'kan inte bedömas'
        WHEN (met + 0.5 * partly) / judged >= r.uppfyllt_fran - 1e-9 THEN 'uppfyllt'
        WHEN (met + 0.5 * partly) / judged >= r.delvis_fran - 1e-9 THEN 'delvis uppfyllt'
        WHEN (met + 0.5 * partly) / judged >= r.delvis_fran - r.trend_marginal - 1e-9 AND better > worse
            THEN 'delvis uppfyllt'
        ELSE 'ej uppfyllt'
    END
    FROM cfg.kf_bedomning r
);

-- Each KF mått's status as known at the end of as_of; with ar, as the bokslut of that year
-- shows it: the newest value of a period ending in that year or before.
CREATE OR REPLACE MACRO ind.kf_matt_status_asof(as_of, ar := NULL) AS TABLE
SELECT s.*, ar IS NOT NULL AND year(s.period_end) < ar AS older_than_year
FROM ind.indicator_status_asof(ind.stockholm_day_start(CAST(as_of AS DATE) + 1),
                               period_end_max := CASE WHEN ar IS NULL THEN NULL ELSE make_date(ar, 12, 31) END) s
WHERE s.niva = 'KF';

CREATE OR REPLACE MACRO ind.kf_maluppfyllelse_asof(as_of, ar := NULL) AS TABLE
WITH matt AS (SELECT * FROM ind.kf_matt_status_asof(as_of, ar := ar)),
prec AS (
    SELECT p.malprecisering_id, p.mal_id, p.text, p.horisont, p.ordning,
           count(m.indicator_id) AS parts,
           count(*) FILTER (WHERE m.status = 'uppnått') AS met,
           count(*) FILTER (WHERE m.status = 'nära') AS partly,
           count(*) FILTER (WHERE m.status IN ('uppnått', 'nära', 'ej uppnått')) AS judged,
           count(*) FILTER (WHERE m.trend = 'bättre') AS better,
           count(*) FILTER (WHERE m.trend = 'sämre') AS worse
    FROM cfg.kf_malpreciseringar p LEFT JOIN matt m ON m.malprecisering_id = p.malprecisering_id
    GROUP BY ALL
),
prec_j AS (SELECT *, ind.kf_judge(parts, met, partly, judged, better, worse) AS bedomning FROM prec),
goal AS (
    SELECT g.mal_id, g.malomrade, g.text, g.horisont, g.ordning,
           count(p.malprecisering_id) AS parts,
           count(*) FILTER (WHERE p.bedomning = 'uppfyllt') AS met,
           count(*) FILTER (WHERE p.bedomning = 'delvis uppfyllt') AS partly,
           count(*) FILTER (WHERE p.bedomning <> 'kan inte bedömas') AS judged,
           coalesce(sum(p.better), 0) AS better, coalesce(sum(p.worse), 0) AS worse
    FROM cfg.kf_strategiska_mal g LEFT JOIN prec_j p USING (mal_id)
    GROUP BY ALL
),
goal_j AS (SELECT *, ind.kf_judge(parts, met, partly, judged, better, worse) AS bedomning FROM goal),
area AS (
    SELECT malomrade, min(ordning) AS ordning, count(*) AS parts,
           count(*) FILTER (WHERE bedomning = 'uppfyllt') AS met,
           count(*) FILTER (WHERE bedomning = 'delvis uppfyllt') AS partly,
           count(*) FILTER (WHERE bedomning <> 'kan inte bedömas') AS judged,
           sum(better) AS better, sum(worse) AS worse
    FROM goal_j GROUP BY malomrade
)
SELECT 'målområde' AS niva, malomrade AS id, malomrade, NULL AS mal_id, malomrade AS text, NULL AS horisont,
       ordning * 1000000 AS ordning, parts, met, partly, judged, better, worse,
       ind.kf_judge(parts, met, partly, judged, better, worse) AS bedomning
FROM area
UNION ALL
SELECT 'strategiskt mål', mal_id, malomrade, mal_id, text, horisont, ordning * 1000000 + 1,
       parts, met, partly, judged, better, worse, bedomning
FROM goal_j
UNION ALL
SELECT 'målprecisering', p.malprecisering_id, g.malomrade, p.mal_id, p.text, p.horisont,
       g.ordning * 1000000 + 2 + p.ordning, p.parts, p.met, p.partly, p.judged, p.better, p.worse, p.bedomning
FROM prec_j p JOIN cfg.kf_strategiska_mal g USING (mal_id)
ORDER BY ordning;

-- The bokslut of year bokslut_ar as known at the end of as_of: every KF mått with its målprecisering and
-- goal, value, target, status and trend (ind.kf_matt_status_asof), the comparison group's mean
-- for the same period (ind.peer_comparison_asof), and for a survey whether the kommun took
-- part in the year itself (ind.kf_survey_participation_asof) with its answer count.
CREATE OR REPLACE MACRO ind.kf_bokslut_matt_asof(as_of, bokslut_ar) AS TABLE
-- participation once, joined for the bokslut year and for the year of the value shown
WITH participation AS MATERIALIZED (SELECT * FROM ind.kf_survey_participation_asof(as_of))
SELECT m.indicator_id, m.name, m.indikator_kalla, m.malomrade, g.mal_id, m.malprecisering_id, m.unit, m.decimals,
       m.direction, m.onskat_varde, m.target_year, m.tolerance, m.source, m.series, m.region, m.period, m.period_end,
       m.aktuellt_varde, m.value_status, m.status, m.prev_period, m.prev_value, m.change, m.trend, m.older_than_year,
       m.enkat, part.deltagande AS deltagande_aret, part.antal_svar, part.svarsfrekvens,
       -- the answer count and response rate of the survey year the shown value is from
       own.antal_svar AS antal_svar_varde, own.svarsfrekvens AS svarsfrekvens_varde,
       c.group_mean, c.group_n, c.group_size, c.group_position, c.rank, c.ranked_of
FROM ind.kf_matt_status_asof(as_of, ar := bokslut_ar) m
JOIN cfg.kf_malpreciseringar p USING (malprecisering_id)
JOIN cfg.kf_strategiska_mal g USING (mal_id)
LEFT JOIN ind.peer_comparison_asof(ind.stockholm_day_start(CAST(as_of AS DATE) + 1),
                                   period_end_max := make_date(bokslut_ar, 12, 31)) c USING (indicator_id)
LEFT JOIN participation part
    ON part.enkat = m.enkat AND part.region = m.region AND part.ar = bokslut_ar
LEFT JOIN participation own
    ON own.enkat = m.enkat AND own.region = m.region AND own.ar = year(m.period_end) AND length(m.period) = 4
ORDER BY g.ordning, p.ordning, m.indicator_id;

-- What we know now, judged on the newest values.
CREATE OR REPLACE VIEW ind.kf_maluppfyllelse AS
SELECT * FROM ind.kf_maluppfyllelse_asof(ind.today());
