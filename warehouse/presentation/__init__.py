"""What people see: numbers, periods and dates formatted for users (format), tables for the
terminal (text), and the meeting documents in HTML and XLSX (reports/).

May import: sources, indicator_catalog, every other warehouse package. Nothing in the warehouse
imports it.
"""
