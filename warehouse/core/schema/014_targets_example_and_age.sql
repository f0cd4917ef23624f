-- Whether an indicator's önskat värde is an example (the nämnd file's `exempel: true`, shown in
-- the reports), and when a value counts as old (settings.yaml `aktualitet`): more than
-- max_perioder_efter periods behind the newest period of its series in the warehouse, or a
-- period that ended more than max_alder_manader months before the day of the report.
ALTER TABLE cfg.indicators ADD COLUMN onskat_exempel BOOLEAN DEFAULT false;
ALTER TABLE cfg.settings ADD COLUMN max_perioder_efter INTEGER DEFAULT 2;
ALTER TABLE cfg.settings ADD COLUMN max_alder_manader INTEGER DEFAULT 30;
