-- When the KPI metadata was last read from Kolada. A body identical to one already stored
-- keeps the response's first fetched_at (raw.store_response stores it once), so that time
-- cannot say whether tonight's run read it; this can (raw/kolada_kpi reuses a read from
-- today instead of asking Kolada again).
ALTER TABLE raw.kolada_kpi ADD COLUMN read_at TIMESTAMPTZ;
