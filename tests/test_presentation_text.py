"""The terminal table layout (warehouse/presentation/text.py) on constructed tables: the edges
of width, wrapping, cards and groups, not the demo's sample."""

import pandas as pd
import pytest

from warehouse.presentation.text import fit, table_text

FRAME = pd.DataFrame({
    "Nämnd": ["Barn- och utbildningsnämnden", "Barn- och utbildningsnämnden", "Socialnämnden"],
    "Indikator": ["Årets resultat, andel av skatt och bidrag", "Långtidssjukskrivningar", "Gästnätter"],
    "Värde": ["1,7", "−2\u202f400", None],
    "Status": ["ej uppnått", "kan inte bedömas", "ingen data"],
})


def words(text: str) -> list[str]:
    return [w for w in text.split() if w not in {"·", "─"} and set(w) != {"─"}]


@pytest.mark.parametrize("cols", [20, 30, 45, 60, 100, 200])
def test_no_line_is_wider_than_the_window_and_no_word_is_lost(cols):
    out = table_text(FRAME, cols=cols, title="Indikator", group="Nämnd")
    assert max(map(len, out.splitlines())) <= cols
    for value in FRAME.drop(columns="Nämnd").fillna("–").to_numpy().ravel():
        for word in str(value).split():
            assert word in out or len(word) > cols - 6, (cols, word)  # a card body is indented 6
    # The group heading is printed once per group, not per row (where its longest word fits).
    assert cols < len("Barn- och utbildningsnämnden") or out.count("Barn- och utbildningsnämnden") == 1 and out.count("Socialnämnden") == 1


def test_wide_window_one_line_per_row_figures_right_aligned():
    out = table_text(FRAME.drop(columns="Nämnd"), cols=200).splitlines()
    assert len(out) == 2 + len(FRAME)  # header, rule, rows: nothing wrapped
    value_col = out[0].index("Värde") + len("Värde")
    assert out[2][:value_col].endswith("1,7") and out[3][:value_col].endswith("−2\u202f400")
    assert out[4][:value_col].endswith("–")  # missing shown as a dash, not NaN or None


def test_narrow_window_wraps_text_columns_at_spaces():
    out = table_text(FRAME.drop(columns="Nämnd"), cols=60)
    lines = out.splitlines()
    assert max(map(len, lines)) <= 60 and len(lines) > 2 + len(FRAME)
    assert "Långtidssjukskrivningar" in out  # never broken inside a word
    assert not any(line.rstrip().endswith("Långtidssjuk") for line in lines)


def test_too_narrow_for_any_table_becomes_cards_headed_by_the_title():
    out = table_text(FRAME.drop(columns="Nämnd"), cols=30, title=("Indikator", "Status"))
    lines = out.splitlines()
    assert "Gästnätter · ingen data" in lines
    assert any(line.strip().startswith("Värde:") for line in lines)
    assert not any(line.startswith("─") for line in lines)


def test_empty_table_and_a_word_longer_than_the_window():
    assert "Indikator" in table_text(FRAME.iloc[:0], cols=80)
    long = pd.DataFrame({"Indikator": ["x" * 50], "Värde": ["1"]})
    assert max(map(len, table_text(long, cols=30).splitlines())) <= 30


def test_fit_wraps_long_lines_with_a_hanging_indent_and_leaves_short_ones(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    text = "  kort rad\n  " + " ".join(["ord"] * 30)
    out = fit(text).splitlines()
    assert out[0] == "  kort rad" and all(len(line) <= 40 for line in out)
    assert out[2].startswith(" " * 6) and not out[2].startswith(" " * 7)


def test_fit_never_splits_a_path_or_url_longer_than_the_line(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    path = "/srv/backup/malstyrning/malstyrning-20261206T204836Z"
    out = fit(f"Säkerhetskopia: {path} klar").splitlines()
    assert path in [line.strip() for line in out]  # whole, on a line of its own, to be copied
