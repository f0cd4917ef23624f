"""Meetings: the due rule (due.sql, one SQL definition for every calendar), the forecast of
the next meetings (forecast), and the log of what was reported at which meeting (log).

May import: sources, indicator_catalog, warehouse.core, warehouse.indicators.
"""
