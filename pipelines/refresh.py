"""Refresh the warehouse from the terminal, with progress: the same Dagster jobs the schedules
and sensors launch, run in this process one after another (`indikator refresh`, `make demo`).

Each step prints a line as it finishes, with its time, so a long refresh (many years, live
APIs) shows where it is. A failed step stops the refresh with the step's own error; the
warehouse keeps its last good state (every load is one transaction) and the published
snapshot is replaced only by a run whose checks pass.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Callable

import dagster as dg

from pipelines.definitions import defs as load_defs
from pipelines.deployment import op_name
from pipelines.defs.files.inbox import run_status, inbox_dir, inbox_requests
from pipelines.defs.partitions import range_label, range_tags, scb_yearly_partition, yearly_partition

# Dagster's console logger prints an ERROR event with its whole stack trace; a failed step is
# told in one Swedish line by Refresh.failed instead.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
SAMPLES = Path(__file__).resolve().parents[1] / "sources" / "samples"


def years_range(text: str) -> list[str]:
    """'2015-2022' or '2022' -> the years as partition keys."""
    first, _, last = text.partition("-")
    try:
        years = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise ValueError(f"ogiltiga år {text!r}, skriv t.ex. 2015-2022") from None
    if not years:
        raise ValueError(f"ogiltiga år {text!r}: första året efter sista")
    return [str(y) for y in years]


def _confirmed(step: str) -> dict:
    """Run config confirming the removals the retirement guard of `step` would refuse
    (pipelines/defs/config.py FetchConfig)."""
    return {**QUIET, "ops": {step: {"config": {"bekrafta_borttagning": True}}}}


def plain(message: str) -> str:
    """An error's own words without the exception class Dagster puts first
    ('sources.errors.RecordingMissing: replay: …' → 'replay: …')."""
    return re.sub(r"^(?:[A-Za-z_][\w]*\.)*[A-Z]\w*: ", "", message.strip(), count=1)


class Refresh:
    def __init__(self, out: Callable[[str], None] = print):
        warnings.filterwarnings("ignore", category=dg.BetaWarning)  # Dagster's own, not actionable here
        self.out = out
        self.instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
        self.defs = load_defs()
        self.start = time.monotonic()

    def _run(self, job: str, what: str, **kwargs) -> dg.ExecuteInProcessResult | None:
        kwargs.setdefault("run_config", QUIET)
        result = self.defs.resolve_job_def(job).execute_in_process(instance=self.instance, raise_on_error=False, **kwargs)
        if not result.success:
            self.failed(result, what)
            return None
        return result

    def years(self, years: list[str], confirm_retirements: bool = False) -> bool:
        # One run per source for the whole range, as a backfill in the UI: Kolada asks for
        # all years in each request, SCB for all years of a table in one selection.
        # SCB's partitions start in 2010 while Kolada's first year can be moved earlier
        # (MALSTYRNING_KOLADA_FORSTA_AR): a run over years that are not partition keys fails,
        # so SCB gets only the years it has.
        kolada_keys = yearly_partition.get_partition_keys()
        outside = [y for y in years if y not in set(kolada_keys)]
        if outside:
            raise ValueError(f"år {range_label(outside)} finns inte bland lagrets år {kolada_keys[0]}–{kolada_keys[-1]} "
                             "(första året ändras med MALSTYRNING_KOLADA_FORSTA_AR)")
        scb_keys = set(scb_yearly_partition.get_partition_keys())
        for job, name, keys in (("kolada_job", "Kolada", years),
                                ("scb_job", "SCB", [y for y in years if y in scb_keys])):
            if not keys:  # only SCB's: `years` itself is never empty
                self.out(f"  SCB har inga partitioner för {range_label(years)} (de börjar {min(scb_keys)}); hoppar över")
                continue
            label = range_label(keys)
            t = time.monotonic()
            step = "raw__kolada_values" if job == "kolada_job" else "raw__scb_values"
            config = _confirmed(step) if confirm_retirements else QUIET
            if self._run(job, f"{job} {label}", tags=range_tags(keys[0], keys[-1]), run_config=config) is None:
                return False
            self.out(f"  {name} {label} hämtat och laddat ({time.monotonic() - t:.1f} s)")
        return True

    def af(self, confirm_retirements: bool = False) -> bool:
        """af_job for the newest month every AF file shows on the statistics page, as the sensor would."""
        from pipelines.defs.resources import AfResource
        from sources.af_web import fetch_page, find_files, newest_common_month

        af = AfResource()
        month = newest_common_month(find_files(fetch_page(af.session(), af.page()), af.page()))
        if month is None:
            self.out("  Arbetsförmedlingen: alla filer visar inte samma månad ännu; hoppar över")
            return True
        config = _confirmed("stg__af_observations") if confirm_retirements else QUIET
        if self._run("af_job", f"af_job {month}", partition_key=month, run_config=config) is None:
            return False
        self.out(f"  Arbetsförmedlingen {month}: fem månadsfiler hämtade och lästa")
        return True

    def inbox(self, drop_samples: bool = False) -> bool:
        """inbox_job for each file in the inbox, as the sensor would (a file already loaded is
        archived as a duplicate). With drop_samples, the bundled sample files are put there first."""
        inbox = inbox_dir()
        inbox.mkdir(parents=True, exist_ok=True)
        if drop_samples:
            for sample in sorted(SAMPLES.iterdir()):
                if sample.suffix in (".se", ".csv"):
                    shutil.copy(sample, inbox / sample.name)
        requests = list(inbox_requests(inbox, settle_seconds=0))
        self.out(f"  Inkorgen {inbox}: {len(requests)} fil(er)")
        for request in requests:
            result = self.defs.resolve_job_def("inbox_job").execute_in_process(
                instance=self.instance, raise_on_error=False, run_config={**QUIET, **request.run_config},  # the outcome is printed below
                tags=request.tags)
            status = run_status(result)
            if status == "failed":
                self.failed(result, "inbox_job")
                return False
            name = request.tags["malstyrning/fil"]
            text = {"loaded": "inläst, flyttad till arkiv", "duplicate": "redan inläst, flyttad till arkiv",
                    "rejected": "AVVISAD, flyttad till karantän"}.get(status, status)
            self.out(f"    {name}: {text}")
            if status == "rejected":
                note = sorted((inbox.parent / "karantan").glob(f"*_{name}.fel.txt"))[-1]
                self.out("      " + note.read_text(encoding="utf-8").strip().splitlines()[-1])
        return True

    def indicators(self, as_of: date | None = None) -> bool:
        config = {**QUIET, "ops": {op_name("ind", "kf_due_list"): {"config": {"as_of": as_of.isoformat() if as_of else None}}}}
        if self._run("indicators_job", "indicators_job", run_config=config) is None:
            return False
        self.out(f"  Katalog, KPI-metadata, status, KF-lista och publicering klara "
                 f"({time.monotonic() - self.start:.1f} s totalt)")
        return True

    def public(self) -> bool:
        """The public location of a deployment: KPI metadata and the public snapshot the kommuner import."""
        if self._run("offentlig_job", "offentlig_job") is None:
            return False
        self.out(f"  Offentlig ögonblicksbild publicerad ({time.monotonic() - self.start:.1f} s totalt)")
        return True

    def failed(self, result: dg.ExecuteInProcessResult, what: str) -> None:
        for event in result.all_events:
            if event.event_type == dg.DagsterEventType.STEP_FAILURE:
                err = event.step_failure_data.error
                cause = err.cause if err and err.cause else err
                print(f"FEL i {what}, steg {event.step_key}: {plain(cause.message) if cause else 'okänt fel'}",
                      file=sys.stderr)
        print(f"{what} misslyckades; databasen behåller senaste lyckade läge.", file=sys.stderr)
