"""The controllers' CLI and the demo command, on a warehouse built by the real jobs."""

import os
import re
import subprocess
import sys
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import pytest

from indicator_catalog.catalog import load_catalog
from pipelines.definitions import defs as load_defs
from tests.conftest import FIXED_NOW, REPO
from warehouse.core import db
from pipelines.cli import main
from warehouse.core.db import one


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "wh.duckdb"
    with pytest.MonkeyPatch.context() as mp:  # module scope runs before the autouse env fixture
        mp.setenv("MALSTYRNING_DUCKDB", str(path))
        mp.setenv("MALSTYRNING_HTTP_MODE", "replay")
        mp.setenv("MALSTYRNING_NOW", FIXED_NOW)
        defs = load_defs()
        for job, kwargs in (("kolada_job", {"partition_key": "2022"}), ("indicators_job", {})):
            assert defs.resolve_job_def(job).execute_in_process(instance=dg.DagsterInstance.ephemeral(), **kwargs).success
    return str(path)


def test_status_prints_every_nämnd_table(built, capsys):
    assert main(["--db", built, "status"]) == 0
    out = capsys.readouterr().out
    for ind in load_catalog().namnd_indicators():
        assert ind.namnd in out and ind.name in out
    assert "ingen data" in out


@pytest.mark.parametrize("columns", [60, 80, 100, 160])
def test_every_command_fits_the_terminal_width_and_loses_no_word(built, capsys, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    conn = db.connect(built, read_only=True)
    names = [r[0] for r in conn.execute("SELECT name FROM ind.indicator_status WHERE niva = 'nämnd'").fetchall()]
    conn.close()
    for command in (["status"], ["due", "--all"], ["forecast", "--meetings", "3"], ["mal"]):
        assert main(["--db", built, *command]) == 0
        out = capsys.readouterr().out
        assert "Traceback" not in out
        too_wide = [line for line in out.splitlines() if len(line) > columns]
        assert not too_wide, (command, too_wide[:3])
        if command == ["status"]:
            # Wrapped or laid out as cards, every indicator's name is still there word for word.
            words = set(out.split())
            assert all(set(name.split()) <= words for name in names)


def test_status_filters_by_namnd(built, capsys):
    assert main(["--db", built, "status", "--namnd", "social"]) == 0
    out = capsys.readouterr().out
    assert "Socialnämnden" in out and "Barn- och utbildningsnämnden" not in out


def test_due_mark_reported_and_reported(built, capsys, monkeypatch):
    # The values were first seen at the fixed clock (25 Nov 2026); the meeting they are due
    # at follows from the bundled calendar.
    conn = db.connect(built, read_only=True)
    seen = one(conn, "SELECT CAST(max(first_seen) AS DATE) FROM stg.kolada_observations")[0]
    conn.close()
    assert seen.isoformat() == FIXED_NOW[:10]
    meeting = next(m for m in load_catalog().calendar.meetings if m.handlingar_senast > seen)
    assert main(["--db", built, "due", "--as-of", seen.isoformat()]) == 0
    out = capsys.readouterr().out
    assert f"KF {meeting.datum} (handlingar senast {meeting.handlingar_senast})" in out
    assert "Gästnätter" in out and "nytt värde" in out
    # Before the paper deadline the papers are not fixed yet: refused.
    assert main(["--db", built, "mark-reported", meeting.datum.isoformat(), "--by", "test"]) == 1
    assert f"först när handlingsstoppet {meeting.handlingar_senast} har passerat" in capsys.readouterr().err
    monkeypatch.setenv("MALSTYRNING_NOW", f"{meeting.datum}T18:00:00+01:00")  # the meeting evening
    assert main(["--db", built, "mark-reported", meeting.datum.isoformat(), "--by", "test"]) == 0
    assert "sparade som redovisade" in capsys.readouterr().out
    assert main(["--db", built, "reported", meeting.datum.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Redovisat vid KF {meeting.datum} (") and "Gästnätter" in out and "test" in out
    assert "Traceback" not in out and all(len(line) <= 250 for line in out.splitlines())
    # The log keeps what the papers showed beside the value: target, status and comparison,
    # the same as the meeting's report document.
    from warehouse.presentation.reports.data import meeting_report
    conn = db.connect(built, read_only=True)
    logged = {r[0]: r[1:] for r in conn.execute(
        "SELECT indicator_id, value, onskat_varde, direction, status, group_mean FROM rep.report_log "
        "WHERE meeting_date = ?", [meeting.datum]).fetchall()}
    shown = {i.row["indicator_id"]: (i.row["aktuellt_varde"], i.row["onskat_varde"], i.row["direction"],
                                     i.row["status"], i.row["peer_mean"])
             for i in meeting_report(conn, meeting.datum).indicators}
    conn.close()
    assert logged.keys() == shown.keys() and logged
    for key, row in logged.items():
        assert row[:4] == shown[key][:4]
        assert (row[4] is None and pd.isna(shown[key][4])) or row[4] == pytest.approx(shown[key][4])
    assert main(["--db", built, "due", "--as-of", (meeting.datum + timedelta(days=1)).isoformat()]) == 0
    assert "Inga indikatorer att redovisa" in capsys.readouterr().out


def test_errors_have_exit_codes(built, capsys, tmp_path):
    assert main(["--db", built, "mark-reported", "2026-12-15"]) == 1  # not a meeting
    assert "inget KF-sammanträde" in capsys.readouterr().err
    assert main(["--db", built, "reported", "2026-12-15"]) == 1
    assert "inget KF-sammanträde" in capsys.readouterr().err
    assert main(["--db", str(tmp_path / "missing.duckdb"), "status"]) == 1
    assert "finns inte" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["due", "--as-of", "1 december"])
    assert exc.value.code == 2


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("status", "due", "forecast", "report", "mark-reported", "reported", "refresh"):
        assert command in out.stdout
    assert out.stdout.startswith("användning: indikator") and "visa den här hjälpen" in out.stdout


def test_demo_command_prints_the_indicators_and_the_due_list(tmp_path):
    env = {**os.environ, "MALSTYRNING_DUCKDB": str(tmp_path / "demo.duckdb"), "MALSTYRNING_HTTP_MODE": "replay"}
    env.pop("DAGSTER_HOME", None)
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.demo", "--years", "2021-2022", "--as-of", "2026-12-01"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for ind in load_catalog().indicators:
        assert ind.name in out.stdout
    assert "KF 2026-12-14 (handlingar senast 2026-11-27), per 2026-12-01:" in out.stdout
    assert "replay-läge" in out.stdout
    assert "OBS: replay-läge" in "".join(out.stdout.splitlines(keepends=True)[:3])  # said first, not only last
    # The KF side for a sample year: ten meetings with what is due and why, the next meeting's
    # report, and that meeting marked reported.
    kf = out.stdout[out.stdout.index("KF-rapportering"):]
    assert kf.count("\nKF 20") >= 10
    assert "Socialnämnden · Gästnätter · finns nu: nytt värde (2022), tillgängligt 2026-11-25" in kf
    assert "Öppen arbetslöshet · väntas" in kf
    for suffix in ("html", "xlsx"):
        assert (tmp_path / "rapporter" / f"KF_2026-12-14.{suffix}").stat().st_size > 5000
    assert "KF 2026-12-14 markerat som redovisat" in kf
    after = kf[kf.index("Listan dagen efter mötet"):]
    assert "Inga indikatorer att redovisa" in after and "Gästnätter" not in after
    # The sample files fill the six financial and organisational indicators; the broken one
    # is quarantined with its reason and changes nothing.
    assert "hr_2025-11_felaktig.csv: AVVISAD, flyttad till karantän" in out.stdout
    # KF's own goals: judged per målområde, the reference kommun's medborgarundersökning years
    # told as not taken part, Insikt's old definition beside the new, the manual sample's figure,
    # and the bokslut of the last full year written.
    goals = out.stdout[out.stdout.index("KF:s mål – måluppfyllelse"):out.stdout.index("KF-rapportering")]
    for area in ("Välfärd", "Företagsklimat", "Attraktion", "Finansiellt", "Organisatoriskt"):
        assert re.search(rf"^{area}: . (uppfyllt|delvis uppfyllt|ej uppfyllt|kan inte bedömas)", goals, re.M)
    assert "EXEMPEL" in goals and "Medborgarundersökningen: deltog inte 2021–2022" in goals
    assert "serieavbrott – Insikt totalt, gammal definition" in goals
    assert "Företagsklimat, ranking: 112 (2025)" in goals
    assert "manuella_varden_2025.csv: inläst" in out.stdout
    assert (tmp_path / "rapporter" / "Bokslut_2025_KF-mal.html").stat().st_size > 5000
    assert "rad 2, kolumn sjuk_timmar_dag15_59: inte ett tal" in out.stdout
    conn = db.connect(tmp_path / "demo.duckdb", read_only=True)
    filled = dict(conn.execute(
        "SELECT indicator_id, aktuellt_varde FROM ind.indicator_status WHERE source IN ('hr', 'ekonomi') AND niva = 'nämnd'").fetchall())
    conn.close()
    assert sorted(filled) == sorted(["prognosticerat_resultat", "korttidssjukskrivningar", "upparbetade_investeringar",
                                     "langtidssjukskrivningar", "skuldsattningsgrad", "personalomsattning"])
    assert all(v is not None for v in filled.values()), filled
    assert sorted(p.name for p in (tmp_path / "karantan").iterdir())[0].endswith("hr_2025-11_felaktig.csv")


def test_due_filters_by_namnd_and_malomrade(built, capsys):
    assert main(["--db", built, "due", "--as-of", FIXED_NOW[:10], "--all", "--malomrade", "attraktion"]) == 0
    out = capsys.readouterr().out
    assert "Gästnätter" in out and "Nystarter" not in out  # Företagsklimat filtered out
    assert main(["--db", built, "due", "--as-of", FIXED_NOW[:10], "--all", "--namnd", "kultur"]) == 0
    out = capsys.readouterr().out
    assert "Nystarter arbetsställen" in out and "Gästnätter" not in out


def test_forecast_lists_each_meeting_with_reasons(built, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one line per item: the subject here is what, not layout
    assert main(["--db", built, "forecast", "--as-of", FIXED_NOW[:10], "--meetings", "4"]) == 0
    out = capsys.readouterr().out
    assert out.count("\nKF ") == 4
    assert "välfärdstur: Barn- och utbildningsnämnden" in out
    # Öppen arbetslöshet (välfärd) is expected from Kolada's release date at its nämnd's turn.
    line = next(x for x in out.splitlines() if "Öppen arbetslöshet" in x)
    assert "väntas" in line and "Kolada: publiceras" in line and "välfärdstur" in line


def test_report_writes_html_and_xlsx(built, capsys, tmp_path):
    meeting = next(m.datum for m in load_catalog().calendar.meetings if m.handlingar_senast > date.fromisoformat(FIXED_NOW[:10]))
    assert main(["--db", built, "report", meeting.isoformat(), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"KF_{meeting}.html" in out and f"KF_{meeting}.xlsx" in out
    assert "Gästnätter" in (tmp_path / f"KF_{meeting}.html").read_text(encoding="utf-8")
    assert main(["--db", built, "report", meeting.isoformat(), "--namnd", "nämnden", "--out", str(tmp_path)]) == 1
    assert "matchar 3 nämnder" in capsys.readouterr().err


@pytest.mark.parametrize("years", ["2021-2022", "2019-2020"])  # 2019-2020: composed from each year's recording
def test_refresh_runs_the_jobs_with_progress_and_publishes(tmp_path, capsys, years):
    path = tmp_path / "wh.duckdb"
    assert main(["--db", str(path), "refresh", "--years", years, "--no-af"]) == 0
    out = capsys.readouterr().out
    label = years.replace("-", "–")
    assert f"Kolada {label} hämtat och laddat" in out
    assert f"SCB {label} hämtat och laddat" in out
    assert "publicering klara" in out
    assert (tmp_path / "wh.publicerad.duckdb").exists()
    assert main(["--db", str(path), "refresh", "--years", "2022-20x"]) == 1
    assert "ogiltiga år '2022-20x'" in capsys.readouterr().err


def test_the_report_job_writes_the_same_files_from_the_ui(built, monkeypatch):
    monkeypatch.setenv("MALSTYRNING_DUCKDB", built)
    job = load_defs().resolve_job_def("kf_report_job")
    config = {"ops": {"write_meeting_report": {"config": {"meeting_date": "2026-12-14", "namnd": "Socialnämnden"}}}}
    result = job.execute_in_process(run_config=config, instance=dg.DagsterInstance.ephemeral())
    paths = result.output_for_node("write_meeting_report")
    assert [p.rsplit("/", 1)[1] for p in paths] == ["KF_2026-12-14_socialnamnden.html", "KF_2026-12-14_socialnamnden.xlsx"]
    assert all(os.path.getsize(p) > 3000 for p in paths)


def test_filters_that_match_nothing_and_bad_meeting_counts_are_errors(built, capsys):
    assert main(["--db", built, "due", "--namnd", "socail"]) == 1
    assert "ingen nämnd matchar 'socail'" in capsys.readouterr().err
    assert main(["--db", built, "status", "--malomrade", "välfärden"]) == 1
    assert "inget målområde matchar 'välfärden'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--db", built, "forecast", "--meetings", "-2"])
    assert exc.value.code == 2


def test_refresh_gives_scb_only_the_years_it_has_partitions_for(monkeypatch):
    # Kolada's first year can be moved before 2010 (MALSTYRNING_KOLADA_FORSTA_AR); SCB's
    # partitions start in 2010, and a run over years that are not its keys would fail.
    import pipelines.refresh
    from pipelines.refresh import Refresh

    # As if MALSTYRNING_KOLADA_FORSTA_AR=2005 had been set when the definitions loaded.
    monkeypatch.setattr(pipelines.refresh, "yearly_partition", dg.TimeWindowPartitionsDefinition(
        start="2005", fmt="%Y", cron_schedule="0 0 1 1 *", timezone="Europe/Stockholm"))
    runs, lines = [], []
    monkeypatch.setattr(Refresh, "_run", lambda self, job, what, **kw: runs.append((job, kw["tags"])) or True)
    refresh = Refresh(out=lines.append)
    assert refresh.years(["2008", "2009", "2010", "2011"])
    assert [(job, tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"])
            for job, tags in runs] == [("kolada_job", "2008", "2011"), ("scb_job", "2010", "2011")]
    runs.clear()
    assert refresh.years(["2005", "2006"])
    assert [job for job, _ in runs] == ["kolada_job"]
    assert any("SCB har inga partitioner för 2005–2006" in line for line in lines)


def test_refresh_passes_the_confirmation_of_retirements_to_the_landing_steps(monkeypatch):
    from pipelines.refresh import Refresh
    from pipelines import cli

    runs = []
    monkeypatch.setattr(Refresh, "_run", lambda self, job, what, **kw: runs.append((job, kw.get("run_config"))) or True)
    monkeypatch.setattr(Refresh, "inbox", lambda self, drop_samples=False: True)
    monkeypatch.setattr(Refresh, "indicators", lambda self, as_of=None: True)
    assert cli.main(["refresh", "--years", "2021-2022", "--no-af", "--bekrafta-borttagning"]) == 0
    confirmed = {job: config["ops"] for job, config in runs}
    assert confirmed == {"kolada_job": {"raw__kolada_values": {"config": {"bekrafta_borttagning": True}}},
                         "scb_job": {"raw__scb_values": {"config": {"bekrafta_borttagning": True}}}}
    runs.clear()
    assert cli.main(["refresh", "--years", "2022", "--no-af"]) == 0
    assert all("ops" not in config for _, config in runs)


def test_due_after_the_paper_deadline_shows_the_next_open_meeting(built, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # the heading on one line: the subject here is what, not layout
    # Values first seen 2026-11-25 are in the papers of KF 2026-12-14 (deadline 2026-11-27).
    assert main(["--db", built, "due", "--as-of", "2026-11-26"]) == 0
    before = capsys.readouterr().out
    assert before.startswith("KF 2026-12-14 (handlingar senast 2026-11-27), per 2026-11-26:")
    assert main(["--db", built, "due", "--as-of", "2026-11-27"]) == 0
    after = capsys.readouterr().out
    n = sum(1 for line in before.splitlines() if "nytt värde" in line)
    assert after.startswith(f"Handlingarna till KF 2026-12-14 stängdes 2026-11-27 ({n} indikator(er) redovisas där). "
                            "Nästa möte med öppna handlingar:\nKF 2027-01-25 (handlingar senast 2027-01-08), per 2026-11-27:")
    assert "Inga indikatorer att redovisa." in after


def test_a_locked_database_is_one_swedish_line(tmp_path, capsys):
    path = tmp_path / "wh.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('ok', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        assert main(["--db", str(path), "mark-reported", "2026-12-14"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"indikator: databasen {path} är låst av en annan process (PID {holder.pid})")
        assert "Traceback" not in err and err.count("\n") == 1
    finally:
        holder.kill()


def test_refresh_needs_no_environment_and_fails_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALSTYRNING_", "DAGSTER_"))}
    cli = [sys.executable, "-m", "pipelines.cli", "refresh", "--no-af"]
    bad_year = subprocess.run([*cli, "--years", "1999"], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=300)
    assert bad_year.returncode == 1 and "Traceback" not in bad_year.stderr
    assert bad_year.stderr.strip() == ("indikator: år 1999 finns inte bland lagrets år 2010–"
                                       f"{bad_year.stderr.split('–')[1].split(' ')[0]} (första året ändras med "
                                       "MALSTYRNING_KOLADA_FORSTA_AR)")
    (tmp_path / "empty").mkdir()
    missing = subprocess.run([*cli, "--years", "2022"], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                             env={**env, "MALSTYRNING_RECORDINGS_DIR": str(tmp_path / "empty")})
    assert missing.returncode == 1 and "Traceback" not in missing.stderr + missing.stdout
    assert missing.stderr.splitlines()[0].startswith("FEL i kolada_job 2022, steg raw__kolada_values: replay: ingen inspelning")


def test_a_nämnds_due_list_its_uppdrag_and_a_report_given(built, capsys, tmp_path):
    # Socialnämnden meets 2026-12-09 (papers by 2026-11-27); the values first seen on the
    # fixed day (2026-11-25) are due there, the nämnd's non-KF indicators too.
    assert main(["--db", built, "due", "--organ", "social", "--as-of", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Socialnämnden 2026-12-09 (handlingar senast 2026-11-27), per 2026-11-26:")
    assert "Gästnätter" in out and "Uppdrag att rapportera vid Socialnämnden 2026-12-09:" in out
    assert "Utreda samlokalisering av öppna insatser (sn_samlokalisering): delrapport 1" in out
    assert main(["--db", built, "due", "--organ", "nämnden"]) == 1
    assert "matchar 3 nämnder" in capsys.readouterr().err
    assert main(["--db", built, "uppdrag", "--namnd", "social", "--as-of", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert "Behålla medarbetare i hemtjänsten (sn_behalla_medarbetare)" in out
    assert "delrapport 1 2026-09-16 SEN" in " ".join(out.split())
    assert "Barn- och utbildningsnämnden" not in out
    # Recording writes the working file (a copy here) and the follow-up shows it given late.
    work = tmp_path / "work.duckdb"
    import shutil
    shutil.copyfile(built, work)
    assert main(["--db", str(work), "uppdrag-rapport", "sn_behalla_medarbetare", "2026-10-21", "--by", "test"]) == 0
    assert "registrerat som rapporterat vid 2026-10-21" in capsys.readouterr().out
    assert main(["--db", str(work), "uppdrag", "--namnd", "social", "--as-of", "2026-11-26"]) == 0
    assert "delrapport 1 2026-09-16 given (sent) vid 2026-10-21" in " ".join(capsys.readouterr().out.split())
    assert main(["--db", str(work), "uppdrag-rapport", "sn_okant", "2026-10-21"]) == 1
    assert "okänt uppdrag 'sn_okant'" in capsys.readouterr().err
    assert main(["--db", built, "report", "2026-12-09", "--organ", "social", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "socialnamnden_2026-12-09.html").exists()


def test_the_writing_commands_refuse_the_published_snapshot(built, capsys, tmp_path):
    # The next publication replaces the snapshot whole: a record written there would be lost.
    from pathlib import Path

    snapshot = Path(built).with_name("wh.publicerad.duckdb")  # published by the fixture's indicators_job
    assert snapshot.exists()
    for command in (["uppdrag-rapport", "sn_behalla_medarbetare", "2026-10-21"], ["mark-reported", "2026-12-14"]):
        assert main(["--db", str(snapshot), *command]) == 1
        assert "är en publicerad ögonblicksbild; registrera i arbetsdatabasen" in capsys.readouterr().err


def test_a_snapshot_from_an_older_version_is_one_swedish_line():
    # What DuckDB says when a snapshot published before a macro gained a parameter is read.
    from pipelines.cli import message

    old = Exception("Binder Error: Macro uppdrag_uppfoljning_asof() does not support the supplied "
                                   "arguments. You might need to add explicit type casts.")
    assert message(old).startswith("ögonblicksbilden är publicerad av en äldre version")
    missing = Exception("Catalog Error: Table Function with name due_asof does not exist!")
    assert "kör `indikator refresh`" in message(missing)
    assert message(Exception("något annat")) == "något annat"
