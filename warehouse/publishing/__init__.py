"""Publishing: the quality rules that gate a publication (checks) and the read-only snapshot
controllers query (snapshot).

May import: sources, indicator_catalog, every warehouse package except presentation.
"""
