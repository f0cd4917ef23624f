-- The KF due rule (README "Status- och KF-regler"):
--   An Indikator KF indicator is due at the first KF meeting whose paper deadline falls after
--   the day (Stockholm time) its oldest unreported value became available: published (the
--   source's publication time, e.g. SCB's table `updated`) or, where the source gives none
--   or the warehouse saw it earlier, first seen. It stays due until
--   a meeting is marked reported. "Unreported" = a version of a period newer than the last
--   reported period, or (with report_revisions) a newer vintage of the reported period whose
--   value differs from what was reported, while the period's current value still does (a
--   revision reverted to the reported value is no longer due).
--   Taking the oldest unreported version means a value that missed a meeting stays overdue
--   when a newer period or a revision arrives; it does not slip to a later meeting.
--   reason: 'nytt värde' (never reported), 'ny period' (a newer period than last reported),
--   'reviderat värde' (same period, new vintage; due only if report_revisions is set).
--   as_of is point-in-time: only values that had arrived by the end of that day count, and
--   reports at meetings on or before it that had been logged by then (ind.report_counts).
--   The papers of a meeting (ind.kf_papers) use the same availability (ind.available_at). The next meeting is the first on or after as_of; rows
--   whose due meeting is earlier are overdue ('försenad').

--   Rolling schedule: when the calendar gives välfärd turns (cfg.kf_valfard_turns), a välfärd
--   indicator is due at the first meeting after that day which is its nämnd's turn
--   (rolling_turn says the rule applied); the other målområden follow the plain rule.

CREATE OR REPLACE MACRO ind.kf_rolling() AS
    coalesce((SELECT any_value(rolling) FROM cfg.kf_calendar), false);

-- The instant a Stockholm calendar day starts: "first seen before the deadline day".
CREATE OR REPLACE MACRO ind.stockholm_day_start(day) AS
    timezone('Europe/Stockholm', CAST(CAST(day AS DATE) AS TIMESTAMP));

-- Every body that meets, with its meetings and paper deadlines: KF ('KF') and each nämnd (its
-- name) from its sammanträdesplan; the due rule below serves them all.
CREATE OR REPLACE VIEW ind.meetings AS
SELECT 'KF' AS body, meeting_date, paper_deadline FROM cfg.kf_meetings
UNION ALL
SELECT namnd AS body, meeting_date, paper_deadline FROM cfg.namnd_meetings;

-- The body whose list an indicator is on, for a due list asked for `of_body`: 'KF' for its
-- Indikator KF ones and its own mått; a nämnd's name for all of that nämnd's indicator table
-- (not KF's mått, which are KF's own); '*' for every nämnd at once, each indicator at its own
-- nämnd. NULL: not on that list.
CREATE OR REPLACE MACRO ind.body_for(of_body, indikator_kf, namnd, niva) AS
    CASE WHEN of_body = 'KF' THEN CASE WHEN indikator_kf THEN 'KF' END
         WHEN niva <> 'nämnd' THEN NULL
         WHEN of_body = '*' OR of_body = namnd THEN namnd END;

-- THE due rule, the one definition the due list, the papers and the forecast use: a value that
-- became available at `available` (a timestamp) is due at the first meeting of `due_body`
-- whose paper deadline day starts after it. At KF under the rolling schedule, a välfärd
-- indicator waits for the first such meeting that is its nämnd's turn. of_namnd NULL: a mått of
-- the body's own goals (KF's målpreciseringar), which takes no nämnd's turn.
-- The nämnd whose välfärd turn an indicator waits for: none for KF's own mått.
CREATE OR REPLACE MACRO ind.turn_namnd(niva, namnd) AS CASE WHEN niva = 'KF' THEN NULL ELSE namnd END;

CREATE OR REPLACE MACRO ind.due_meeting(available, due_body, of_namnd, of_malomrade) AS (
    SELECT min(m.meeting_date) FROM ind.meetings m
    WHERE m.body = due_body AND ind.stockholm_day_start(m.paper_deadline) > available
      AND (due_body <> 'KF' OR of_namnd IS NULL OR NOT (of_malomrade = 'Välfärd' AND ind.kf_rolling())
           OR EXISTS (SELECT 1 FROM cfg.kf_valfard_turns t
                      WHERE t.meeting_date = m.meeting_date AND t.namnd = of_namnd))
);

-- Whether a report-log row counts in a view as of `as_of`: from its meeting day, and not before
-- it was logged, so marking a meeting late does not rewrite the lists the warehouse gave in
-- between, and marking it early (after the deadline) does not empty the list before it.
CREATE OR REPLACE MACRO ind.report_counts(meeting_date, reported_at, as_of) AS
    meeting_date <= CAST(as_of AS DATE) AND reported_at < ind.stockholm_day_start(CAST(as_of AS DATE) + 1);

-- The status a meeting's papers show: values that had arrived by the meeting day and became
-- available (ind.available_at, the due rule's availability) before its paper deadline. An SCB
-- figure published before the deadline and fetched on it is due at the meeting and in its
-- papers alike; a Kolada value first seen on the deadline day is in neither.
CREATE OR REPLACE MACRO ind.papers_status(meeting, of_body := 'KF') AS TABLE
SELECT * FROM ind.indicator_status_asof(
    ind.stockholm_day_start(CAST(meeting AS DATE)),
    available_before := ind.stockholm_day_start(
        (SELECT paper_deadline FROM ind.meetings WHERE body = of_body AND meeting_date = CAST(meeting AS DATE))));

-- The due list of any body as of a day: `of_body` is 'KF', a nämnd's name (ind.meetings), or
-- '*' for every nämnd's own list at once (the column `body` says whose).
-- One rule for all: a nämnd's indicators are due at its own meetings exactly as Indikator KF
-- ones are at KF's, each body with its own report log rows (rep.report_log.body). Every
-- indicator carries its body through the query rather than a per-nämnd call: a LATERAL call per
-- nämnd is refused by the DuckDB 1.5 CLI controllers open the snapshot with.
CREATE OR REPLACE MACRO ind.due_asof(as_of, of_body) AS TABLE
WITH followed AS (
    SELECT i.*, ind.body_for(of_body, i.indikator_kf, i.namnd, i.niva) AS body FROM cfg.indicators i
    WHERE ind.body_for(of_body, i.indikator_kf, i.namnd, i.niva) IS NOT NULL
),
status AS (
    SELECT * FROM ind.indicator_status_asof(ind.stockholm_day_start(CAST(as_of AS DATE) + 1))
),
known AS (
    SELECT source, series, breakdown, region, period, value
    FROM stg.observations_asof(ind.stockholm_day_start(CAST(as_of AS DATE) + 1), scope := 'kommun')
    WHERE value IS NOT NULL
),
-- The last report per indicator, with the start of its period: a period is newer if it ends
-- later, or ends the same day and is longer (the year after its December month).
last_report AS (
    SELECT l.*, (SELECT min(o.period_start) FROM stg.observations o
                 WHERE o.source = l.source AND o.series = l.series AND o.region = l.region
                   AND o.period = l.period) AS period_start
    FROM (
        SELECT body, indicator_id, arg_max(source, meeting_date) AS source, arg_max(series, meeting_date) AS series,
               arg_max(region, meeting_date) AS region, arg_max(period, meeting_date) AS period,
               arg_max(period_end, meeting_date) AS period_end, arg_max(vintage, meeting_date) AS vintage,
               arg_max(value, meeting_date) AS value, max(meeting_date) AS last_meeting
        FROM rep.report_log
        WHERE ind.report_counts(meeting_date, reported_at, as_of)
        GROUP BY body, indicator_id) l
),
unreported AS (
    -- every value version not yet reported, of a period that still has a value at as_of
    SELECT i.indicator_id, i.body,
           -- Available since: published, if that was while the warehouse watched the table
           -- (an older publication date only says the figure existed before we looked).
           min(ind.available_at(o.source, o.source_table, o.published_at, o.first_seen)) AS pending_since
    FROM followed i
    JOIN stg.observations o ON o.source = i.source AND o.series = i.series
        AND o.breakdown = i.breakdown AND o.region = i.region
    JOIN known k ON k.source = o.source AND k.series = o.series AND k.breakdown = o.breakdown
        AND k.region = o.region AND k.period = o.period
    LEFT JOIN last_report r ON r.indicator_id = i.indicator_id AND r.body = i.body
    WHERE NOT o.is_deleted AND o.value IS NOT NULL
      AND o.fetched_at < ind.stockholm_day_start(CAST(as_of AS DATE) + 1)
      AND (r.indicator_id IS NULL
           OR o.period_end > r.period_end
           OR (o.period_end = r.period_end AND o.period <> r.period AND o.period_start < r.period_start)
           -- a revision, unless the period's value now is again what KF saw (8,4 → 8,6 → 8,4)
           OR (i.report_revisions AND o.period = r.period AND o.vintage > r.vintage
               AND o.value IS DISTINCT FROM r.value AND k.value IS DISTINCT FROM r.value))
    GROUP BY i.indicator_id, i.body
),
due AS (
    SELECT s.*, u.body, u.pending_since, r.last_meeting,
        CASE
            WHEN r.indicator_id IS NULL THEN 'nytt värde'
            WHEN s.period <> r.period THEN 'ny period'
            ELSE 'reviderat värde'
        END AS reason,
        ind.due_meeting(u.pending_since, u.body, ind.turn_namnd(s.niva, s.namnd), s.malomrade) AS due_meeting,
        u.body = 'KF' AND s.malomrade = 'Välfärd' AND ind.kf_rolling() AND s.niva = 'nämnd' AS rolling_turn
    FROM unreported u
    JOIN status s USING (indicator_id)
    LEFT JOIN last_report r ON r.indicator_id = u.indicator_id AND r.body = u.body
),
next_meeting AS (
    SELECT body, min(meeting_date) AS meeting_date FROM ind.meetings
    WHERE meeting_date >= CAST(as_of AS DATE) GROUP BY body
)
SELECT
    due.indicator_id, due.namnd, due.malomrade, due.name, due.indikator_kalla, due.unit, due.decimals,
    due.source, due.series, due.period, due.period_end, due.aktuellt_varde, due.vintage, due.first_seen,
    due.published_at, due.source_table, due.pending_since, due.status, due.reason, due.due_meeting,
    m.paper_deadline AS due_paper_deadline,
    nm.meeting_date AS next_meeting,
    due.due_meeting IS NOT NULL AND due.due_meeting <= nm.meeting_date AS at_next_meeting,
    due.due_meeting IS NOT NULL AND due.due_meeting < nm.meeting_date AS overdue,
    due.last_meeting AS last_reported_meeting,
    due.rolling_turn,
    -- KF's mått: the målprecisering, and for a survey the bokslut (annual report) of the
    -- measured year, where its result is followed up besides the meeting after publication.
    due.niva, due.malprecisering_id, due.enkat,
    CASE WHEN due.enkat IS NOT NULL THEN year(due.period_end) END AS bokslut_ar,
    due.body
FROM due
LEFT JOIN next_meeting nm ON nm.body = due.body
LEFT JOIN ind.meetings m ON m.body = due.body AND m.meeting_date = due.due_meeting
ORDER BY due.due_meeting NULLS LAST, due.namnd, due.indicator_id;

CREATE OR REPLACE MACRO ind.kf_due_asof(as_of) AS TABLE SELECT * FROM ind.due_asof(as_of, 'KF');

-- As of the warehouse's today (ind.today(): the fixed clock when one is set, else Stockholm's day).
CREATE OR REPLACE VIEW ind.kf_due_list AS
SELECT * FROM ind.kf_due_asof(ind.today());

-- Every nämnd's due list for its own meetings, as of the warehouse's today (ind.due_asof per
-- nämnd with a sammanträdesplan).
CREATE OR REPLACE VIEW ind.namnd_due_list AS
SELECT * FROM ind.due_asof(ind.today(), '*');

-- What the meeting papers for `meeting` showed: per indicator due at that meeting, the value
-- known when its paper deadline began. This is what mark-reported writes to rep.report_log.
-- The due list is taken the day before the meeting, so the meeting's own report does not
-- count: the papers (and the report document built from them) are the same before and after
-- the meeting is marked reported.
CREATE OR REPLACE MACRO ind.papers(meeting, of_body := 'KF') AS TABLE
SELECT d.indicator_id, p.source, p.series, p.breakdown, p.region, p.period, p.period_end,
       p.aktuellt_varde AS value, p.vintage, p.first_seen
FROM ind.due_asof(CAST(meeting AS DATE) - 1, of_body) d
JOIN ind.papers_status(meeting, of_body := of_body) p USING (indicator_id)
WHERE d.due_meeting <= CAST(meeting AS DATE) AND p.aktuellt_varde IS NOT NULL
  -- the papers' value must be one not reported before (a newer one may have come too late)
  AND NOT EXISTS (SELECT 1 FROM rep.report_log r
                  WHERE r.body = of_body AND r.indicator_id = d.indicator_id AND r.meeting_date < CAST(meeting AS DATE)
                    AND r.source = p.source AND r.series = p.series AND r.region = p.region
                    AND coalesce(r.breakdown, p.breakdown) = p.breakdown
                    AND r.period = p.period AND r.vintage = p.vintage);

CREATE OR REPLACE MACRO ind.kf_papers(meeting) AS TABLE SELECT * FROM ind.papers(meeting, of_body := 'KF');

-- Revisions after reporting: per indicator, the value reported at its latest meeting on or
-- before as_of, and the newest vintage of the same period first seen since (by the end of
-- as_of). Shown as "reviderad" in the due list and the reports; due again only where the
-- catalog sets report_revisions (then it is also in ind.kf_due_asof as 'reviderat värde').
CREATE OR REPLACE MACRO ind.revisions_asof(as_of, of_body) AS TABLE
WITH last_report AS (
    SELECT * FROM rep.report_log WHERE body = of_body AND ind.report_counts(meeting_date, reported_at, as_of)
    QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY meeting_date DESC) = 1
),
newest AS (
    -- the newest vintage of the reported key known by as_of, a deletion included
    SELECT r.indicator_id, o.value, o.vintage, o.first_seen, o.is_deleted
    FROM last_report r
    JOIN cfg.indicators i USING (indicator_id)
    JOIN stg.observations o ON o.source = r.source AND o.series = r.series AND o.region = r.region
        AND o.period = r.period AND o.breakdown = coalesce(r.breakdown, i.breakdown)
    WHERE o.fetched_at < ind.stockholm_day_start(CAST(as_of AS DATE) + 1)
    QUALIFY row_number() OVER (PARTITION BY r.indicator_id ORDER BY o.vintage DESC) = 1
)
SELECT r.indicator_id, i.namnd, i.name, i.malomrade, i.decimals, r.meeting_date AS reported_meeting, r.period,
       r.value AS reported_value, r.vintage AS reported_vintage,
       n.value AS revised_value, n.vintage AS revised_vintage, n.first_seen AS revised_first_seen,
       i.report_revisions AS due_again
FROM last_report r
JOIN cfg.indicators i USING (indicator_id)
JOIN newest n USING (indicator_id)
-- A new vintage with the same value (only a status flag or SCB's table changed) is no revision.
WHERE n.vintage > r.vintage AND NOT n.is_deleted AND n.value IS DISTINCT FROM r.value
ORDER BY i.namnd, r.indicator_id;

CREATE OR REPLACE MACRO ind.kf_revisions_asof(as_of) AS TABLE SELECT * FROM ind.revisions_asof(as_of, 'KF');
