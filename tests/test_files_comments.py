"""Comments per indicator and period (sources/comments.py, warehouse/files/comments.py): the
contract's errors, versions that never overwrite, and the comment in the governance view and
the meeting report as written by the paper deadline."""

from datetime import date, datetime, timezone

import pytest

from sources.comments import CommentFileError, parse_comments
from tests.conftest import observe
from warehouse.core.hashing import sha256_of
from warehouse.files.inbox import load_file
from warehouse.presentation.reports.data import meeting_report

HEADER = "indikator;period;kommentar;forfattare"


def _load(conn, tmp_path, lines, name="kommentarer.csv", day="2026-11-05"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    now = datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return load_file(conn, path, sha256_of(path), kommun="1882", now=now)


@pytest.mark.parametrize("line, where", [
    ("gastnatter;;Text;Anna", "rad 2, kolumn period: tomt"),
    ("gastnatter;2022x;Text;Anna", "rad 2, kolumn period: inte en period"),
    ("gastnatter;2022;;Anna", "rad 2, kolumn kommentar: tomt"),
    ("gastnatter;2022;Text;", "rad 2, kolumn forfattare: tomt"),
])
def test_a_bad_row_names_file_row_and_column(line, where):
    with pytest.raises(CommentFileError, match=f"^k.csv: {where}"):
        parse_comments(f"{HEADER}\n{line}\n".encode(), "k.csv")


def test_an_unknown_indicator_loads_nothing(conn, tmp_path):
    out = _load(conn, tmp_path, ["gastnatter;2022;Bra år.;Anna", "gastnater;2022;Stavfel.;Anna"])
    assert out.status == "rejected" and "rad 3, kolumn indikator: 'gastnater' finns inte i katalogen" in out.message
    assert conn.execute("SELECT count(*) FROM rep.comments").fetchall() == [(0,)]


def test_versions_are_kept_and_the_newest_is_shown(conn, tmp_path):
    assert _load(conn, tmp_path, ['gastnatter;2022;"Ökningen; campingen vid Vättern.";Anna']).status == "loaded"
    # the same text again adds nothing; a changed text is version 2; the first is kept
    assert _load(conn, tmp_path, ['gastnatter;2022;"Ökningen; campingen vid Vättern.";Anna',
                                  "gastnatter;2021;Pandemin.;Bo"], "igen.csv").message.endswith("1 nya eller ändrade")
    _load(conn, tmp_path, ["gastnatter;2022;Ökningen följer campingen.;Anna Andersson"], "rättad.csv", day="2026-11-20")
    versions = conn.execute("SELECT version, text, author FROM rep.comments WHERE indicator_id = 'gastnatter' "
                            "AND period = '2022' ORDER BY version").fetchall()
    assert versions == [(1, "Ökningen; campingen vid Vättern.", "Anna"),
                        (2, "Ökningen följer campingen.", "Anna Andersson")]
    observe(conn, "N45850", 2022, 8.49, "2026-11-01")
    row = conn.execute("""SELECT "Kommentar", "Kommentar av" FROM ind.namnd_indikatorer
                          WHERE "Indikator-id" = 'gastnatter'""").fetchall()
    assert row == [("Ökningen följer campingen.", "Anna Andersson")]
    # The meeting of 23 Nov (papers by 6 Nov) shows the version written by then.
    report = meeting_report(conn, date(2026, 11, 23))
    shown = {i.row["indicator_id"]: i.row["kommentar"] for i in report.indicators}
    assert shown["gastnatter"] == "Ökningen; campingen vid Vättern."


def test_the_report_documents_show_the_comment(conn, tmp_path):
    import openpyxl

    from warehouse.presentation.reports.write import COLUMNS, write_meeting_reports

    _load(conn, tmp_path, ["gastnatter;2022;Ökningen följer campingen.;Anna"])
    observe(conn, "N45850", 2022, 8.49, "2026-11-01")
    html, xlsx = write_meeting_reports(conn, date(2026, 11, 23), tmp_path / "r",
                                       generated=datetime(2026, 11, 8, tzinfo=timezone.utc))
    assert "Kommentar (Gästnätter, 2022):</strong> Ökningen följer campingen." in html.read_text(encoding="utf-8")
    ws = openpyxl.load_workbook(xlsx)["Indikatorer"]
    assert ws.cell(5, COLUMNS.index("Kommentar") + 1).value == "Ökningen följer campingen. (Anna)"
