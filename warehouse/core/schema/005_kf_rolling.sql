-- The rolling schedule for välfärd indicators (indicator_catalog/kf_calendar.yaml,
-- `valfard_namnder` per meeting): which nämnder's välfärd indicators are presented at which
-- KF meeting. cfg.kf_calendar.rolling is true when the calendar has such turns at all; when it
-- is false välfärd follows the plain due rule.
CREATE TABLE cfg.kf_valfard_turns (
    meeting_date DATE NOT NULL,
    namnd        VARCHAR NOT NULL,
    PRIMARY KEY (meeting_date, namnd)
);

CREATE TABLE cfg.kf_calendar (
    rolling BOOLEAN NOT NULL
);
