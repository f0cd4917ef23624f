"""The file inbox: a sensor that launches a run per new file, and the job that loads it.

Folders (created when missing): MALSTYRNING_INBOX (default data/inkorg), and beside it
`arkiv/` for processed files and `karantan/` for rejected ones, each with a `.fel.txt`
explaining why. A file with person-level data is deleted, not quarantined: only its error
note is kept.
"""


import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.deployment import key, op_name
from pipelines.defs.policies import DUCKDB_POOL, OWNERS
from pipelines.defs.resources import CatalogResource, warehouse
from sources import clock
from warehouse.core.db import database_path
from sources.personnummer import mask as _safe
from warehouse.core.hashing import sha256_of
from warehouse.files.inbox import Outcome, load_file

INBOX_ENV = "MALSTYRNING_INBOX"
# A file still being copied must not be read half-way: wait until it has been quiet this long.
SETTLE_SECONDS = 5.0


def inbox_dir() -> Path:
    """MALSTYRNING_INBOX, or `inkorg/` beside the warehouse file (data/inkorg by default)."""
    return Path(os.environ.get(INBOX_ENV) or database_path().parent / "inkorg")


def _folders(inbox: Path) -> tuple[Path, Path]:
    archive, quarantine = inbox.parent / "arkiv", inbox.parent / "karantan"
    for d in (inbox, archive, quarantine):
        d.mkdir(parents=True, exist_ok=True)
    return archive, quarantine


class InboxFileConfig(dg.Config):
    # The inbox path with the file's name masked (a run's config is kept in Dagster's run
    # storage and shown in the UI): the asset finds the file by its masked name and sha.
    path: str
    sha256: str


def _locate(path: Path, sha: str) -> Path | None:
    """The inbox file a run is for: `path` itself, or the file whose masked name is its name
    (the one with content `sha` if several are), or None when it is gone."""
    if path.exists():
        return path
    try:
        candidates = sorted(p for p in path.parent.iterdir() if p.is_file() and _safe(p.name) == path.name)
    except FileNotFoundError:
        return None
    for candidate in candidates:
        try:
            if sha256_of(candidate) == sha:
                return candidate
        except FileNotFoundError:
            continue  # moved by another run meanwhile
    return candidates[0] if candidates else None  # overwritten since the tick: load_file says so


def _gone(context, name: str) -> str:
    context.log.warning(f"{name} finns inte längre i inkorgen (redan hanterad av en annan körning?)")
    return _report(context, "saknas", file=name), {}


FILE_OBSERVATIONS = key("stg", "file_observations")
NODE = op_name("stg", "file_observations")


def _report(context, outcome: str, **metadata) -> str:
    """An outcome that brings no new data (duplicate, gone, changed) is an observation of the
    asset, not a materialization: status and what follows it are not recomputed for it."""
    context.log_event(dg.AssetObservation(asset_key=FILE_OBSERVATIONS, metadata={**metadata, "status": outcome}))
    return outcome


@dg.asset(key=FILE_OBSERVATIONS, group_name="files", kinds={"duckdb"}, owners=OWNERS, pool=DUCKDB_POOL,
          output_required=False)
def file_observations(context: dg.AssetExecutionContext, config: InboxFileConfig, duckdb: DuckDBResource,
                      catalog: CatalogResource):
    """Kommunens egna filer i lagret: HR-export, SIE, prognos, manuella värden och kommentarer.

    En körning per fil i inkorgen (startas av inbox_sensor när filen legat still i fem
    sekunder). Filen läses in helt eller inte alls och flyttas sedan till arkiv/ (inläst) eller
    karantan/ (avvisad, med en .fel.txt som säger rad och kolumn; körningen misslyckas då med
    orsaken). En fil med personnummer raderas. Samma innehåll igen arkiveras som dubblett."""
    status, metadata = _load_inbox_file(context, config, duckdb, catalog)
    if status == "loaded":
        yield dg.MaterializeResult(metadata=metadata)


def _load_inbox_file(context, config: InboxFileConfig, duckdb: DuckDBResource,
                     catalog: CatalogResource) -> tuple[str, dict]:
    name = _safe(Path(config.path).name)
    path = _locate(Path(config.path), config.sha256)
    if path is None:
        return _gone(context, name)
    archive, quarantine = _folders(path.parent)
    cat = catalog.load()
    try:
        with warehouse(duckdb) as conn:
            outcome = load_file(conn, path, config.sha256, kommun=cat.settings.kommun, now=clock.now(),
                                frequencies=cat.ekonomi_frequencies(), manual_series=cat.manual_series(),
                                indicator_ids=set(cat.by_id))
    except FileNotFoundError:
        # Another run (a second `indikator refresh`, the sensor's run) took it meanwhile.
        return _gone(context, name)
    except Exception as exc:  # an unexpected failure: the file must not stay stuck in the inbox
        outcome = Outcome("okänd", "rejected", f"oväntat fel vid inläsning ({type(exc).__name__}); kontakta förvaltaren", [])
        context.log.error(f"{name}: {_safe(repr(exc))}")
    if outcome.status == "changed":
        context.log.warning(f"{name}: {outcome.message}")
        return _report(context, outcome.status, file=name), {}
    # Real time and the sha prefix: names stay unique even under a fixed MALSTYRNING_NOW.
    stamp = f"{time.strftime('%Y%m%dT%H%M%S')}_{config.sha256[:8]}"
    try:
        if outcome.status in ("loaded", "duplicate"):
            shutil.move(path, archive / f"{stamp}_{name}")
            log = context.log.info if outcome.status == "loaded" else context.log.warning
            log(f"{name}: {outcome.message}")
        else:
            note = quarantine / f"{stamp}_{name}.fel.txt"
            if outcome.person_data:
                path.unlink()  # never kept anywhere
                note.write_text(f"{name} raderades utan att sparas:\n{outcome.message}\n", encoding="utf-8")
            else:
                shutil.move(path, quarantine / f"{stamp}_{name}")
                note.write_text(f"{name} lästes inte in:\n{outcome.message}\n", encoding="utf-8")
            context.log.error(f"{name}: {outcome.message}")
    except FileNotFoundError:
        context.log.warning(f"{name}: flyttad av en annan körning medan den lästes; {outcome.message}")
    metadata = {"file": name, "kind": outcome.kind, "status": outcome.status,
                "periods": ", ".join(outcome.periods) or "–", "rows": outcome.rows}
    if outcome.status == "rejected":
        # A rejected file fails the run, so the analyst sees it in the run list (red) with the
        # reason, instead of a green run that only logged it. Retrying would reject it again.
        # The contract's messages already start with the file's name: not said twice.
        reason = outcome.message.removeprefix(f"{name}: ")
        raise dg.Failure(description=f"{name} avvisades: {reason}", metadata=metadata, allow_retries=False)
    if outcome.status != "loaded":
        return _report(context, outcome.status, **metadata), metadata
    return outcome.status, metadata


def run_status(result: dg.ExecuteInProcessResult) -> str:
    """What a run of inbox_job did with its file: 'loaded' (a materialization of
    stg/file_observations), 'duplicate', 'changed' or 'saknas' (an observation), 'rejected' for a
    run failed by a rejected file, or 'failed' for any other failure."""
    if result.success:
        for mat in result.asset_materializations_for_node(NODE):
            return mat.metadata["status"].value
        for event in result.all_events:
            if event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
                return event.event_specific_data.asset_observation.metadata["status"].value
        return "failed"
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data.user_failure_data
            if data and data.metadata.get("status") and data.metadata["status"].value == "rejected":
                return "rejected"
    return "failed"


inbox_job = dg.define_asset_job("inbox_job", selection=[file_observations],
                                description="Läs in en fil från inkorgen (startas av inbox_sensor).")


# A file still in the inbox this long after its run was requested is requested again (its run
# failed before moving it, or the identical file was sent again after being archived).
RETRY_SECONDS = 600.0


def inbox_requests(inbox: Path, settle_seconds: float = SETTLE_SECONDS,
                   requested: dict[str, float] | None = None) -> list[dg.RunRequest]:
    """A run request per file in the inbox that has been quiet for `settle_seconds`.

    `requested` (the sensor's cursor: file key -> when its run was requested) is updated in
    place: a file already requested is not requested again until RETRY_SECONDS have passed,
    and keys of files no longer in the inbox are dropped, so the same file sent again later
    gets a new run (which archives it as a duplicate).
    """
    now = time.time()  # the file system's clock (not MALSTYRNING_NOW, which stamps data)
    requested = {} if requested is None else requested
    present, requests = set(), []
    for path in sorted(inbox.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.suffix in (".tmp", ".part"):
            continue
        try:
            stat = path.stat()
            if now - stat.st_mtime < settle_seconds:
                continue  # still being written
            sha = sha256_of(path)
        except FileNotFoundError:
            continue  # taken by another run (a second `indikator refresh`) since the listing
        # Masked: the key becomes the run key and the sensor's cursor, both kept by Dagster.
        key = f"{sha}:{_safe(path.name)}:{int(stat.st_mtime)}"
        present.add(key)
        if now - requested.get(key, 0.0) < RETRY_SECONDS:
            continue
        requested[key] = now
        requests.append(dg.RunRequest(
            # Stable while the file waits (Dagster drops a repeated request with the same key);
            # a new key once RETRY_SECONDS have passed, so a retry still gets its run.
            run_key=f"{key}:{int(now // RETRY_SECONDS)}",
            run_config={"ops": {NODE: {"config": {"path": str(path.parent.resolve() / _safe(path.name)),
                                                                "sha256": sha}}}},
            tags={"malstyrning/fil": _safe(path.name)},
        ))
    for key in list(requested):
        if key not in present:
            del requested[key]
    return requests


@dg.sensor(job=inbox_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext):
    """Bevakar inkorgen; varje ny fil (sha256) blir en körning av inbox_job."""
    inbox = inbox_dir()
    if not inbox.exists():
        return dg.SkipReason(f"inkorgen {inbox} finns inte")
    requested = json.loads(context.cursor) if context.cursor else {}
    requests = inbox_requests(inbox, requested=requested)
    context.update_cursor(json.dumps(requested))
    return requests or dg.SkipReason("inga nya filer")
