"""The warehouse's foundation: connections and migrations (db), the raw answers as fetched
(raw), and the observations with vintages and tombstones that every source merges into
(observations, observations.sql). Owns the numbered migrations in schema/.

May import: sources. Every other warehouse package builds on this one; it imports none of them.
"""
