"""Print the figures table of docs/benchmarks.md from docs/benchmarks_national.json."""

import json
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "benchmarks_national.json")
s = json.loads(path.read_text(encoding="utf-8"))["summary"]
q, qf = s["queries_seconds"], s["queries_fetch_seconds"]
met = lambda ok: "met" if ok else "**not met**"  # noqa: E731
raw_stg = s["ingest_raw_stg_seconds"]
rows = [
    ("Ingest: `raw/kolada_values` + `stg/kolada_observations` (HTTP to observations)",
     f"{raw_stg:.1f} s, {s['data']['values'] / raw_stg:,.0f} värden/s", ""),
    ("The whole `kolada_job` (ingest plus its GX and SQL checks)",
     f"{s['ingest_seconds']:.1f} s, {s['ingest_values_per_s']:,.0f} värden/s", ""),
    ("DuckDB read_json of the same page files", f"{s['read_json_seconds']:.1f} s, {s['read_json_values_per_s']:,.0f} värden/s", ""),
    ("Ingest ÷ read_json (values/s)", f"{s['ratio_raw_stg_to_read_json']:.2f} (whole job: {s['ratio_ingest_to_read_json']:.2f})",
     "≥ 0.5: " + met(s["ratio_raw_stg_to_read_json"] >= 0.5)),
    ("Peak RSS, the `kolada_job` process", f"{s['ingest_peak_rss_mib']:,.0f} MiB (read_json: {s['read_json_peak_rss_mib']:,.0f} MiB)",
     "< 1 GiB: " + met(s["ingest_peak_rss_mib"] < 1024)),
    ("Status, whole country (`ind.indicator_status_riket`)", f"{q['status']:.2f} s, {s['queries_rows']['status']:,} rader (fetchall into Python: {qf['status']:.2f} s)", "< 1 s: " + met(q["status"] < 1)),
    ("Peers (`ind.peer_comparison`, ranks all 290 kommuner)", f"{q['peers']:.2f} s, {s['queries_rows']['peers']} rader (fetchall: {qf['peers']:.2f} s)", "< 1 s: " + met(q["peers"] < 1)),
    ("Due list (`ind.kf_due_list`)", f"{q['due']:.2f} s, {s['queries_rows']['due']} rader (fetchall: {qf['due']:.2f} s)", "< 1 s: " + met(q["due"] < 1)),
    ("Backfill data requests ÷ ceil(values / 5000), the floor no request layout beats",
     f"{s['backfill_data_requests']:.0f} ÷ {s['minimum_data_requests_floor']} = {s['backfill_vs_floor']:.2f}", "≤ 1.1: " + met(s["backfill_vs_floor"] <= 1.1)),
    ("Backfill data requests ÷ minimum with 25-KPI segments (every unit and year per request)",
     f"{s['backfill_data_requests']:.0f} ÷ {s['minimum_data_requests_layout']} = {s['backfill_vs_minimum']:.2f}", ""),
    ("Other requests of the backfill", ", ".join(f"{k} {v}" for k, v in s["backfill_other_requests"].items()), ""),
    ("Nightly, nothing new (3 runs: 2020, 2021, 2022)",
     f"data {s['nightly_requests'].get('data', 0)}, " + ", ".join(f"{k} {v}" for k, v in s["nightly_requests"].items() if k != "data")
     + f"; {s['nightly_seconds']:.1f} s", "0 data requests: " + met(not s["nightly_requests"].get("data"))),
    (f"SCB backfill {s['scb_backfill_years']} (folkmängd, every unit): data calls ÷ minimum for 150,000 cells per call",
     f"{s['scb_backfill_requests'].get('data', 0)} ÷ {s['scb_minimum_data_requests']} = {s['scb_backfill_vs_minimum']:.2f} "
     f"({', '.join(str(c) for c in s['scb_backfill_cells'])} cells; {s['scb_backfill_values']:,} values, {s['scb_backfill_seconds']:.1f} s)",
     "≤ 1.1: " + met(s["scb_backfill_vs_minimum"] <= 1.1)),
    ("Other SCB requests of the backfill", ", ".join(f"{k} {v}" for k, v in s["scb_backfill_requests"].items() if k != "data"), ""),
    ("SCB nightly, nothing new (2022, 2025, 2026)",
     f"data {s['scb_nightly_requests'].get('data', 0)}, "
     + ", ".join(f"{k} {v}" for k, v in s["scb_nightly_requests"].items() if k != "data"),
     "0 data requests: " + met(not s["scb_nightly_requests"].get("data"))),
    ("`indicators_job` afterwards (catalog, status, GX on all tables, publication)",
     f"{s['indicators_job_seconds']:.1f} s, peak RSS {s['indicators_job_peak_rss_mib']:,.0f} MiB", ""),
]
print("| Measure | Median of %d runs | Target |" % s["runs"])
print("|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
steps = ", ".join(f"{k} {v:.1f} s ({s['ingest_steps_peak_rss_mib'][k]:,.0f} MiB)" for k, v in s["ingest_steps_seconds"].items())
print(f"\n`kolada_job` steps (Dagster's step durations, and the highest RSS sampled every 20 ms during each): {steps}.")
isteps = ", ".join(f"{k} {v:.1f} s" for k, v in s["indicators_job_steps_seconds"].items())
print(f"\n`indicators_job` steps: {isteps}.")
print(f"\nData: {s['data']['kpis']} KPI × {s['data']['units']} enheter × {s['data']['years']} år = "
      f"{s['data']['values']:,} värden on {s['data']['pages']} pages, {s['data']['mb']} MB of JSON. "
      f"Machine: Python {s['machine']['python']}, {s['machine']['cpus']} CPUs, {s['machine']['platform']}.")
