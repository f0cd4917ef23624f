"""SCB into the warehouse: which tables and years to ask for (fetch), and the JSON-stat answers
landed and merged into stg.scb_observations (load).

May import: sources, indicator_catalog, warehouse.core.
"""
