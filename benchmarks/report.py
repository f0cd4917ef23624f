"""Print the figures table of docs/benchmarks.md from docs/benchmarks_national.json."""

import json
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "benchmarks_national.json")
s = json.loads(path.read_text(encoding="utf-8"))["summary"]
q = s["queries_seconds"]
rows = [
    ("Ingest (kolada_job, backfill 1998–2022, one run)", f"{s['ingest_seconds']:.1f} s, {s['ingest_values_per_s']:,.0f} värden/s", ""),
    ("DuckDB read_json of the same page files", f"{s['read_json_seconds']:.1f} s, {s['read_json_values_per_s']:,.0f} värden/s", ""),
    ("Ingest ÷ read_json (values/s)", f"{s['ratio_ingest_to_read_json']:.2f}", "≥ 0.5: **not met**" if s['ratio_ingest_to_read_json'] < 0.5 else "≥ 0.5: met"),
    ("Peak RSS, ingest process", f"{s['ingest_peak_rss_mib']:,.0f} MiB (read_json: {s['read_json_peak_rss_mib']:,.0f} MiB)", "< 1 GiB: **not met**" if s['ingest_peak_rss_mib'] >= 1024 else "< 1 GiB: met"),
    ("Status, whole country (`ind.indicator_status_riket`)", f"{q['status']:.2f} s, {s['queries_rows']['status']:,} rader", "< 1 s: " + ("met" if q['status'] < 1 else "**not met**")),
    ("Peers (`ind.peer_comparison`, ranks all 290 kommuner)", f"{q['peers']:.2f} s, {s['queries_rows']['peers']} rader", "< 1 s: " + ("met" if q['peers'] < 1 else "**not met**")),
    ("Due list (`ind.kf_due_list`)", f"{q['due']:.2f} s, {s['queries_rows']['due']} rader", "< 1 s: " + ("met" if q['due'] < 1 else "**not met**")),
    ("Backfill data requests ÷ minimum for the 25-id segments", f"{s['backfill_data_requests']:.0f} ÷ {s['minimum_data_requests_layout']} = {s['backfill_vs_minimum']:.2f}", "≤ 1.1: " + ("met" if s['backfill_vs_minimum'] <= 1.1 else "**not met**")),
    ("Backfill data requests ÷ ceil(values / 5000)", f"{s['backfill_data_requests']:.0f} ÷ {s['minimum_data_requests_floor']} = {s['backfill_vs_floor']:.2f}", "see below"),
    ("Other requests of the backfill + indicators_job", ", ".join(f"{k} {v}" for k, v in s['backfill_other_requests'].items()), ""),
    ("Nightly, nothing new (3 runs: 2020, 2021, 2022)", f"data {s['nightly_requests'].get('data', 0)}, " + ", ".join(f"{k} {v}" for k, v in s['nightly_requests'].items() if k != 'data') + f"; {s['nightly_seconds']:.1f} s", "0 data requests: " + ("met" if not s['nightly_requests'].get('data') else "**not met**")),
]
print("| Measure | Median of %d runs | Target |" % s["runs"])
print("|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
steps = ", ".join(f"{k} {v:.1f} s" for k, v in s["ingest_steps_seconds"].items())
print(f"\nIngest steps (Dagster's step durations): {steps}; `indicators_job` afterwards {s['indicators_job_seconds']:.1f} s.")
print(f"\nData: {s['data']['kpis']} KPI × {s['data']['units']} enheter × {s['data']['years']} år = "
      f"{s['data']['values']:,} värden on {s['data']['pages']} pages, {s['data']['mb']} MB of JSON. "
      f"Machine: Python {s['machine']['python']}, {s['machine']['cpus']} CPUs, {s['machine']['platform']}.")
