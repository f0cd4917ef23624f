"""The warehouse file under stress: a writer killed mid-transaction, and two runs writing at
the same time from separate processes (no shared Dagster pool between them)."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO
from tests.test_faults import table_rows

RUN_JOB = textwrap.dedent("""
    import sys
    import dagster as dg
    from pipelines.definitions import defs
    job = defs().resolve_job_def(sys.argv[1])
    result = job.execute_in_process(partition_key=sys.argv[2], instance=dg.DagsterInstance.ephemeral(),
                                    raise_on_error=False)
    print("OK" if result.success else "FEL")
""")

KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from warehouse.core import db
    conn = db.connect(sys.argv[1])
    conn.execute("BEGIN")
    conn.execute("DELETE FROM stg.kolada_observations")
    conn.execute("INSERT INTO stg.kolada_observations SELECT 'kolada', 'X' || i, 'T', '1882', '2022', DATE '2022-12-31', "
                 "i, '', false, 1, now(), now(), NULL FROM range(2000000) t(i)")
    print("skriver", flush=True)
    time.sleep(60)  # killed before it commits
""")


def job(name: str, partition: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN_JOB, name, partition], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_writer_killed_mid_transaction_leaves_the_previous_data(tmp_path):
    env = {**os.environ, "MALSTYRNING_DUCKDB": str(tmp_path / "wh.duckdb")}
    assert job("kolada_job", "2022", env).communicate(timeout=300)[0].strip().endswith("OK")
    before = table_rows(tmp_path / "wh.duckdb")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path / "wh.duckdb")], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = writer.stdout.readline().strip()
    assert line == "skriver", (writer.wait(), writer.communicate()[1][-3000:])
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert table_rows(tmp_path / "wh.duckdb") == before  # opens, and holds exactly the committed data


def test_two_runs_writing_at_the_same_time_both_succeed(tmp_path):
    # Separate processes with separate instances: the duckdb pool cannot serialise them, so
    # this relies on short writes and the resource's retry on DuckDB's file lock.
    env = {**os.environ, "MALSTYRNING_DUCKDB": str(tmp_path / "wh.duckdb")}
    runs = [job("kolada_job", "2021", env), job("kolada_job", "2022", env)]
    outputs = [r.communicate(timeout=300) for r in runs]
    assert [o[0].strip().splitlines()[-1] for o in outputs] == ["OK", "OK"], [o[1][-2000:] for o in outputs]
    tables = table_rows(tmp_path / "wh.duckdb")
    assert {row[4] for row in tables["stg.kolada_observations"]} == {"2021", "2022"}


# A Kolada landing killed (SIGKILL) after it has moved its pages into the bodies folder and
# before its COMMIT (warehouse/core/bodies.py): the moment with files but no rows.
KILLED_LANDING = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    from tests.test_warehouse_kolada import URL, data_page
    from warehouse.core import bodies, db
    from warehouse.kolada.landing import Spool, land
    wh = Path(sys.argv[1])
    conn = db.connect(wh)
    db.migrate(conn)
    pages = [data_page(URL + f"&page={i}", {"1882": float(i)}, "2026-03-01") for i in range(3)]
    if sys.argv[2] == "kill":
        placed = bodies.sync_folders
        def killed(paths):
            placed(paths)
            print("placerade", flush=True)
            time.sleep(60)  # killed here
        bodies.sync_folders = killed
    with Spool(bodies.spool_folder(wh)) as spool:
        for p in pages:
            spool.add(p)
        land(conn, spool, partition_keys=["2022"], kpis=["N45850"], municipalities=["1882"])
    print("landade", flush=True)
""")


def test_a_landing_killed_between_placing_its_files_and_its_commit_leaves_no_row_and_a_rerun_lands(tmp_path):
    from warehouse.core import bodies, db

    wh = tmp_path / "wh.duckdb"
    run = [sys.executable, "-c", KILLED_LANDING, str(wh)]
    writer = subprocess.Popen([*run, "kill"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = writer.stdout.readline().strip()
    assert line == "placerade", (writer.wait(), writer.communicate()[1][-3000:])
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    placed = sorted(p.name for p in (bodies.folder_for(wh) / "kolada").rglob("*.json"))
    assert len(placed) == 3  # the files are there: unnamed by any row
    conn = db.connect(wh, read_only=True)
    assert conn.execute("SELECT (SELECT count(*) FROM raw.kolada_responses), (SELECT count(*) FROM raw.kolada_values), "
                        "(SELECT count(*) FROM raw.kolada_fetches)").fetchone() == (0, 0, 0)
    conn.close()
    again = subprocess.run([*run, "ok"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert again.stdout.strip().endswith("landade"), again.stderr[-3000:]
    conn = db.connect(wh, read_only=True)
    names = sorted(Path(n).name for (n,) in conn.execute("SELECT body_file FROM raw.kolada_responses").fetchall())
    assert names == placed and conn.execute("SELECT count(*) FROM raw.kolada_values").fetchone() == (3,)
