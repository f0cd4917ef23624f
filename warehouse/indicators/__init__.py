"""The indicator rules: the catalog loaded into cfg (catalog_tables), aktuellt värde and status
against önskat värde (status.sql), the comparison with the peer group (peers.sql), and the
nämnd tables in the governance document's columns (governance.sql).

May import: sources, indicator_catalog, warehouse.core.
"""
