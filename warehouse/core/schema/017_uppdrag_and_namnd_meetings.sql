-- The uppdragsplan's second level (issue 21): the nämnder's own meetings, their uppdrag with the
-- indicators each follows and its tidplan, and what was presented at which meeting of which body.

-- Each nämnd's sammanträdesplan (the catalog's `sammantraden`), beside cfg.kf_meetings; both
-- meet in ind.meetings, the one list the due rule reads.
CREATE TABLE cfg.namnd_meetings (
    namnd          VARCHAR NOT NULL,
    meeting_date   DATE NOT NULL,
    paper_deadline DATE NOT NULL,
    note           VARCHAR,
    PRIMARY KEY (namnd, meeting_date)
);

CREATE TABLE cfg.uppdrag (
    uppdrag_id           VARCHAR PRIMARY KEY,
    namnd                VARCHAR NOT NULL,
    malomrade            VARCHAR NOT NULL,
    rubrik               VARCHAR NOT NULL,
    syfte                VARCHAR NOT NULL,
    forflyttning         VARCHAR NOT NULL,
    onskad_niva          VARCHAR NOT NULL,
    ursprung             VARCHAR NOT NULL CHECK (ursprung IN ('indikator', 'initiativ')),
    ursprung_beskrivning VARCHAR,
    uppfoljning          VARCHAR NOT NULL,
    start_date           DATE NOT NULL,
    slutrapport          DATE NOT NULL,
    budgetpaverkan       BOOLEAN NOT NULL,
    exempel              BOOLEAN NOT NULL,
    catalog_file         VARCHAR NOT NULL
);

-- The indicators an uppdrag follows; fran_ursprung: the uppdrag was given to improve it.
CREATE TABLE cfg.uppdrag_indikatorer (
    uppdrag_id    VARCHAR NOT NULL,
    indicator_id  VARCHAR NOT NULL,
    fran_ursprung BOOLEAN NOT NULL,
    PRIMARY KEY (uppdrag_id, indicator_id)
);

-- The tidplan: the delrapporter and, last, the slutrapport, each at a nämnd meeting.
CREATE TABLE cfg.uppdrag_tidplan (
    uppdrag_id   VARCHAR NOT NULL,
    meeting_date DATE NOT NULL,
    slutrapport  BOOLEAN NOT NULL,
    innehall     VARCHAR,
    PRIMARY KEY (uppdrag_id, meeting_date)
);

-- What was presented of an uppdrag, at which meeting of its nämnd. Never updated, like
-- rep.report_log: the k-th report given fulfils the k-th item of the tidplan (ind.uppdrag_rapporter).
CREATE TABLE rep.uppdrag_log (
    uppdrag_id   VARCHAR NOT NULL,
    meeting_date DATE NOT NULL,
    reported_at  TIMESTAMPTZ NOT NULL,
    reported_by  VARCHAR,
    PRIMARY KEY (uppdrag_id, meeting_date)
);

-- The report log gains the body that met: 'KF' for every row so far, or a nämnd's name. A
-- nämnd and KF can meet the same day, so the key takes the body too (a rebuilt table: DuckDB
-- cannot change a primary key in place).
CREATE TABLE rep.report_log_017 AS SELECT *, 'KF' AS body FROM rep.report_log;
DROP TABLE rep.report_log;
CREATE TABLE rep.report_log (
    meeting_date   DATE NOT NULL,
    indicator_id   VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    series         VARCHAR NOT NULL,
    region         VARCHAR NOT NULL,
    period         VARCHAR NOT NULL,
    period_end     DATE NOT NULL,
    value          DOUBLE,
    vintage        INTEGER NOT NULL,
    first_seen     TIMESTAMPTZ NOT NULL,
    reported_at    TIMESTAMPTZ NOT NULL,
    reported_by    VARCHAR,
    breakdown      VARCHAR,
    onskat_varde   DOUBLE,
    direction      VARCHAR,
    tolerance      DOUBLE,
    unit           VARCHAR,
    decimals       INTEGER,
    status         VARCHAR,
    group_mean     DOUBLE,
    group_n        INTEGER,
    group_size     INTEGER,
    group_position VARCHAR,
    body           VARCHAR NOT NULL DEFAULT 'KF',
    PRIMARY KEY (body, meeting_date, indicator_id)
);
INSERT INTO rep.report_log BY NAME SELECT * FROM rep.report_log_017;
DROP TABLE rep.report_log_017;
