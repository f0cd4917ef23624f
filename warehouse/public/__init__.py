"""The public statistics of a deployment with several kommuner, imported into a kommun's own
warehouse from the public snapshot (docs/deployment.md, "Several kommuner").

May import: indicator_catalog, warehouse.core, warehouse.publishing.
"""
