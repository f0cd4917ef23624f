import re

import pytest

from indicator_catalog.catalog import CatalogError, load_catalog

NAMNDER = {"Barn- och utbildningsnämnden", "Kultur- och tekniknämnden", "Socialnämnden"}


def test_bundled_catalog_has_the_governance_documents_twelve_indicators():
    cat = load_catalog()
    namnd_indicators = cat.namnd_indicators()
    assert len(namnd_indicators) == 12
    assert {i.namnd for i in namnd_indicators} == NAMNDER
    for namnd in NAMNDER:
        assert sum(i.namnd == namnd for i in namnd_indicators) == 4
    names = {i.name for i in cat.indicators}
    assert {"Öppen arbetslöshet", "Befolkningsutveckling", "Gästnätter", "Skuldsättningsgrad"} <= names
    assert cat.settings.kommun == "1882"
    assert cat.by_id["oppen_arbetsloshet"].query.kpi == "N03937"
    meetings = cat.calendar.meetings
    assert all(m.handlingar_senast < m.datum for m in meetings)
    assert [m.datum for m in meetings] == sorted(m.datum for m in meetings)


def test_kommun_and_group_come_from_configuration(monkeypatch):
    monkeypatch.setenv("MALSTYRNING_KOMMUN", "1880")
    monkeypatch.setenv("MALSTYRNING_JAMFORELSEGRUPP", "G33625")
    cat = load_catalog()
    assert cat.settings.kommun == "1880"
    assert cat.settings.jamforelsegrupp == "G33625"
    assert cat.region_for(cat.by_id["gastnatter"]) == "1880"


def _break(catalog_copy, file, old, new):
    path = catalog_copy / "namnder" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, ident, field",
    [
        ("malomrade: Attraktion", "malomrade: Trygghet", "gastnatter", "malomrade"),
        ("query: {kpi: N45850}", "query: {kpi: 45850}", "gastnatter", "query.kpi"),
        ("direction: higher\n    onskat_varde: 8.0", "direction: up\n    onskat_varde: 8.0", "gastnatter", "direction"),
        ("    onskat_varde: 8.0\n", "", "gastnatter", "onskat_varde"),
        ("    tolerance: 0.5\n    uppdrag: false\n    budgetpaverkan: false\n    indikator_kf: true\n    frequency: year\n  - id: skuldsattningsgrad",
         "    tolerance: -1\n    uppdrag: false\n    budgetpaverkan: false\n    indikator_kf: true\n    frequency: year\n  - id: skuldsattningsgrad",
         "gastnatter", "tolerance"),
        ("indikator_kf: true\n    frequency: year\n  - id: skuldsattningsgrad",
         "indikator_kf: kanske\n    frequency: year\n  - id: skuldsattningsgrad", "gastnatter", "indikator_kf"),
    ],
)
def test_malformed_indicator_names_file_id_and_field(catalog_copy, old, new, ident, field):
    path = _break(catalog_copy, "socialnamnden.yaml", old, new)
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    msg = str(err.value)
    assert str(path) in msg
    assert f"indikator '{ident}'" in msg
    assert f"fält '{field}'" in msg


def test_unknown_field_is_refused(catalog_copy):
    _break(catalog_copy, "socialnamnden.yaml", "    unit: nätter per invånare", "    unit: nätter per invånare\n    enhet: x")
    with pytest.raises(CatalogError, match=r"indikator 'gastnatter': fält 'enhet'"):
        load_catalog(catalog_copy)


def test_duplicate_id_across_files(catalog_copy):
    _break(catalog_copy, "socialnamnden.yaml", "id: gastnatter", "id: befolkningsutveckling")
    with pytest.raises(CatalogError, match=r"socialnamnden.yaml: indikator 'befolkningsutveckling': fält 'id': finns redan i .*barn_och_utbildningsnamnden.yaml"):
        load_catalog(catalog_copy)


def test_invalid_yaml_names_the_line(catalog_copy):
    path = catalog_copy / "namnder" / "socialnamnden.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = "  - id: [unclosed"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape(str(path)) + r", rad \d+: ogiltig YAML"):
        load_catalog(catalog_copy)


def test_pending_source_cannot_carry_a_kolada_query(catalog_copy):
    _break(catalog_copy, "socialnamnden.yaml", "    source: kolada\n    query: {kpi: N45850}", "    source: scb\n    query: {kpi: N45850}")
    with pytest.raises(CatalogError, match=r"indikator 'gastnatter': fält 'query.(kpi|description)'"):
        load_catalog(catalog_copy)


def test_calendar_deadline_after_meeting_is_refused(catalog_copy):
    path = catalog_copy / "kf_calendar.yaml"
    text = path.read_text(encoding="utf-8")
    old = "{datum: 2026-12-14, handlingar_senast: 2026-11-27,"
    assert old in text
    path.write_text(text.replace(old, "{datum: 2026-12-14, handlingar_senast: 2026-12-15,"), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"kf_calendar.yaml: fält 'meetings.8'.*handlingar_senast"):
        load_catalog(catalog_copy)


def test_bad_kommunkod_in_settings(catalog_copy, monkeypatch):
    monkeypatch.setenv("MALSTYRNING_KOMMUN", "Askersund")
    with pytest.raises(CatalogError, match=r"settings.yaml.*fält 'kommun'"):
        load_catalog(catalog_copy)
