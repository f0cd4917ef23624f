"""The kommun's own files, handed in through the inbox: which file is what and its load record
(inbox), the ekonomisystem's SIE and forecast exports as series (ekonomi), and the HR export
as aggregate series (hr). Person-level rows never pass this package.

May import: sources, indicator_catalog, warehouse.core.
"""
