"""Print the figures table of docs/benchmarks.md from docs/benchmarks_national.json."""

import json
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "benchmarks_national.json")
s = json.loads(path.read_text(encoding="utf-8"))["summary"]
q, qf = s["queries_seconds"], s["queries_fetch_seconds"]
met = lambda ok: "met" if ok else "**not met**"  # noqa: E731
raw_stg = s["ingest_raw_stg_seconds"]
rss = lambda mib: f"{mib:,.0f} MiB"  # noqa: E731
night = s["nightly_jobs"]
peak_all = max(s["ingest_peak_rss_mib"], s["scb_backfill_peak_rss_mib"], s["indicators_job_peak_rss_mib"],
               s["nightly_peak_rss_mib"])
rows = [
    ("Ingest: `raw/kolada_values` + `stg/kolada_observations` (HTTP to observations)",
     f"{raw_stg:.1f} s, {s['data']['values'] / raw_stg:,.0f} värden/s", ""),
    ("The whole `kolada_job` (ingest plus its quality checks)",
     f"{s['ingest_seconds']:.1f} s, {s['ingest_values_per_s']:,.0f} värden/s", ""),
    ("DuckDB read_json of the same page files, lateral unnest (the baseline of issues 8 and 23)",
     f"{s['read_json_seconds']:.2f} s, {s['read_json_values_per_s']:,.0f} värden/s", ""),
    ("DuckDB read_json, projection unnest (the same rows; fastest form found)",
     f"{s['read_json_projection_seconds']:.2f} s", ""),
    ("Ingest ÷ read_json, lateral (values/s)", f"{s['ratio_raw_stg_to_read_json']:.2f} (projection: "
     f"{s['ratio_raw_stg_to_read_json_projection']:.2f})", "≥ 0.8: " + met(s["ratio_raw_stg_to_read_json"] >= 0.8)),
    ("The whole `kolada_job` ÷ read_json, lateral", f"{s['ratio_job_to_read_json']:.2f} (projection: "
     f"{s['ratio_job_to_read_json_projection']:.2f})", "≥ 0.5: " + met(s["ratio_job_to_read_json"] >= 0.5)),
    ("Peak RSS per job process: kolada, scb, indicators, nightly (highest of its three)",
     f"{rss(s['ingest_peak_rss_mib'])}, {rss(s['scb_backfill_peak_rss_mib'])}, {rss(s['indicators_job_peak_rss_mib'])}, "
     f"{rss(s['nightly_peak_rss_mib'])} (read_json: {rss(s['read_json_peak_rss_mib'])})",
     "< 1 GiB each: " + met(peak_all < 1024)),
    ("`indicators_job` after the backfills (catalog, status, checks, first publication)",
     f"{s['indicators_job_seconds']:.1f} s", "≤ 5 s: " + met(s["indicators_job_seconds"] <= 5)),
    ("A night with nothing new, all its jobs (Kolada 2020–2022 nightly, SCB 2025–2026, indicators_job)",
     f"{s['nightly_seconds']:.1f} s (" + ", ".join(f"{j} {v['seconds']:.2f} s" for j, v in night.items())
     + f"), peak {rss(s['nightly_peak_rss_mib'])}",
     "≤ 3 s: " + met(s["nightly_seconds"] <= 3) + "; < 500 MiB: " + met(s["nightly_peak_rss_mib"] < 500)),
    ("Status, whole country (`ind.indicator_status_riket`)", f"{q['status']:.2f} s, {s['queries_rows']['status']:,} rader (fetchall into Python: {qf['status']:.2f} s)", "< 1 s: " + met(q["status"] < 1)),
    ("Peers (`ind.peer_comparison`, ranks all 290 kommuner)", f"{q['peers']:.2f} s, {s['queries_rows']['peers']} rader (fetchall: {qf['peers']:.2f} s)", "< 1 s: " + met(q["peers"] < 1)),
    ("Due list (`ind.kf_due_list`)", f"{q['due']:.2f} s, {s['queries_rows']['due']} rader (fetchall: {qf['due']:.2f} s)", "< 1 s: " + met(q["due"] < 1)),
    ("Backfill data requests ÷ ceil(values / 5000), the floor no request layout beats",
     f"{s['backfill_data_requests']:.0f} ÷ {s['minimum_data_requests_floor']} = {s['backfill_vs_floor']:.2f}", "≤ 1.1: " + met(s["backfill_vs_floor"] <= 1.1)),
    ("Backfill data requests ÷ minimum with 25-KPI segments (every unit and year per request)",
     f"{s['backfill_data_requests']:.0f} ÷ {s['minimum_data_requests_layout']} = {s['backfill_vs_minimum']:.2f}", ""),
    ("Other requests of the backfill", ", ".join(f"{k} {v}" for k, v in s["backfill_other_requests"].items()), ""),
    ("Kolada nightly, nothing new (one run, 2020–2022)",
     f"data {s['nightly_requests'].get('data', 0)}, " + ", ".join(f"{k} {v}" for k, v in s["nightly_requests"].items() if k != "data"),
     "0 data requests: " + met(not s["nightly_requests"].get("data"))),
    (f"SCB backfill {s['scb_backfill_years']} (folkmängd, every unit): data calls ÷ minimum for 150,000 cells per call",
     f"{s['scb_backfill_requests'].get('data', 0)} ÷ {s['scb_minimum_data_requests']} = {s['scb_backfill_vs_minimum']:.2f} "
     f"({', '.join(str(c) for c in s['scb_backfill_cells'])} cells; {s['scb_backfill_values']:,} values, {s['scb_backfill_seconds']:.1f} s)",
     "≤ 1.1: " + met(s["scb_backfill_vs_minimum"] <= 1.1)),
    ("Other SCB requests of the backfill", ", ".join(f"{k} {v}" for k, v in s["scb_backfill_requests"].items() if k != "data"), ""),
    ("SCB nightly, nothing new (one run, 2025–2026)",
     f"data {s['scb_nightly_requests'].get('data', 0)}, "
     + ", ".join(f"{k} {v}" for k, v in s["scb_nightly_requests"].items() if k != "data"),
     "0 data requests: " + met(not s["scb_nightly_requests"].get("data"))),
]
print("| Measure | Median of %d runs | Target |" % s["runs"])
print("|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
steps = ", ".join(f"{k} {v:.1f} s ({s['ingest_steps_peak_rss_mib'][k]:,.0f} MiB)" for k, v in s["ingest_steps_seconds"].items())
print(f"\n`kolada_job` steps (Dagster's step durations, and the highest RSS sampled every 20 ms during each): {steps}.")
isteps = ", ".join(f"{k} {v:.2f} s ({s['indicators_job_steps_peak_rss_mib'][k]:,.0f} MiB)"
                   for k, v in s["indicators_job_steps_seconds"].items())
print(f"\n`indicators_job` steps: {isteps}.")
for job, v in night.items():
    nsteps = ", ".join(f"{k} {t:.2f} s ({v['steps_peak_rss_mib'][k]:,.0f} MiB)" for k, t in v["steps_seconds"].items())
    print(f"\nNight, `{job}` ({v['seconds']:.2f} s, peak {rss(v['peak_rss_mib'])}): {nsteps}.")
print(f"\nData: {s['data']['kpis']} KPI × {s['data']['units']} enheter × {s['data']['years']} år = "
      f"{s['data']['values']:,} värden on {s['data']['pages']} pages, {s['data']['mb']} MB of JSON. "
      f"Machine: Python {s['machine']['python']}, {s['machine']['cpus']} CPUs, {s['machine']['platform']}.")
