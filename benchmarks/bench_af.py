"""Benchmark the AF pivot-cache reader on a generated cache (not run in CI).

    python benchmarks/bench_af.py [--mb 200]

Writes a CONSTRUCTED pivot workbook (tools/af_workbook.py: ECMA-376 pivot cache with the
documented BAS-file fields, the 290 real kommun names, months 2023-01 to 2026-10) whose
records XML is about --mb MB uncompressed, then runs the whole parser on it in a fresh
process (sources.af.bas_shares: streaming records, name -> code mapping, per-kommun sums,
shares) and reports records, seconds and peak RSS, next to a cache a tenth of the size: the
same peak for ten times the records is bounded memory. The sums are kept per month, kommun
and field, so memory follows the number of kommuner and months, not the file size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.af_workbook import write_workbook  # noqa: E402

FIELDS = ["PERIOD", "LAN", "KOM", "TOTSOK", "TOTAK", "KVISOK", "KVIAK", "MANSOK", "MANAK"]
ROW_BYTES = 120  # about this many bytes of records XML per row
READ = """
import resource, sys, time
sys.path.insert(0, {root!r})
from sources.af import bas_shares
t = time.perf_counter()
shares = bas_shares({path!r})
print(len(shares), round(time.perf_counter() - t, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""
MONTHS = [f"{y}-{m:02d}" for y in range(2023, 2027) for m in range(1, 13)][:46]


def build(path: Path, mb: float) -> int:
    import csv

    with (ROOT / "sources" / "kommuner.csv").open(encoding="utf-8") as f:
        names = [r["namn"] for r in csv.DictReader(f)]
    n = int(mb * 1e6 / ROW_BYTES)
    rows = ([MONTHS[i % len(MONTHS)], f"Län {i % 21}", names[i % len(names)], float(i % 50),
             1000.0 + i % 7, float(i % 20), 500.0, float(i % 30), 500.0] for i in range(n))
    write_workbook(path, FIELDS, rows, shared={"PERIOD", "LAN", "KOM"}, heading="Inskrivna arbetslösa 16-65 år")
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for mb in (args.mb / 10, args.mb):
            path = Path(tmp) / f"{mb:g}" / "web-inskrivna-arbetslosa-andel-av-bas-2026-10.xlsx"
            path.parent.mkdir()
            n = build(path, mb)
            with zipfile.ZipFile(path) as z:
                size = z.getinfo("xl/pivotCache/pivotCacheRecords1.xml").file_size / 1e6
            out = subprocess.run([sys.executable, "-c", READ.format(root=str(ROOT), path=str(path))],
                                 capture_output=True, text=True, check=True).stdout.split()
            print(f"pivotcache {size:.0f} MB okomprimerad: {n:,} poster -> {int(out[0]):,} andelar på {out[1]} s, "
                  f"topp-RSS {out[2]} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
