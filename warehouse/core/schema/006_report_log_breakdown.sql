-- The breakdown (T, K, M, a förvaltning) of the value presented at KF. Without it a report log
-- row could not say which of an indicator's series it showed once the catalog's breakdown
-- changes. Rows logged before this migration keep NULL: the catalog's breakdown then.
ALTER TABLE rep.report_log ADD COLUMN breakdown VARCHAR;
