"""The warehouse: DuckDB schema, loading per source, the indicator and meeting rules,
publishing, and what people see. No Dagster here; `pipelines/` orchestrates these functions.

Packages (docs/architecture.md), each may import only those above it in this list:
core (db, raw, observations) · kolada, scb, af, files (loading per source) · indicators
(catalog tables, status, peers) · meetings (due rule, forecast, report log) · publishing
(checks, snapshot) · presentation (format, text, reports).
"""
