"""Policies declared once and shared by all assets."""

import dagster as dg

# Every step that opens the DuckDB file runs in this pool (limit 1 in dagster.yaml), because
# DuckDB allows one writing process and readers lock too (reference/dagster.md §7).
DUCKDB_POOL = "duckdb"
OWNERS = ["team:analys"]

# No step-level RetryPolicy on API assets: request-level retries with backoff and
# Retry-After live in sources.http, and a step retry would also re-run errors that no wait
# can fix (a bad KPI id, a missing recording) and delay the message the analyst needs.
