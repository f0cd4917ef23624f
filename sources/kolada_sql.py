"""Kolada v3 data pages read by DuckDB: the contract of `sources.kolada.decode_data_page`
as one SQL statement over the page files.

A national backfill is 165 pages and 800,000 values. Decoding them in Python (msgspec, then
the rows into a table) held the GIL for about 1.6 s of the fetch, against the HTTP thread;
DuckDB's JSON reader parses the same files off the GIL in about a third of that
(docs/benchmarks.md). The rules are msgspec's, restated:

- kpi, municipality and gender are JSON strings, period a JSON integer, gender one of
  GENDERS; value a JSON number or null (missing = null); status a string or null
  (null = ""); isdeleted a boolean or null, on the value or else on the item (neither =
  false); every item has a `values` list;
- nothing is coerced: DuckDB's own casts would read "12.5" as 12.5 and 123 as "123", so
  every field is read as JSON and its JSON type checked before it is converted.

A page that breaks a rule stops the statement (DuckDB's `error()`); the caller then decodes
the batch's pages with msgspec to name the URL and JSON path (`first_error`), as before.
tests/test_sources_kolada_sql.py requires the same rows or the same refusal from both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sources.errors import SourceError
from sources.kolada import GENDERS, SOURCE, decode_data_page

# Every field as JSON: its JSON type is checked before anything is converted. `next_url` is
# listed although unused: with a key of the object left out of `columns` the same read took
# six times as long (DuckDB 1.x/2.0, measured on the benchmark's 165 pages: 2.9 s against 0.45 s).
# maximum_object_size is a buffer each reading thread allocates: 16 MiB is twenty times a full
# 5000-row page, and larger buffers were slower (1 GB: 5 s) or out of the spool's memory.
_COLUMNS = ("{'values': 'STRUCT(kpi JSON, municipality JSON, period JSON, isdeleted JSON, "
            "\"values\" STRUCT(gender JSON, status JSON, value JSON, isdeleted JSON)[])[]', 'next_url': 'VARCHAR'}")


def _refuse(field: str, expected: str) -> str:
    return f"error('Kolada-sida ' || filename || ': {field}: väntade {expected}')"


def _string(expr: str, field: str) -> str:
    return f"CASE WHEN json_type({expr}) = 'VARCHAR' THEN {expr} ->> '$' ELSE {_refuse(field, 'str')} END"


_INTEGER = ("CASE WHEN json_type(period) IN ('UBIGINT', 'BIGINT') THEN period::INTEGER "
            f"ELSE {_refuse('period', 'int')} END")
_NUMBER = ("CASE WHEN value IS NULL THEN NULL::DOUBLE WHEN json_type(value) IN ('UBIGINT', 'BIGINT', 'DOUBLE') "
           f"THEN value::DOUBLE ELSE {_refuse('value', 'float | null')} END")
_STATUS = ("CASE WHEN status IS NULL THEN '' WHEN json_type(status) = 'VARCHAR' THEN status ->> '$' "
           f"ELSE {_refuse('status', 'str | null')} END")
_GENDER = (f"CASE WHEN json_type(gender) = 'VARCHAR' AND gender ->> '$' IN {tuple(GENDERS)!r} THEN gender ->> '$' "
           f"ELSE {_refuse('gender', ' | '.join(GENDERS))} END")


def _boolean(expr: str, field: str) -> str:
    return (f"CASE WHEN {expr} IS NULL THEN NULL::BOOLEAN WHEN json_type({expr}) = 'BOOLEAN' THEN {expr}::BOOLEAN "
            f"ELSE {_refuse(field, 'bool | null')} END")


# The rows of the files given as the statement's one parameter (a list of paths), with the
# file's name (its spool sequence number) as `seq`. The two unnests are in the SELECT list:
# a lateral join of the same unnest took six times as long (docs/benchmarks.md).
VALUES_SQL = f"""
SELECT seq, kpi, municipality, period, {_GENDER} AS gender, {_NUMBER} AS value, {_STATUS} AS status,
       coalesce({_boolean('isdeleted', 'values[].isdeleted')}, item_deleted, false) AS isdeleted
FROM (
    SELECT filename, seq, kpi, municipality, period, item_deleted, unnest(item_values, recursive := true)
    FROM (
        SELECT filename, parse_filename(filename, true)::INTEGER AS seq,
               {_string('i.kpi', 'kpi')} AS kpi, {_string('i.municipality', 'municipality')} AS municipality,
               {_INTEGER.replace('period', 'i.period')} AS period,
               {_boolean('i.isdeleted', 'isdeleted')} AS item_deleted,
               CASE WHEN i."values" IS NULL THEN {_refuse('values', 'en lista')} ELSE i."values" END AS item_values
        FROM (SELECT filename, unnest("values") AS i
              FROM read_json(?, columns = {_COLUMNS}, format = 'unstructured',
                             maximum_object_size = 16777216, filename = true))
    )
)
"""


def first_error(paths: Sequence[str | Path], urls: Sequence[str]) -> SourceError | None:
    """msgspec's refusal of the first of these page files it refuses (URL and JSON path), or
    None: what to raise when VALUES_SQL stopped on one of them."""
    for path, url in zip(paths, urls):
        try:
            decode_data_page(Path(path).read_bytes(), url)
        except SourceError as exc:
            return exc
    return None


def refused(paths: Sequence[str | Path], urls: Sequence[str], duckdb_error: Exception) -> SourceError:
    """The error for a batch VALUES_SQL refused: msgspec's message where it refuses a page
    too, else DuckDB's (naming the file) with the batch's first URL."""
    named = [url for path, url in zip(paths, urls) if str(path) in str(duckdb_error)]
    return first_error(paths, urls) or SourceError(SOURCE, (named or list(urls) or [""])[0],
                                                   f"sidan kunde inte läsas: {duckdb_error}")
