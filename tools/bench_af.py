"""Benchmark the AF pivot-cache reader on a generated cache (not run in CI).

    python tools/bench_af.py [--mb 200]

Writes a CONSTRUCTED pivot workbook (tools/af_workbook.py: ECMA-376 pivot cache with the
documented BAS-file fields) whose records XML is about --mb MB uncompressed, then reads every
record in a fresh process and reports rows, seconds and peak RSS, next to a cache a tenth of
the size, so bounded memory shows as equal peaks.
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
from sources.af_pivot import records
t = time.perf_counter(); n = 0; total = 0.0
for r in records({path!r}):
    n += 1; total += r["TOTSOK"]
print(n, round(time.perf_counter() - t, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def build(path: Path, mb: float) -> int:
    n = int(mb * 1e6 / ROW_BYTES)
    rows = ([f"20{10 + i % 16}-{1 + i % 12:02d}", f"Län {i % 21}", f"Kommun {i % 290}", float(i % 50),
             1000.0 + i % 7, float(i % 20), 500.0, float(i % 30), 500.0] for i in range(n))
    write_workbook(path, FIELDS, rows, shared={"PERIOD", "LAN", "KOM"}, heading="16-65 år")
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for mb in (args.mb / 10, args.mb):
            path = Path(tmp) / f"cache-{mb:g}.xlsx"
            build(path, mb)
            with zipfile.ZipFile(path) as z:
                size = z.getinfo("xl/pivotCache/pivotCacheRecords1.xml").file_size / 1e6
            out = subprocess.run([sys.executable, "-c", READ.format(root=str(ROOT), path=str(path))],
                                 capture_output=True, text=True, check=True).stdout.split()
            print(f"pivotcache {size:.0f} MB okomprimerad: {int(out[0]):,} poster på {out[1]} s, topp-RSS {out[2]} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
