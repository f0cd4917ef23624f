"""The national benchmark (issue 8; not run in CI): `make bench-national`.

    python benchmarks/bench_national.py [--runs 3] [--out docs/benchmarks_national.json]

What it does, each measured step in a fresh process (peak RSS is that process's own):
1. builds the Kolada v3 answers for 300 KPIs × 312 units × 25 years (1998–2022) from
   ../shared/fixtures/kolada_dump/national_300 (benchmarks/kolada_pages.py) and a catalog
   with one indicator per KPI (constructed targets) in national mode;
2. serves them from a local HTTP server in its own process (benchmarks/kolada_server.py),
   which counts the requests;
3. per run, on a new warehouse file: the product's `kolada_job` as a backfill of 1998–2022
   (one run, as the UI launches it), `scb_job` as a backfill of 2010–2022 (folkmängd for
   every unit, from benchmarks/scb_server.py), then `indicators_job`; the whole-country
   status, peers and due list queries; a night with nothing new as the schedules launch it
   (Kolada 2020–2022 as one nightly run, SCB 2025–2026, then the indicators_job), each job in
   its own process;
4. DuckDB's own read_json of the same page files into a table on disk (the practical limit);
5. the minimum number of data requests for the API limits, from the dump itself.
Prints a summary and writes the medians and every run's figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import kolada_pages  # noqa: E402
from sources.kolada import PER_PAGE, chunks  # noqa: E402

FIRST, LAST = 1998, 2022
SCB_FIRST = "2010"  # the first SCB partition (pipelines/defs/partitions.py); the server has 1998–2022
NAMNDER = ["Barn- och utbildningsnämnden", "Kultur- och tekniknämnden", "Socialnämnden"]
MALOMRADEN = ["Välfärd", "Företagsklimat", "Attraktion", "Finansiellt", "Organisatoriskt"]
NIGHT = "2026-11-27T02:30:00+01:00"  # a Friday: not the weekly full-refresh day (Sunday)

PRELUDE = """
import json, os, resource, sys, time, warnings
sys.path.insert(0, {root!r})
warnings.filterwarnings("ignore")
def done(**kw):
    kw["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(kw), flush=True)
"""

# The project's definitions, with Kolada and SCB pointed at the local servers; `measure` runs a
# job in this process and returns its time, Dagster's step durations and each step's peak RSS.
DAGSTER = PRELUDE + """
import threading
import dagster as dg
from pipelines.definitions import defs as load_defs
from pipelines.defs.partitions import range_tags
from warehouse.core import db
defs = load_defs()
run_config = {{"resources": {{"kolada": {{"config": {{"base_url": {base!r}, "http_mode": "live"}}}},
                              "scb": {{"config": {{"base_url": {scb!r}, "http_mode": "live"}}}}}}}}
samples = []  # (time, RSS MiB) every 20 ms: the peak of each step, not only of the process
def sample():
    page = os.sysconf("SC_PAGE_SIZE")
    while True:
        with open("/proc/self/statm") as f:
            samples.append((time.time(), int(f.read().split()[1]) * page / 2**20))
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
def measure(job_name, **kwargs):
    instance = dg.DagsterInstance.ephemeral()
    t = time.perf_counter()
    r = defs.resolve_job_def(job_name).execute_in_process(run_config=run_config, instance=instance, **kwargs)
    seconds = time.perf_counter() - t
    assert r.success
    logs = [e for e in instance.all_logs(r.run_id) if e.dagster_event is not None]
    starts = {{e.dagster_event.step_key: e.timestamp for e in logs if e.dagster_event.event_type_value == "STEP_START"}}
    ends = {{e.dagster_event.step_key: e.timestamp for e in logs if e.dagster_event.event_type_value == "STEP_SUCCESS"}}
    steps = {{e.step_key: e.event_specific_data.duration_ms / 1000 for e in r.all_events if e.event_type_value == "STEP_SUCCESS"}}
    step_rss = {{k: max((m for ts, m in list(samples) if starts[k] <= ts <= ends[k]), default=None) for k in ends}}
    return {{"seconds": seconds, "steps": steps, "step_rss_mib": step_rss}}
"""

INGEST = DAGSTER + """
out = measure("kolada_job", tags=range_tags("{first}", "{last}"))
c = db.connect(read_only=True)
done(**out, values=c.execute("SELECT count(*) FROM stg.kolada_observations").fetchone()[0])
"""

# SCB's backfill from its first partition, one run (BackfillPolicy.single_run).
SCB_INGEST = DAGSTER + """
out = measure("scb_job", tags=range_tags("{first}", "{last}"))
c = db.connect(read_only=True)
done(**out, values=c.execute("SELECT count(*) FROM stg.scb_observations").fetchone()[0])
"""

INDICATORS = DAGSTER + """
done(**measure("indicators_job"))
"""

QUERIES = PRELUDE + """
from warehouse.core import db
c = db.connect(read_only=True)
out = {{}}
for name, sql in {{
    "status": "SELECT * FROM ind.indicator_status_riket",
    "peers": "SELECT * FROM ind.peer_comparison",
    "due": "SELECT * FROM ind.kf_due_list",
}}.items():
    # Computed in DuckDB (the result materialised as a table), and fetched into Python as
    # rows (what a script reading the whole result pays on top).
    computed, fetched, rows = [], [], 0
    for _ in range(5):
        t = time.perf_counter(); c.execute("CREATE OR REPLACE TEMP TABLE r AS " + sql); computed.append(time.perf_counter() - t)
        t = time.perf_counter(); rows = len(c.execute(sql).fetchall()); fetched.append(time.perf_counter() - t)
    out[name] = {{"seconds": sorted(computed)[2], "fetch_seconds": sorted(fetched)[2], "rows": rows}}
done(**out)
"""

# A night with nothing new, as the schedules launch it, each job in its own process (a run
# launcher's process): Kolada's three recent complete years as one run with the nightly tag
# (pipelines/defs/kolada/schedules.py; 2020–2022, the newest years of the data, on a Friday:
# no weekly full refresh), SCB's current and previous year as one run (2025–2026 at NIGHT), and
# the indicators_job of 04:30 after them.
NIGHTLY_KOLADA = DAGSTER + """
from pipelines.defs.kolada.assets import NIGHTLY_TAG
done(**measure("kolada_job", tags={{NIGHTLY_TAG: "1", **range_tags("{first}", "{last}")}}))
"""

NIGHTLY_SCB = DAGSTER + """
done(**measure("scb_job", tags=range_tags("{first}", "{last}")))
"""

# DuckDB's own read_json of the page files into a table on disk, two ways. "lateral" is the
# baseline of issues 8 and 23 (each item's values unnested in a lateral join); "projection"
# unnests both levels in the SELECT list, the fastest form found while profiling for issue 23
# (the same 797,806 rows; the lateral join, not the JSON parsing, was its cost). Both are
# reported, and the ratios against each.
READ_JSON = PRELUDE + """
import duckdb
S = ("{{'values': 'STRUCT(kpi VARCHAR, municipality VARCHAR, period INTEGER, \\"values\\" STRUCT(gender VARCHAR, "
     "count INTEGER, status VARCHAR, value DOUBLE, isdeleted BOOLEAN)[])[]', 'next_url': 'VARCHAR'}}")
RJ = f"read_json({pages!r}, columns={{S}}, format='unstructured', maximum_object_size=100000000)"
c = duckdb.connect({db!r})
t = time.perf_counter()
c.execute(f'''CREATE TABLE v AS SELECT i.kpi, i.municipality, i.period, g.gender, g.value, g.status, g.isdeleted
    FROM (SELECT unnest("values") AS i FROM {{RJ}}) AS t(i), unnest(i."values") AS u(g)''')
seconds = time.perf_counter() - t
t = time.perf_counter()
c.execute(f'''CREATE TABLE p AS SELECT i.kpi, i.municipality, i.period, unnest(i."values", recursive := true)
    FROM (SELECT unnest("values") AS i FROM {{RJ}})''')
projection = time.perf_counter() - t
n, m, extra = c.execute("SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM p), (SELECT count(*) FROM "
                        "(SELECT kpi, municipality, period, gender, value, status, isdeleted FROM p EXCEPT ALL "
                        "SELECT kpi, municipality, period, gender, value, status, isdeleted FROM v))").fetchone()
assert n == m and extra == 0, (n, m, extra)
done(seconds=seconds, projection_seconds=projection, values=n)
"""


def child(code: str, env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"benchmark step failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1][7:])


def bench_catalog(directory: Path, kpis: list[str], values: dict) -> Path:
    """The bundled calendar and settings (national mode), one indicator per KPI in the three
    nämnder; önskat värde is Riket's newest figure (constructed, only to give a status)."""
    # KF's own goals (kf_mal.yaml) name the bundled nämnd indicators, which this catalog
    # replaces; the file is optional (a kommun without goals), so it is left out.
    shutil.copytree(ROOT / "indicator_catalog", directory,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__", "namnder", "kf_mal.yaml"))
    (directory / "settings.yaml").write_text(
        (directory / "settings.yaml").read_text(encoding="utf-8") + "omfattning: riket\n", encoding="utf-8")
    (directory / "namnder").mkdir()
    riket = {k: v for (k, unit, _y), v in sorted(values.items(), key=lambda kv: kv[0][2]) if unit == "0000"}
    for n, namnd in enumerate(NAMNDER):
        lines = ["# Konstruerad för benchmarks/bench_national.py: önskat värde = rikets senaste värde.",
                 f"namnd: {namnd}", "indicators:"]
        for i, kpi in enumerate(kpis[n::len(NAMNDER)]):
            lines += [f"  - id: {kpi.lower()}", f"    name: Kolada {kpi}", f"    malomrade: {MALOMRADEN[i % 5]}",
                      f"    indikator_kalla: Kolada {kpi}, källa Kolada", "    source: kolada",
                      f"    query: {{kpi: {kpi}, gender: T}}", "    unit: värde", "    direction: higher",
                      f"    onskat_varde: {riket.get(kpi, 0.0)}", "    tolerance: 0", "    uppdrag: false",
                      "    budgetpaverkan: false", "    indikator_kf: true", "    frequency: year"]
        if n == 0:  # SCB's folkmängd for every unit: TAB638, served by benchmarks/scb_server.py
            lines += ["  - id: folkmangd", "    name: Folkmängd", "    malomrade: Attraktion",
                      "    indikator_kalla: Folkmängd 31 december, källa SCB", "    source: scb",
                      "    query: {series: folkmangd, tables: [{table: TAB638, contents: BE0101N1, selection: {Alder: [tot]}}]}",
                      "    unit: invånare", "    direction: higher", "    onskat_varde: 0", "    tolerance: 0",
                      "    uppdrag: false", "    budgetpaverkan: false", "    indikator_kf: true", "    frequency: year"]
        (directory / "namnder" / f"namnd_{n}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def minimum_requests(kpis, years, values) -> tuple[int, int]:
    """(fewest data requests when the KPIs go 25 to a segment and every unit and year is in
    one request, as the API allows (the municipality segment left out, 25 years in one
    segment), each paged by 5000; and the floor ceil(values / 5000) that no layout beats)."""
    assert len(chunks(years)) == 1
    box = {k: i for i, c in enumerate(chunks(kpis)) for k in c}
    count = [0] * len(chunks(kpis))
    for (k, _u, _y) in values:
        count[box[k]] += 1
    return sum(max(1, math.ceil(c / PER_PAGE)) for c in count), math.ceil(len(values) / PER_PAGE)


def scb_minimum_requests(units: int, years: int, max_cells: int = 150_000) -> int:
    """SCB: one table (TAB638), one value per unit and year in the selection; cells are
    units × years, at most maxDataCells per call."""
    return math.ceil(units * years / max_cells)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_national.json")
    ap.add_argument("--keep", action="store_true", help="keep the warehouses and the catalog (for profiling)")
    args = ap.parse_args()
    pages_dir = ROOT / "data" / "bench" / "kolada"
    dump = args.shared / "fixtures" / "kolada_dump"
    if not (pages_dir / "index.json").exists():
        kolada_pages.build(pages_dir, dump, FIRST, LAST)
    manifest = json.loads((pages_dir / "index.json").read_text(encoding="utf-8"))
    kpis, values = kolada_pages.read_national(dump / "national_300", FIRST, LAST)
    layout_min, floor = minimum_requests(kpis, manifest["years"], values)
    scb_min = scb_minimum_requests(len(manifest["units"]), LAST - int(SCB_FIRST) + 1)

    work = Path(tempfile.mkdtemp(prefix="bench_national_"))
    catalog = bench_catalog(work / "catalog", kpis, values)
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "kolada_server.py"), "--dir", str(pages_dir)],
                              stdout=subprocess.PIPE, text=True)
    scb_server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "scb_server.py"), "--shared", str(args.shared)],
                                  stdout=subprocess.PIPE, text=True)
    base = server.stdout.readline().strip()
    scb = scb_server.stdout.readline().strip()
    import requests

    def stats(url: str = base.replace("/v3", "")) -> dict:
        """The server's counts since the last call (each call zeroes them)."""
        got = requests.get(url + "/_stats", timeout=10).json()
        requests.post(url + "/_reset", timeout=10)
        return got

    def scb_stats() -> dict:
        return stats(scb.replace("/api/v2", ""))

    runs = []
    try:
        for n in range(args.runs):
            env = {**os.environ, "MALSTYRNING_DUCKDB": str(work / f"wh_{n}.duckdb"), "MALSTYRNING_CATALOG_DIR": str(catalog),
                   "MALSTYRNING_OMFATTNING": "riket", "MALSTYRNING_KOLADA_FORSTA_AR": str(FIRST),
                   "MALSTYRNING_HTTP_MODE": "live", "MALSTYRNING_NOW": NIGHT, "DAGSTER_HOME": str(work / "dagster")}
            (work / "dagster").mkdir(exist_ok=True)
            stats()  # zeroed: the previous run's reading is not this run's
            scb_stats()
            ingest = child(INGEST.format(root=str(ROOT), base=base, scb=scb, first=FIRST, last=LAST), env)
            ingest["requests"] = stats()
            scb_ingest = child(SCB_INGEST.format(root=str(ROOT), base=base, scb=scb, first=SCB_FIRST, last=LAST), env)
            scb_ingest["requests"] = scb_stats()
            indicators = child(INDICATORS.format(root=str(ROOT), base=base, scb=scb), env)
            indicators["requests"] = stats()
            queries = child(QUERIES.format(root=str(ROOT)), env)
            night = {"kolada": child(NIGHTLY_KOLADA.format(root=str(ROOT), base=base, scb=scb, first="2020", last="2022"),
                                     env)}
            night["kolada"]["requests"] = stats()
            night["scb"] = child(NIGHTLY_SCB.format(root=str(ROOT), base=base, scb=scb, first="2025", last="2026"), env)
            night["scb"]["requests"] = scb_stats()["counts"]
            night["indicators"] = child(INDICATORS.format(root=str(ROOT), base=base, scb=scb), env)
            night["indicators"]["requests"] = stats()
            nightly = {"seconds": sum(j["seconds"] for j in night.values()),
                       "rss_mib": max(j["rss_mib"] for j in night.values()), "jobs": night,
                       "requests": night["kolada"]["requests"], "scb_requests": night["scb"]["requests"]}
            rj = child(READ_JSON.format(root=str(ROOT), db=str(work / f"rj_{n}.duckdb"),
                                        pages=str(pages_dir / "pages" / "*.json")), env)
            run = {"ingest": ingest, "scb_ingest": scb_ingest, "indicators": indicators, "queries": queries,
                   "nightly": nightly, "read_json": rj}
            runs.append(run)
            print(f"run {n + 1}: ingest {ingest['seconds']:.1f} s, {ingest['values']} values, "
                  f"{ingest['rss_mib']:.0f} MiB, requests {ingest['requests']}; read_json {rj['seconds']:.1f} s; "
                  f"status {queries['status']['seconds']:.3f} s; nightly requests {nightly['requests']}; "
                  f"SCB backfill {scb_ingest['seconds']:.1f} s, {scb_ingest['values']} values, requests "
                  f"{scb_ingest['requests']['counts']}, cells {scb_ingest['requests']['cells']}; "
                  f"SCB nightly {nightly['scb_requests']}", flush=True)
    finally:
        server.terminate()
        scb_server.terminate()
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    def med(f) -> float:
        return statistics.median(f(r) for r in runs)

    def raw_stg_seconds(r) -> float:  # HTTP to observations: the two ingest steps
        return r["ingest"]["steps"]["raw__kolada_values"] + r["ingest"]["steps"]["stg__kolada_observations"]

    def read_json_rate(r) -> float:
        return r["read_json"]["values"] / r["read_json"]["seconds"]

    ingest_rate = med(lambda r: r["ingest"]["values"] / r["ingest"]["seconds"])
    rj_rate = med(read_json_rate)
    summary = {
        "runs": len(runs),
        "data": {"kpis": len(kpis), "units": len(manifest["units"]), "years": len(manifest["years"]),
                 "values": manifest["values"], "pages": manifest["pages"], "mb": round(manifest["bytes"] / 1e6, 1)},
        "ingest_seconds": med(lambda r: r["ingest"]["seconds"]),
        "ingest_steps_seconds": {k: med(lambda r, k=k: r["ingest"]["steps"][k]) for k in runs[0]["ingest"]["steps"]},
        "ingest_values_per_s": ingest_rate,
        "ingest_peak_rss_mib": med(lambda r: r["ingest"]["rss_mib"]),
        "ingest_steps_peak_rss_mib": {k: med(lambda r, k=k: r["ingest"]["step_rss_mib"][k])
                                      for k in runs[0]["ingest"]["step_rss_mib"]},
        "read_json_seconds": med(lambda r: r["read_json"]["seconds"]),
        "read_json_values_per_s": rj_rate,
        "read_json_peak_rss_mib": med(lambda r: r["read_json"]["rss_mib"]),
        "ratio_ingest_to_read_json": ingest_rate / rj_rate,
        "ratio_raw_stg_to_read_json": med(lambda r: r["ingest"]["values"] / raw_stg_seconds(r) / read_json_rate(r)),
        "ingest_raw_stg_seconds": med(raw_stg_seconds),
        "indicators_job_seconds": med(lambda r: r["indicators"]["seconds"]),
        "indicators_job_steps_seconds": {k: med(lambda r, k=k: r["indicators"]["steps"][k]) for k in runs[0]["indicators"]["steps"]},
        "indicators_job_peak_rss_mib": med(lambda r: r["indicators"]["rss_mib"]),
        "indicators_job_requests": runs[0]["indicators"]["requests"],
        "queries_seconds": {q: med(lambda r, q=q: r["queries"][q]["seconds"]) for q in ("status", "peers", "due")},
        "queries_fetch_seconds": {q: med(lambda r, q=q: r["queries"][q]["fetch_seconds"]) for q in ("status", "peers", "due")},
        "queries_rows": {q: runs[0]["queries"][q]["rows"] for q in ("status", "peers", "due")},
        "backfill_data_requests": med(lambda r: r["ingest"]["requests"].get("data", 0)),
        "backfill_other_requests": {k: v for k, v in runs[0]["ingest"]["requests"].items() if k != "data"},
        "minimum_data_requests_layout": layout_min,
        "minimum_data_requests_floor": floor,
        "nightly_requests": runs[0]["nightly"]["requests"],
        "scb_backfill_years": f"{SCB_FIRST}–{LAST}",
        "scb_backfill_seconds": med(lambda r: r["scb_ingest"]["seconds"]),
        "scb_backfill_values": runs[0]["scb_ingest"]["values"],
        "scb_backfill_requests": runs[0]["scb_ingest"]["requests"]["counts"],
        "scb_backfill_cells": runs[0]["scb_ingest"]["requests"]["cells"],
        "scb_minimum_data_requests": scb_min,
        "scb_nightly_requests": runs[0]["nightly"]["scb_requests"],
        "nightly_seconds": med(lambda r: r["nightly"]["seconds"]),
        "nightly_peak_rss_mib": med(lambda r: r["nightly"]["rss_mib"]),
        "nightly_jobs": {j: {"seconds": med(lambda r, j=j: r["nightly"]["jobs"][j]["seconds"]),
                             "peak_rss_mib": med(lambda r, j=j: r["nightly"]["jobs"][j]["rss_mib"]),
                             "steps_seconds": {k: med(lambda r, j=j, k=k: r["nightly"]["jobs"][j]["steps"].get(k, 0.0))
                                               for k in runs[0]["nightly"]["jobs"][j]["steps"]},
                             "steps_peak_rss_mib": {k: med(lambda r, j=j, k=k: r["nightly"]["jobs"][j]["step_rss_mib"].get(k) or 0)
                                                    for k in runs[0]["nightly"]["jobs"][j]["step_rss_mib"]}}
                         for j in runs[0]["nightly"]["jobs"]},
        "scb_backfill_peak_rss_mib": med(lambda r: r["scb_ingest"]["rss_mib"]),
        "indicators_job_steps_peak_rss_mib": {k: med(lambda r, k=k: r["indicators"]["step_rss_mib"].get(k) or 0)
                                              for k in runs[0]["indicators"]["step_rss_mib"]},
        "ratio_job_to_read_json": med(lambda r: r["ingest"]["values"] / r["ingest"]["seconds"] / read_json_rate(r)),
        "read_json_projection_seconds": med(lambda r: r["read_json"]["projection_seconds"]),
        "ratio_raw_stg_to_read_json_projection": med(lambda r: r["read_json"]["projection_seconds"] / raw_stg_seconds(r)),
        "ratio_job_to_read_json_projection": med(lambda r: r["read_json"]["projection_seconds"] / r["ingest"]["seconds"]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }
    summary["backfill_vs_minimum"] = summary["backfill_data_requests"] / layout_min
    summary["backfill_vs_floor"] = summary["backfill_data_requests"] / floor
    summary["scb_backfill_vs_minimum"] = summary["scb_backfill_requests"].get("data", 0) / scb_min
    args.out.write_text(json.dumps({"summary": summary, "runs": runs}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
