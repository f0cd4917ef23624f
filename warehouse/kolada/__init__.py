"""Kolada into the warehouse: pages spooled and landed in one transaction (landing), the
landed answers merged into stg.kolada_observations (load), and which years a nightly run
fetches (nightly).

May import: sources, indicator_catalog, warehouse.core.
"""
