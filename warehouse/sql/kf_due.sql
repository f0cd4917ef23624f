-- The KF due rule (README "Status- och KF-regler"):
--   An Indikator KF indicator with a value is due at the first KF meeting whose paper
--   deadline falls after the day the value was first seen (first_seen, Stockholm date,
--   strictly before the deadline), and stays due until a report_log row holds that period
--   and vintage.
--   reason: 'nytt värde' (never reported), 'ny period' (a newer period than last reported),
--   'reviderat värde' (same period, new vintage; due only if report_revisions is set).
--   as_of picks the next meeting: the first meeting on or after as_of. Rows whose due
--   meeting is earlier are overdue ('försenad').
CREATE OR REPLACE MACRO ind.kf_due_asof(as_of) AS TABLE
WITH last_report AS (
    SELECT indicator_id, arg_max(period_end, meeting_date) AS period_end,
           arg_max(vintage, meeting_date) AS vintage, max(meeting_date) AS last_meeting
    FROM rep.report_log
    GROUP BY indicator_id
),
candidates AS (
    SELECT s.*, r.last_meeting,
        CASE
            WHEN r.indicator_id IS NULL THEN 'nytt värde'
            WHEN s.period_end > r.period_end THEN 'ny period'
            WHEN s.period_end = r.period_end AND s.vintage <> r.vintage THEN 'reviderat värde'
        END AS reason,
        CAST(timezone('Europe/Stockholm', s.first_seen) AS DATE) AS first_seen_date
    FROM ind.indicator_status s
    LEFT JOIN last_report r USING (indicator_id)
    WHERE s.indikator_kf AND s.aktuellt_varde IS NOT NULL
),
due AS (
    SELECT c.*,
        (SELECT min(m.meeting_date) FROM cfg.kf_meetings m
         WHERE m.paper_deadline > c.first_seen_date) AS due_meeting
    FROM candidates c
    WHERE reason IS NOT NULL AND (reason <> 'reviderat värde' OR report_revisions)
),
next_meeting AS (
    SELECT min(meeting_date) AS meeting_date FROM cfg.kf_meetings
    WHERE meeting_date >= CAST(as_of AS DATE)
)
SELECT
    due.indicator_id, due.namnd, due.malomrade, due.name, due.indikator_kalla,
    due.period, due.period_end, due.aktuellt_varde, due.vintage, due.first_seen,
    due.status, due.reason, due.due_meeting,
    m.paper_deadline AS due_paper_deadline,
    nm.meeting_date AS next_meeting,
    due.due_meeting IS NOT NULL AND due.due_meeting <= nm.meeting_date AS at_next_meeting,
    due.due_meeting IS NOT NULL AND due.due_meeting < nm.meeting_date AS overdue,
    due.last_meeting AS last_reported_meeting
FROM due
CROSS JOIN next_meeting nm
LEFT JOIN cfg.kf_meetings m ON m.meeting_date = due.due_meeting
ORDER BY due.due_meeting NULLS LAST, due.namnd, due.indicator_id;

CREATE OR REPLACE VIEW ind.kf_due_list AS
SELECT * FROM ind.kf_due_asof(current_date);
