"""The streaming pivot-cache reader, on CONSTRUCTED workbooks (tools/af_workbook.py)."""

import subprocess
import sys
import textwrap

import pytest

from sources.af_pivot import PivotCacheError, cache_fields, cache_numbers, records
from tools.af_workbook import write_workbook
from tests.conftest import REPO

FIELDS = ["PERIOD", "LAN", "KOM", "TOTSOK", "TOTAK"]


def test_records_resolve_shared_items_numbers_strings_and_missing(tmp_path):
    rows = [["2026-08", "Örebro län", "Askersund", 312.0, 5680.5],
            ["2026-08", "Örebro län", "Örebro", 5120.0, None],
            ["2026-08", "Uppgift saknas", "Uppgift saknas", 7.0, 0.0]]
    path = write_workbook(tmp_path / "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx", FIELDS, rows,
                          shared={"PERIOD", "LAN", "KOM"})
    assert cache_numbers(path) == [1]
    fields, shared = cache_fields(path)
    assert fields == FIELDS and shared[2] == ["Askersund", "Örebro", "Uppgift saknas"]
    got = list(records(path))
    assert [list(r.values()) for r in got] == rows
    assert got[1]["TOTAK"] is None  # <m/> stays missing, never 0


def test_a_bad_index_or_a_short_row_names_the_record(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", FIELDS, [["2026-08", "L", "K", 1.0, 2.0]], shared={"KOM"})
    import zipfile
    with zipfile.ZipFile(path) as z:
        definition = z.read("xl/pivotCache/pivotCacheDefinition1.xml")
        recs = z.read("xl/pivotCache/pivotCacheRecords1.xml").replace(b'<x v="0"/>', b'<x v="9"/>')
    bad = tmp_path / "b.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("xl/pivotCache/pivotCacheDefinition1.xml", definition)
        z.writestr("xl/pivotCache/pivotCacheRecords1.xml", recs)
    with pytest.raises(PivotCacheError, match="post 1, fält KOM: index '9' finns inte"):
        list(records(bad))
    with pytest.raises(PivotCacheError, match="pivotCacheDefinition2.xml saknas"):
        cache_fields(tmp_path / "b.xlsx", cache=2)


MEMORY = textwrap.dedent("""
    import resource, sys
    sys.path.insert(0, sys.argv[2])
    from sources.af import bas_shares
    shares = bas_shares(sys.argv[1])
    print(len(shares), shares.inskrivna.sum(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def _peak(path) -> tuple[int, float, int]:
    out = subprocess.run([sys.executable, "-c", MEMORY, str(path), str(REPO)], capture_output=True, text=True, check=True)
    count, total, rss_mib = out.stdout.split()
    return int(count), float(total), int(rss_mib)


def test_a_large_cache_is_parsed_in_bounded_memory(tmp_path):
    # The whole BAS parser (records, name -> code, sums, shares). Bounded = peak memory does
    # not grow with the cache: ten times the records, same peak (benchmarks/bench_af.py reports
    # the peak for a 200 MB cache).
    import csv

    with (REPO / "sources" / "kommuner.csv").open(encoding="utf-8") as f:
        names = [r["namn"] for r in csv.DictReader(f)]
    peaks = []
    for n in (20_000, 200_000):
        rows = (["2026-08", f"Län {i % 21}", names[i % 290], float(i % 50), 1000.0 + i % 7] for i in range(n))
        path = tmp_path / str(n) / "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx"
        path.parent.mkdir()
        write_workbook(path, FIELDS, rows, shared={"PERIOD", "LAN", "KOM"}, heading="Inskrivna arbetslösa 16-65 år")
        count, total, rss = _peak(path)
        assert count == 290 and total == sum(float(i % 50) for i in range(n))  # every record summed once
        peaks.append(rss)
    assert peaks[1] - peaks[0] < 15, f"peak RSS grew from {peaks[0]} to {peaks[1]} MiB"
