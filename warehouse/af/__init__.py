"""Arbetsförmedlingen into the warehouse: the monthly files merged into stg.af_observations
(load) and the monthly views (af.sql).

May import: sources, indicator_catalog, warehouse.core.
"""
