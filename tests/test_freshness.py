"""Freshness per source (warehouse/meetings/forecast.py overdue_publications and the
'aktualitet' checks): a figure the source should have published more than a week ago and the
warehouse lacks is late; one just published, or one already loaded, is not."""

from datetime import date

import dagster as dg

from pipelines.definitions import defs as load_defs
from tests.conftest import observe
from warehouse.meetings.forecast import overdue_publications


def _release(conn, kpi, publ_period, day):
    conn.execute("INSERT OR REPLACE INTO raw.kolada_kpi (kpi, publ_period, publication_date, response_id) "
                 "VALUES (?, ?, ?, 0)", [kpi, publ_period, day]).fetchall()


def test_late_after_the_grace_days_and_not_when_loaded(conn):
    _release(conn, "N45850", "2025", date(2026, 4, 2))  # gästnätter 2025, published 2 April 2026
    assert overdue_publications(conn, date(2026, 4, 9), "kolada") == []       # within the week
    late = overdue_publications(conn, date(2026, 4, 10), "kolada")
    assert [(e.indicator_id, e.period, e.due_by) for e in late] == [("gastnatter", "2025", date(2026, 4, 2))]
    assert overdue_publications(conn, date(2026, 4, 10), "scb") == []         # other sources unaffected
    observe(conn, "N45850", 2025, 8.7, "2026-04-05")
    assert overdue_publications(conn, date(2026, 4, 10), "kolada") == []      # loaded: not late


def test_the_check_warns_in_the_ui_with_what_is_late():
    # Replay: Kolada's recorded release information says 2025 figures were published in 2026,
    # the recordings end in 2022: late, as a warning on the asset, not a failed run.
    defs = load_defs()
    with dg.instance_for_test() as instance:
        # the catalog and Kolada's release information, as after any earlier night
        assert defs.resolve_job_def("indicators_job").execute_in_process(instance=instance).success
        result = defs.resolve_job_def("kolada_job").execute_in_process(instance=instance, partition_key="2022")
        assert result.success
        (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "aktualitet"]
        assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
        assert "gastnatter 2025: väntades" in evaluation.metadata["sena"].value
