-- KF's own goals (indicator_catalog/kf_mal.yaml). Their mått are rows of cfg.indicators with
-- niva 'KF' and the målprecisering they measure; the nämnder's indicators have niva 'nämnd'.
ALTER TABLE cfg.indicators ADD COLUMN niva VARCHAR DEFAULT 'nämnd';
ALTER TABLE cfg.indicators ADD COLUMN malprecisering_id VARCHAR;
-- The survey a mått comes from (indicator_catalog/kf_goals.py SURVEYS).
ALTER TABLE cfg.indicators ADD COLUMN enkat VARCHAR;

CREATE TABLE cfg.kf_strategiska_mal (
    mal_id    VARCHAR PRIMARY KEY,
    malomrade VARCHAR NOT NULL,
    text      VARCHAR NOT NULL,
    horisont  INTEGER NOT NULL,
    ordning   INTEGER NOT NULL
);

CREATE TABLE cfg.kf_malpreciseringar (
    malprecisering_id VARCHAR PRIMARY KEY,
    mal_id            VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,
    horisont          INTEGER NOT NULL,
    ordning           INTEGER NOT NULL
);

-- Nämnd indicators that contribute to a målprecisering (shown beside it, not judged).
CREATE TABLE cfg.kf_malprecisering_indikatorer (
    malprecisering_id VARCHAR NOT NULL,
    indicator_id      VARCHAR NOT NULL,
    PRIMARY KEY (malprecisering_id, indicator_id)
);

-- A mått's earlier definition after a series break (Insikt U07451 → U07453): fetched and shown
-- as its own series, never joined to the mått, never judged.
CREATE TABLE cfg.kf_series_breaks (
    indicator_id VARCHAR PRIMARY KEY,
    source       VARCHAR NOT NULL,
    series       VARCHAR NOT NULL,
    breakdown    VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    to_period    VARCHAR NOT NULL,
    beskrivning  VARCHAR NOT NULL
);

-- The surveys and the Kolada KPIs of their answer count and response rate.
CREATE TABLE cfg.kf_surveys (
    enkat         VARCHAR PRIMARY KEY,
    namn          VARCHAR NOT NULL,
    antal_svar    VARCHAR,
    svarsfrekvens VARCHAR
);

-- The judgement rule (kf_mal.yaml `bedomning`, warehouse/goals/judgement.sql); one row.
CREATE TABLE cfg.kf_bedomning (
    uppfyllt_fran  DOUBLE NOT NULL,
    delvis_fran    DOUBLE NOT NULL,
    trend_marginal DOUBLE NOT NULL,
    minst_bedomda  DOUBLE NOT NULL,
    constructed    BOOLEAN NOT NULL
);
