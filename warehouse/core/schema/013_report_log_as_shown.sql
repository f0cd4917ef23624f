-- What the meeting papers showed beside the value, so the log answers "what did KF see" without
-- the catalog or the rules of today: the target with its direction, tolerance, unit and
-- decimals, the status, and the comparison with the group. Rows logged before this migration
-- keep NULL (only the value was kept then).
ALTER TABLE rep.report_log ADD COLUMN onskat_varde DOUBLE;
ALTER TABLE rep.report_log ADD COLUMN direction VARCHAR;
ALTER TABLE rep.report_log ADD COLUMN tolerance DOUBLE;
ALTER TABLE rep.report_log ADD COLUMN unit VARCHAR;
ALTER TABLE rep.report_log ADD COLUMN decimals INTEGER;
ALTER TABLE rep.report_log ADD COLUMN status VARCHAR;
ALTER TABLE rep.report_log ADD COLUMN group_mean DOUBLE;
ALTER TABLE rep.report_log ADD COLUMN group_n INTEGER;
ALTER TABLE rep.report_log ADD COLUMN group_size INTEGER;
ALTER TABLE rep.report_log ADD COLUMN group_position VARCHAR;
