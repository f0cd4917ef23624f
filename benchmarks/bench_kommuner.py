"""Several kommuner on one machine (issue 24; not run in CI): `make bench-kommuner`.

    python benchmarks/bench_kommuner.py [--kommuner 10] [--out docs/benchmarks_kommuner.json]

What one machine does for a deployment with several kommuner (docs/deployment.md, "Limits of one
machine"), at national scale: the public location fetches 300 Kolada KPIs for every kommun,
region and Riket, 1998–2022 (benchmarks/kolada_pages.py, from ../shared/fixtures/kolada_dump,
served by benchmarks/kolada_server.py) and SCB's folkmängd 2010–2022 (benchmarks/scb_server.py),
and publishes the public snapshot; then each kommun's location imports its share and runs its
indicators_job (its catalog: one indicator per KPI, 301 indicators, as benchmarks/bench_national.py
builds it, in kommun scope with the comparison group G37333). Each step is the operator's
command, `indikator refresh`, in its own process, timed with its peak RSS (GNU time). Then a
kommun's code server is started as its systemd unit starts it and its memory read once loaded
(the proxy and the server process it starts).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import kolada_pages  # noqa: E402
from benchmarks.bench_national import FIRST, LAST, NIGHT, bench_catalog, child  # noqa: E402


def timed(cmd: list[str], env: dict) -> dict:
    """Run `cmd` under GNU time: wall seconds and peak RSS of the process."""
    proc = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", *cmd], env=env, cwd=ROOT, capture_output=True,
                          text=True)
    found = re.findall(r"TIME ([\d.]+) (\d+)", proc.stderr)
    if proc.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    seconds, kib = found[-1]
    return {"seconds": float(seconds), "rss_mib": int(kib) / 1024}


def tree_rss_mib(pid: int) -> float:
    """The resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            rss = next(line for line in Path(f"/proc/{p}/status").read_text().splitlines() if line.startswith("VmRSS"))
            total += int(rss.split()[1])
        except (OSError, StopIteration):
            pass
    return total / 1024


@lru_cache(maxsize=1)
def kommun_names() -> dict[str, str]:
    with (ROOT / "sources" / "kommuner.csv").open(encoding="utf-8") as fh:
        return {r["kod"]: r["namn"] for r in csv.DictReader(fh)}


def kommun_codes(n: int) -> list[str]:
    return ["1882"] + [c for c in kommun_names() if c != "1882"][: n - 1]


def kommun_catalog(national: Path, target: Path, kod: str) -> None:
    """The national benchmark's catalog for one kommun: its code and name, kommun scope."""
    shutil.copytree(national, target)
    settings = target / "settings.yaml"
    text = settings.read_text(encoding="utf-8").replace("omfattning: riket\n", "")
    text = re.sub(r"^kommun: .*$", f'kommun: "{kod}"', text, flags=re.M)
    text = re.sub(r"^kommun_namn: .*$", f"kommun_namn: {kommun_names()[kod]}", text, flags=re.M)
    settings.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kommuner", type=int, default=10)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_kommuner.json")
    args = ap.parse_args()
    pages_dir = ROOT / "data" / "bench" / "kolada"
    dump = args.shared / "fixtures" / "kolada_dump"
    if not (pages_dir / "index.json").exists():
        kolada_pages.build(pages_dir, dump, FIRST, LAST)
    kpis, values = kolada_pages.read_national(dump / "national_300", FIRST, LAST)

    work = Path(tempfile.mkdtemp(prefix="bench_kommuner_"))
    national = bench_catalog(work / "national_catalog", kpis, values)
    codes = kommun_codes(args.kommuner)
    for kod in codes:
        kommun_catalog(national, work / "kataloger" / kod, kod)
    drift = work / "kommuner.yaml"
    drift.write_text("offentlig:\n  data: offentlig/malstyrning.duckdb\n  omfattning: riket\nkommuner:\n"
                     + "".join(f'  - kod: "{k}"\n    katalog: kataloger/{k}\n' for k in codes), encoding="utf-8")
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "kolada_server.py"), "--dir", str(pages_dir)],
                              stdout=subprocess.PIPE, text=True)
    scb_server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "scb_server.py"), "--shared",
                                   str(args.shared)], stdout=subprocess.PIPE, text=True)
    base, scb = server.stdout.readline().strip(), scb_server.stdout.readline().strip()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MALSTYRNING_")},
           "MALSTYRNING_DRIFT": str(drift), "MALSTYRNING_HTTP_MODE": "live", "MALSTYRNING_KOLADA_URL": base,
           "MALSTYRNING_SCB_URL": scb, "MALSTYRNING_KOLADA_FORSTA_AR": str(FIRST), "MALSTYRNING_NOW": NIGHT,
           "MALSTYRNING_RATELIMIT_DIR": str(work / "ratelimit")}
    env.pop("DAGSTER_HOME", None)
    indikator = [sys.executable, "-m", "pipelines.cli"]
    try:
        public = timed([*indikator, "refresh", "--years", f"{FIRST}-{LAST}", "--no-af"],
                       {**env, "MALSTYRNING_ROLL": "offentlig"})
        public_file = work / "offentlig" / "malstyrning.duckdb"
        public["file_mb"] = public_file.stat().st_size / 1e6
        public["snapshot_mb"] = (work / "offentlig" / "malstyrning.publicerad.duckdb").stat().st_size / 1e6
        print(f"public location: {public['seconds']:.1f} s, {public['rss_mib']:.0f} MiB, "
              f"snapshot {public['snapshot_mb']:.0f} MB", flush=True)
        kommuner = []
        for kod in codes:
            kenv = {**env, "MALSTYRNING_ROLL": "kommun", "MALSTYRNING_KOMMUN": kod}
            first = timed([*indikator, "refresh"], kenv)
            again = timed([*indikator, "refresh"], kenv)  # a night with nothing new in the public snapshot
            folder = work / "kommuner" / kod
            row = {"kod": kod, "first": first, "nothing_new": again,
                   "file_mb": (folder / "malstyrning.duckdb").stat().st_size / 1e6,
                   "snapshot_mb": (folder / "malstyrning.publicerad.duckdb").stat().st_size / 1e6}
            kommuner.append(row)
            print(f"kommun {kod}: import + indicators {first['seconds']:.1f} s, {first['rss_mib']:.0f} MiB; "
                  f"nothing new {again['seconds']:.1f} s; file {row['file_mb']:.1f} MB", flush=True)
        # The import alone, in-process, into a new file: what the step costs without the process start.
        kenv = {**env, "MALSTYRNING_ROLL": "kommun", "MALSTYRNING_KOMMUN": codes[0],
                "MALSTYRNING_DUCKDB": str(work / "import_alone.duckdb")}
        kenv.pop("MALSTYRNING_DRIFT")
        code = (f"import json, time, sys; sys.path.insert(0, {str(ROOT)!r})\n"
                "from datetime import datetime, timezone\n"
                "from pathlib import Path\n"
                "from indicator_catalog.catalog import load_catalog\n"
                "from warehouse.core import db\n"
                "from warehouse.public.importer import import_public\n"
                "conn = db.connect(); db.migrate(conn)\n"
                f"cat = load_catalog({str(work / 'kataloger' / codes[0])!r})\n"
                "t = time.perf_counter()\n"
                f"r = import_public(conn, Path({str(work / 'offentlig' / 'malstyrning.publicerad.duckdb')!r}), cat, "
                "now=datetime.now(timezone.utc))\n"
                "print('RESULT ' + json.dumps({'seconds': time.perf_counter() - t, 'rows': r.rows}))\n")
        import_alone = child(code, kenv)
        print(f"import alone: {import_alone['seconds']:.2f} s, "
              f"{import_alone['rows']['stg.kolada_observations']} Kolada observations", flush=True)
        # Two kommuner at once (their pools let the daemon run them side by side), on a new night.
        wall = time.monotonic()
        procs = [subprocess.Popen([*indikator, "refresh"], env={**env, "MALSTYRNING_ROLL": "kommun",
                                                                "MALSTYRNING_KOMMUN": kod},
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for kod in codes[:2]]
        assert all(p.wait() == 0 for p in procs)
        parallel = {"kommuner": 2, "seconds": time.monotonic() - wall}
        print(f"two kommuner at once: {parallel['seconds']:.1f} s", flush=True)
        # A kommun's code server as its unit starts it, its memory once it serves the definitions.
        port = "4399"
        proc = subprocess.Popen([str(Path(sys.executable).parent / "dagster"), "code-server", "start", "-m",
                                 "pipelines.definitions", "-h", "127.0.0.1", "-p", port, "--location-name",
                                 f"kommun_{codes[0]}"], env={**env, "MALSTYRNING_ROLL": "kommun",
                                                             "MALSTYRNING_KOMMUN": codes[0]},
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started = time.monotonic()
        for line in proc.stdout:
            if "Started Dagster code server for" in line:
                break
        time.sleep(2)
        code_server = {"rss_mib": tree_rss_mib(proc.pid), "start_seconds": time.monotonic() - started}
        proc.terminate()
        proc.wait(timeout=30)
        print(f"code server: {code_server['rss_mib']:.0f} MiB (proxy and server), ready in "
              f"{code_server['start_seconds']:.1f} s", flush=True)
    finally:
        server.terminate()
        scb_server.terminate()
    indicators = len(kpis) + 1  # one per KPI and folkmängd (bench_catalog)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "indicators_per_kommun": indicators, "kpis": len(kpis), "years": f"{FIRST}-{LAST}",
              "public": public, "kommuner": kommuner, "import_alone": import_alone, "parallel": parallel,
              "code_server": code_server}
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
