"""Benchmark the SIE parser on a generated SIE 4E file (not run in CI).

    python benchmarks/bench_sie.py [--trans 500000] [--keep FILE]

Generates a file of N #TRANS lines with realistic variety (see `generate`), then, each in a
fresh process so peak memory is the parser's own:
  1. sources.sie.parse_file: #TRANS lines per second and peak RSS;
  2. DuckDB read_csv of the same lines (re-encoded to UTF-8), one line per row, #TRANS lines filtered and their
     amount extracted and summed: the practical upper limit for reading such a file.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PARSE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from sources.sie import parse_file
t = time.perf_counter(); sie = parse_file({path!r}); dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "trans": len(sie.transactions), "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
DUCK = """
import json, resource, time, duckdb
t = time.perf_counter()
n, total = duckdb.sql(\"\"\"
    SELECT count(*), sum(CAST(regexp_extract(line, '[}}][ \\t]+(-?[0-9.]+)', 1) AS DOUBLE))
    FROM read_csv({path!r}, columns={{'line': 'VARCHAR'}}, delim='\\x01', quote='', escape='',
                  header=false)
    WHERE line LIKE '%#TRANS%'\"\"\").fetchall()[0]
dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "rows": n, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def generate(path: Path, n_trans: int, seed: int = 1) -> None:
    """A year of vouchers with the variety of a large kommun: 300 accounts, 400 cost centres
    and 2,000 projects (so object lists rarely repeat), a date and text on every row and a
    quantity on some, quoted and unquoted fields mixed, CRLF and CP437 like a real export."""
    rng = random.Random(seed)
    accounts = [str(a) for a in rng.sample(range(1000, 8999), 300)]
    with path.open("w", encoding="cp437", newline="\r\n") as f:
        f.write('#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#PROGRAM "bench" 1.0\n#FNAMN "Genererad kommun"\n')
        f.write("#RAR 0 20250101 20251231\n")
        for a in accounts:
            f.write(f'#KONTO {a} "Konto {a} för övrigt"\n')
        v = written = 0
        while written < n_trans:
            v += 1
            day = f"2025{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f.write(f'#VER A {v} {day} "Verifikation {v} ärende"\n{{\n')
            amounts = [round(rng.uniform(-50000, 50000), 2) for _ in range(4)]
            amounts.append(round(-sum(amounts), 2))
            for i, amount in enumerate(amounts):
                objs = f'{{"1" "{rng.randint(1, 400):04d}" "6" "P{rng.randint(1, 2000):05d}"}}' if i % 4 else "{}"
                qty = f" {rng.randint(1, 40)}" if i == 3 else ""
                f.write(f'\t#TRANS {rng.choice(accounts)} {objs} {amount:.2f} {day} "Leverantör {rng.randint(1, 900)} faktura"{qty}\n')
            f.write("}\n")
            written += 5


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trans", type=int, default=500_000)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.se"
        generate(path, args.trans)
        size = path.stat().st_size / 2**20
        parsed = run(PARSE.format(root=str(ROOT), path=str(path)))
        # DuckDB reads UTF-8 (its latin-1 mode refuses CP437's 0x80-0x9F bytes): same lines, re-encoded.
        utf8 = Path(tmp) / "bench-utf8.se"
        utf8.write_text(path.read_bytes().decode("cp437"), encoding="utf-8")
        duck = run(DUCK.format(path=str(utf8)))
    rate = parsed["trans"] / parsed["seconds"]
    print(f"Fil: {args.trans} #TRANS-rader, {size:.1f} MiB")
    print(f"sources.sie   : {parsed['seconds']:.2f} s, {rate:,.0f} #TRANS/s, topp-RSS {parsed['rss_mib']:.0f} MiB")
    print(f"DuckDB read_csv: {duck['seconds']:.2f} s ({duck['rows']} rader), topp-RSS {duck['rss_mib']:.0f} MiB")
    ok = rate >= 250_000 and parsed["rss_mib"] < 500
    print("Mål (≥ 250 000 #TRANS/s, < 500 MiB):", "uppfyllt" if ok else "EJ uppfyllt")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
