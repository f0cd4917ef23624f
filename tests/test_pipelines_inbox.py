"""The inbox sensor and job: new, re-sent, bad and person-level files."""

import os
import re
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs as load_defs
from pipelines.defs.files.inbox import inbox_sensor
from tests.test_sources_hr import HEADER
from warehouse.core import db
from warehouse.core.db import one

GOOD = HEADER + ("2025-01;Barn- och utbildningsförvaltningen;41250;1020;410;980;262;2;1;0;3\n"
                 "2025-01;Kultur- och teknikförvaltningen;12400;310;95;120;78;0;0;1;0\n"
                 "2025-01;Lilla enheten;800;10;0;0;6;0;0;0;0\n")


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    box = tmp_path / "filer" / "inkorg"
    box.mkdir(parents=True)
    monkeypatch.setenv("MALSTYRNING_INBOX", str(box))
    return box


def drop(inbox: Path, name: str, text: str, *, age: float = 60) -> Path:
    path = inbox / name
    path.write_text(text, encoding="utf-8")
    t = time.time() - age  # file times are real times, whatever MALSTYRNING_NOW says
    os.utime(path, (t, t))
    return path


def tick(instance, cursor=None):
    result = inbox_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    return result if isinstance(result, list) else []


def run_all(requests, instance):
    from pipelines.defs.files.inbox import run_status

    job = load_defs().resolve_job_def("inbox_job")
    return [run_status(job.execute_in_process(run_config=r.run_config, instance=instance, raise_on_error=False,
                                              tags=r.tags))
            for r in requests]


def observations(path):
    conn = db.connect(path, read_only=True)
    try:
        return conn.execute("SELECT series, breakdown, period, value, status, vintage FROM stg.file_observations ORDER BY ALL").fetchall()
    finally:
        conn.close()


def test_new_file_is_loaded_and_archived(inbox, tmp_path):
    drop(inbox, "hr_2025-01.csv", GOOD)
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["loaded"]
    rows = observations(tmp_path / "warehouse.duckdb")
    korttid = {b: v for s, b, p, v, st, _ in rows if s == "sjukfranvaro_korttid_andel"}
    assert korttid["Barn- och utbildningsförvaltningen"] == pytest.approx(1020 / 41250 * 100, abs=1e-4)
    assert korttid["T"] == pytest.approx((1020 + 310 + 10) / (41250 + 12400 + 800) * 100, abs=1e-4)
    langtid = {b: v for s, b, p, v, st, _ in rows if s == "sjukfranvaro_langtid_andel"}
    assert langtid["Kultur- och teknikförvaltningen"] == pytest.approx(120 / (310 + 95 + 120) * 100, abs=1e-4)
    of_time = {(s, b): v for s, b, p, v, st, _ in rows if b == "Barn- och utbildningsförvaltningen"}
    assert of_time[("sjukfranvaro_langtid_av_arbetstid", "Barn- och utbildningsförvaltningen")] == pytest.approx(980 / 41250 * 100, abs=1e-4)
    assert of_time[("sjukfranvaro_total_andel", "Barn- och utbildningsförvaltningen")] == pytest.approx((1020 + 410 + 980) / 41250 * 100, abs=1e-4)
    assert of_time[("personalomsattning_manad", "Barn- och utbildningsförvaltningen")] == pytest.approx(3 / 262 * 100, abs=1e-4)
    # A unit of ten or fewer is not published.
    assert {(v, st) for s, b, p, v, st, _ in rows if b == "Lilla enheten"} == {(None, "≤10")}
    assert not list(inbox.iterdir()) and len(list((inbox.parent / "arkiv").iterdir())) == 1


def test_resent_file_is_archived_as_duplicate_not_loaded_twice(inbox, tmp_path):
    drop(inbox, "hr_2025-01.csv", GOOD)
    with dg.instance_for_test() as instance:
        run_all(tick(instance), instance)
        before = observations(tmp_path / "warehouse.duckdb")
        drop(inbox, "hr_2025-01 (kopia).csv", GOOD)
        assert run_all(tick(instance), instance) == ["duplicate"]
    assert observations(tmp_path / "warehouse.duckdb") == before
    assert len(list((inbox.parent / "arkiv").iterdir())) == 2


def test_bad_file_goes_to_quarantine_with_an_explanation_and_changes_nothing(inbox, tmp_path):
    drop(inbox, "hr_2025-01.csv", GOOD)
    with dg.instance_for_test() as instance:
        run_all(tick(instance), instance)
        before = observations(tmp_path / "warehouse.duckdb")
        # A broken file for the month already loaded: the loaded figures must stay.
        drop(inbox, "hr_2025-01_ny.csv", HEADER + "2025-01;Barn- och utbildningsförvaltningen;många;1;1;1;262;0;0;0;0\n")
        assert run_all(tick(instance), instance) == ["rejected"]
    assert observations(tmp_path / "warehouse.duckdb") == before
    quarantine = inbox.parent / "karantan"
    names = sorted(p.name for p in quarantine.iterdir())
    assert len(names) == 2 and names[0].endswith("hr_2025-01_ny.csv") and names[1].endswith(".fel.txt")
    assert "rad 2, kolumn ordinarie_arbetstid_timmar: inte ett tal" in (quarantine / names[1]).read_text(encoding="utf-8")
    conn = db.connect(tmp_path / "warehouse.duckdb", read_only=True)
    assert one(conn, "SELECT status FROM raw.file_loads WHERE file_name = 'hr_2025-01_ny.csv'") == ("rejected",)


def test_unknown_file_with_a_personnummer_is_deleted_and_its_name_masked(inbox, tmp_path):
    drop(inbox, "lista 850312-1234.txt", "pnr_anstalld;sjukdagar\n19850312-1234;14\n")
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["rejected"]
    leftovers = [p.name for d in ("inkorg", "arkiv", "karantan") for p in (inbox.parent / d).iterdir()]
    assert len(leftovers) == 1 and leftovers[0].endswith(".fel.txt") and "850312" not in leftovers[0]


def test_a_file_overwritten_after_the_tick_is_left_for_the_next_one(inbox, tmp_path):
    path = drop(inbox, "hr_2025-01.csv", GOOD)
    with dg.instance_for_test() as instance:
        requests = tick(instance)
        path.write_text(GOOD.replace("41250", "41000"), encoding="utf-8")
        assert run_all(requests, instance) == ["changed"]
        assert path.exists() and observations(tmp_path / "warehouse.duckdb") == []
        t = time.time() - 60
        os.utime(path, (t, t))
        assert run_all(tick(instance), instance) == ["loaded"]


def test_person_level_file_is_deleted_not_kept(inbox, tmp_path):
    drop(inbox, "hr_personer.csv", HEADER + "2025-01;19850312-1234;100;1;1;1;1;0;0;0;0\n")
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["rejected"]
    leftovers = [p for d in ("inkorg", "arkiv", "karantan") for p in (inbox.parent / d).iterdir()]
    assert [p.name.endswith(".fel.txt") for p in leftovers] == [True]
    assert "19850312-1234" not in leftovers[0].read_text(encoding="utf-8")
    assert observations(tmp_path / "warehouse.duckdb") == []


def test_sensor_waits_for_files_still_being_written_and_ignores_hidden(inbox):
    drop(inbox, "hr_2025-03.csv", GOOD, age=1)
    drop(inbox, ".~lock.hr.csv#", "x")
    with dg.instance_for_test() as instance:
        assert tick(instance) == []


def test_loaded_hr_figures_reach_the_nämnd_indicators(inbox, tmp_path):
    from indicator_catalog.catalog import load_catalog
    from warehouse.indicators.catalog_tables import load_catalog_tables

    drop(inbox, "hr_2025-01.csv", GOOD)
    with dg.instance_for_test() as instance:
        run_all(tick(instance), instance)
    conn = db.connect(tmp_path / "warehouse.duckdb")
    db.ensure_views(conn)
    load_catalog_tables(conn, load_catalog())
    rows = dict(conn.execute("SELECT indicator_id, aktuellt_varde FROM ind.indicator_status WHERE source = 'hr'").fetchall())
    assert rows["korttidssjukskrivningar"] == pytest.approx(1020 / 41250 * 100, abs=1e-3)
    assert rows["langtidssjukskrivningar"] == pytest.approx(120 / 525 * 100, abs=1e-3)
    assert one(conn, "SELECT period, period_end FROM ind.indicator_status WHERE indicator_id = 'korttidssjukskrivningar'") == (
        "2025M01", date(2025, 1, 31))


SIE_FILE = Path(__file__).parent / "fixtures" / "sie" / "transaktioner_ovnbolag.se"


def test_sie_and_forecast_files_fill_the_financial_series(inbox, tmp_path):
    from tests.test_warehouse_ekonomi import PROGNOS

    (inbox / "bokslut.se").write_bytes(SIE_FILE.read_bytes())
    t = time.time() - 60
    os.utime(inbox / "bokslut.se", (t, t))
    drop(inbox, "prognos_2025-08.csv", PROGNOS)
    with dg.instance_for_test() as instance:
        assert sorted(run_all(tick(instance), instance)) == ["loaded", "loaded"]
    conn = db.connect(tmp_path / "warehouse.duckdb", read_only=True)
    got = {(s, b, p): v for s, b, p, v in conn.execute(
        "SELECT series, breakdown, period, value FROM stg.file_observations").fetchall()}
    # The official file's actuals end in March 2011: its result and balances are at 31 March.
    assert got[("arets_resultat", "T", "2011M03")] == 277798.46 and ("skuldsattningsgrad", "T", "2011M03") in got
    assert got[("prognos_avvikelse_mot_budget", "Barn- och utbildningsförvaltningen", "2025M08")] == -3.7
    assert one(conn, "SELECT list_sort(list(kind)) FROM raw.file_loads WHERE status = 'loaded'") == (["prognos", "sie"],)


def test_broken_sie_file_is_quarantined_naming_the_line(inbox, tmp_path):
    drop(inbox, "trasig.se", "#FLAGGA 0\n#SIETYP 4\n#RAR 0 20250101 20251231\n#VER A 1 20250115\n{\n#TRANS 1930 {} 12,50\n}\n")
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["rejected"]
    note = next((inbox.parent / "karantan").glob("*.fel.txt")).read_text(encoding="utf-8")
    assert "trasig.se, rad 6: belopp '12,50' är inte ett tal" in note
    assert observations(tmp_path / "warehouse.duckdb") == []


def test_turnover_over_twelve_months_from_monthly_files(inbox, tmp_path):
    line = "{p};Socialförvaltningen;30000;500;100;200;{hc};{l};0;0;0\n"
    months = [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01"]
    with dg.instance_for_test() as instance:
        for i, p in enumerate(months):
            drop(inbox, f"hr_{p}.csv", HEADER + line.format(p=p, hc=200 + i, l=i % 3))
            assert run_all(tick(instance), instance) == ["loaded"]
    conn = db.connect(tmp_path / "warehouse.duckdb", read_only=True)
    got = dict((p, (v, st)) for p, v, st in conn.execute(
        "SELECT period, value, status FROM stg.current_observations WHERE series = 'personalomsattning_12m' "
        "AND breakdown = 'Socialförvaltningen'").fetchall())
    # Two months stored: the two months as they are (never scaled up to a year), and says so.
    assert got["2024M02"] == (pytest.approx((0 + 1) / 200.5 * 100, abs=1e-3), "2 av 12 mån")
    # January 2025: February 2024 – January 2025, twelve months, the oldest month left out.
    leavers = sum(i % 3 for i in range(1, 13))
    headcount = sum(200 + i for i in range(1, 13)) / 12
    assert got["2025M01"] == (pytest.approx(leavers / headcount * 100, abs=1e-3), "")


def test_turnover_does_not_depend_on_the_order_files_arrive(inbox, tmp_path):
    line = "{p};Socialförvaltningen;30000;500;100;200;200;{l};0;0;0\n"
    with dg.instance_for_test() as instance:
        for p, leavers in (("2025-02", 2), ("2025-01", 0)):  # February first
            drop(inbox, f"hr_{p}.csv", HEADER + line.format(p=p, l=leavers))
            assert run_all(tick(instance), instance) == ["loaded"]
    conn = db.connect(tmp_path / "warehouse.duckdb", read_only=True)
    assert one(conn, "SELECT value, status FROM stg.current_observations WHERE series = 'personalomsattning_12m' "
                     "AND breakdown = 'Socialförvaltningen' AND period = '2025M02'") == (pytest.approx(2 / 200 * 100), "2 av 12 mån")


def test_a_file_is_requested_once_and_again_when_sent_again_identically(inbox, tmp_path):
    from pipelines.defs.files.inbox import inbox_requests

    path = drop(inbox, "hr_2025-01.csv", GOOD)
    mtime = path.stat().st_mtime
    cursor: dict = {}
    first = inbox_requests(inbox, requested=cursor)
    assert len(first) == 1 and inbox_requests(inbox, requested=cursor) == []  # not twice while pending
    with dg.instance_for_test() as instance:
        assert run_all(first, instance) == ["loaded"]
        assert inbox_requests(inbox, requested=cursor) == [] and cursor == {}  # archived: forgotten
        # `cp -p` of the same file: same name, mtime and content, a new run that archives it.
        drop(inbox, "hr_2025-01.csv", GOOD)
        os.utime(inbox / "hr_2025-01.csv", (mtime, mtime))
        again = inbox_requests(inbox, requested=cursor)
        # Within the same retry window the run key is the same: Dagster drops the repeat, and
        # the file waits for the next window (at most RETRY_SECONDS), which gets a new key.
        assert len(again) == 1 and again[0].run_key == first[0].run_key
        from pipelines.defs.files.inbox import RETRY_SECONDS
        with pytest.MonkeyPatch.context() as mp:
            later = time.time() + RETRY_SECONDS
            mp.setattr("pipelines.defs.files.inbox.time.time", lambda: later)
            next_window = inbox_requests(inbox, requested=cursor)
        assert len(next_window) == 1 and next_window[0].run_key != first[0].run_key
        assert run_all(next_window, instance) == ["duplicate"]


def _everything_dagster_kept(instance, cursor: str | None) -> str:
    """Every message, run config, tag and run key the instance holds, and the sensor cursor."""
    parts = [cursor or ""]
    for record in instance.get_run_records():
        run = record.dagster_run
        parts += [repr(run.run_config), repr(run.tags)]
        parts += [e.message or "" for e in instance.all_logs(run.run_id)]
        parts += [repr(e.dagster_event) for e in instance.all_logs(run.run_id) if e.dagster_event]
    return "\n".join(parts)


@pytest.mark.parametrize("content, status", [(GOOD, "loaded"),
                                             (HEADER + "2025-01;Barn;x;1;1;1;262;0;0;0;0\n", "rejected")])
def test_a_personnummer_in_a_file_name_never_leaves_the_parser(inbox, tmp_path, content, status):
    from pipelines.refresh import Refresh

    name = "hr_2025-01_19121212-1212.csv"
    drop(inbox, name, content)
    lines: list[str] = []
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        requests = inbox_sensor(context)
        assert run_all(requests, instance) == [status]
        kept = _everything_dagster_kept(instance, context.cursor)
        kept += repr([(r.run_key, r.tags, r.run_config) for r in requests])
        drop(inbox, name.replace("2025-01", "2025-02"), content.replace("2025-01", "2025-02"))
        Refresh(out=lines.append).inbox()  # the console lines of `indikator refresh`
    conn = db.connect(tmp_path / "warehouse.duckdb", read_only=True)
    loads = conn.execute("SELECT file_name, coalesce(error, '') FROM raw.file_loads").fetchall()
    conn.close()
    on_disk = [(p.name, p.read_text(encoding="utf-8") if p.name.endswith(".fel.txt") else "")
               for d in ("inkorg", "arkiv", "karantan") for p in (inbox.parent / d).iterdir()]
    everything = "\n".join([kept, repr(loads), repr(on_disk), *lines])
    assert len(loads) == 2 and "hr_2025-01_" in everything
    for digits in ("19121212-1212", "121212-1212", "1212121212"):
        assert digits not in everything, everything[:2000]
    assert "ÅÅMMDD-XXXX" in loads[0][0]


def test_a_file_that_looks_like_sie_is_scanned_for_personnummer_too(inbox, tmp_path):
    # A CSV whose first line starts with '#': it used to be taken for SIE and kept whole in
    # quarantine, personnummer, names and all.
    text = "#personal;sjukdagar\n19850312-1234;Tolvan Tolvansson;14\n198503121234;Sven Svensson;3\n"
    drop(inbox, "export.csv", text)
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["rejected"]
    leftovers = [p for d in ("inkorg", "arkiv", "karantan") for p in (inbox.parent / d).iterdir()]
    assert [p.name.endswith(".fel.txt") for p in leftovers] == [True]
    note = leftovers[0].read_text(encoding="utf-8")
    assert "rad 2" in note and "personnummer" in note and "Tolvan" not in note and "850312" not in note


def test_a_sie_file_with_a_personnummer_in_a_voucher_text_is_deleted(inbox, tmp_path):
    sample = (Path(__file__).resolve().parents[1] / "sources" / "samples" / "transaktioner_ovnbolag.se")
    raw = sample.read_bytes()
    lines = raw.split(b"\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(b"#VER"))
    lines[at] = re.sub(rb'"[^"]*"(\s*)$', rb'"Lon 19121212-1212"\1', lines[at])
    path = inbox / "ekonomi.se"
    path.write_bytes(b"\n".join(lines))
    t = time.time() - 60
    os.utime(path, (t, t))
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["rejected"]
    leftovers = [p for d in ("inkorg", "arkiv", "karantan") for p in (inbox.parent / d).iterdir()]
    assert [p.name.endswith(".fel.txt") for p in leftovers] == [True]
    assert f"rad {at + 1}" in leftovers[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("name, text, months", [
    ("prognos_2027-06.csv", "period;forvaltning;prognos_arets_resultat_mnkr;budget_arets_resultat_mnkr\n"
                            "{month};Socialförvaltningen;-4,1;0,0\n", "en prognos"),
    ("hr_2027-06.csv", HEADER + "{month};Barn- och utbildningsförvaltningen;41250;1020;410;980;262;2;1;0;3\n", "utfall"),
])
def test_a_month_after_the_current_one_is_refused_by_the_warehouse_clock(inbox, tmp_path, monkeypatch, name, text, months):
    # The clock says 2026-11-25 (tests/conftest.py); the last day of the month still counts as
    # that month in Stockholm, the first day of the next month does not.
    monkeypatch.setenv("MALSTYRNING_NOW", "2026-11-30T23:30:00+01:00")
    drop(inbox, name, text.format(month="2026-12"))
    drop(inbox, "ok_" + name, text.format(month="2026-11"))
    with dg.instance_for_test() as instance:
        assert sorted(run_all(tick(instance), instance)) == ["loaded", "rejected"]
    note = next((inbox.parent / "karantan").glob("*.fel.txt")).read_text(encoding="utf-8")
    assert f"rad 2, kolumn period: 2026-12 ligger efter innevarande månad 2026-11; {months} kan inte" in note, note
    conn = db.connect(tmp_path / "warehouse.duckdb", read_only=True)
    assert one(conn, "SELECT list(DISTINCT period) FROM stg.file_observations") == (["2026M11"],)


def test_a_huge_single_line_file_is_rejected_with_a_clear_message_and_recorded(inbox, tmp_path):
    # One line of 2 MB: Python's csv refuses fields over 131 072 characters ("field larger than
    # field limit"), which used to escape as "oväntat fel vid inläsning (Error)", unrecorded.
    drop(inbox, "hr_2025-01.csv", HEADER.rstrip("\n") + ";" + "1" * 2_000_000)
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["rejected"]
    conn = db.connect(tmp_path / "warehouse.duckdb", read_only=True)
    status, error = one(conn, "SELECT status, error FROM raw.file_loads WHERE file_name = 'hr_2025-01.csv'")
    assert status == "rejected" and "rad 1: ett fält är längre än 131 072 tecken" in error, error


def test_a_file_taken_by_another_run_is_skipped_not_an_error(inbox, tmp_path, monkeypatch):
    # Two `indikator refresh` at once: the other run moves a file between this run's listing
    # and its reading, or while this run loads it.
    import pipelines.defs.files.inbox as inbox_module

    first = drop(inbox, "hr_2025-01.csv", GOOD)
    drop(inbox, "hr_2025-02.csv", GOOD.replace("2025-01", "2025-02"))
    real_sha = inbox_module.sha256_of

    def taken_while_listing(path):
        if path.name == "hr_2025-02.csv":
            path.rename(tmp_path / "taken.csv")
        return real_sha(path)

    monkeypatch.setattr(inbox_module, "sha256_of", taken_while_listing)
    requests = inbox_module.inbox_requests(inbox, settle_seconds=0)
    assert [r.tags["malstyrning/fil"] for r in requests] == ["hr_2025-01.csv"]
    monkeypatch.setattr(inbox_module, "sha256_of", real_sha)
    real_load = inbox_module.load_file

    def taken_while_loading(conn, path, sha, **kw):
        outcome = real_load(conn, path, sha, **kw)
        path.rename(tmp_path / "taken_too.csv")
        return outcome

    monkeypatch.setattr(inbox_module, "load_file", taken_while_loading)
    with dg.instance_for_test() as instance:
        assert run_all(requests, instance) == ["loaded"]
        requests[0].run_config["ops"]["stg__file_observations"]["config"]["path"] = str(first)  # gone now
        assert run_all(requests, instance) == ["saknas"]


def test_a_sie_file_for_a_year_not_yet_begun_is_refused(inbox, tmp_path):
    # A typo'd fiscal year (2062): its months would become the aktuellt värde (issue 17.10).
    text = ('#FLAGGA 0\n#SIETYP 4\n#RAR 0 20620101 20621231\n'
            '#VER A 1 20621015 "Faktura"\n{\n#TRANS 1221 {} 1000.00\n#TRANS 2440 {} -1000.00\n}\n')
    drop(inbox, "ekonomi_2062.se", text)
    with dg.instance_for_test() as instance:
        assert run_all(tick(instance), instance) == ["rejected"]
    note = next((inbox.parent / "karantan").glob("*.fel.txt")).read_text(encoding="utf-8")
    assert "perioden 2062M01 ligger efter innevarande månad 2026-11" in note, note
    assert observations(tmp_path / "warehouse.duckdb") == []


def test_a_rejected_file_fails_its_run_with_the_reason_and_the_file_name_as_tag(inbox, tmp_path):
    drop(inbox, "hr_2025-01_fel.csv", HEADER + "2025-01;Barn- och utbildningsförvaltningen;många;1;1;1;262;0;0;0;0\n")
    with dg.instance_for_test() as instance:
        requests = tick(instance)
        assert run_all(requests, instance) == ["rejected"]
        (record,) = instance.get_run_records()
        assert record.dagster_run.status == dg.DagsterRunStatus.FAILURE  # red in the run list
        assert record.dagster_run.tags["malstyrning/fil"] == "hr_2025-01_fel.csv"
        failure = next(e for e in instance.all_logs(record.dagster_run.run_id)
                       if e.dagster_event and e.dagster_event.event_type == dg.DagsterEventType.STEP_FAILURE)
        description = failure.dagster_event.step_failure_data.user_failure_data.description
        assert description.startswith("hr_2025-01_fel.csv avvisades: rad 2, ") and description.count("hr_2025") == 1
