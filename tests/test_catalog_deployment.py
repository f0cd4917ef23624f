"""The deployment file of several kommuner and the union of their catalogs
(indicator_catalog/deployment.py): each rule at its edge, the error naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from indicator_catalog.catalog import CatalogError
from indicator_catalog.deployment import load_deployment
from tests.multi_kommun import make_catalog, make_deployment


def _write(root: Path, doc) -> Path:
    path = root / "kommuner.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def two(tmp_path) -> Path:
    return make_deployment(tmp_path, ["1882", "1471"])


def test_paths_are_read_relative_to_the_file_with_defaults(two):
    d = load_deployment(two)
    assert [e.kod for e in d.kommuner] == ["1882", "1471"]
    assert d.kommuner[1].data == two.parent / "kommuner" / "1471" / "malstyrning.duckdb"
    assert d.kommuner[1].catalog_dir == two.parent / "kataloger" / "1471"
    assert d.public_data == two.parent / "offentlig" / "malstyrning.duckdb" and d.public_scope == "kommun"


@pytest.mark.parametrize("entry, message", [
    ({"kod": "9999", "katalog": "kataloger/1471"}, "kommun nr 3 (kod 9999): fält 'kod': ingen kommun med koden 9999"),
    ({"kod": "1471", "katalog": "kataloger/1471"}, "kommun nr 3 (kod 1471): fält 'kod': kommunen står två gånger"),
    ({"kod": "1880", "katalog": "kataloger/1471", "data": "kommuner/1471/malstyrning.duckdb"},
     "kommun nr 3 (kod 1880): fält 'data': .* används redan av 1471"),
    ({"kod": "1880", "katalog": "kataloger/1471", "data": "offentlig/malstyrning.duckdb"},
     "fält 'data': .* används redan av offentlig"),
    ({"kod": "1880", "katalog": "saknas"}, "kommun nr 3 (kod 1880): fält 'katalog': mappen .*saknas finns inte"),
    ({"kod": "1880", "katalg": "kataloger/1471"}, "fält 'kommuner.2.katalg': Extra inputs"),
    ({"kod": 1880, "katalog": "kataloger/1471"}, "fält 'kommuner.2.kod'"),
])
def test_a_bad_entry_is_refused_naming_the_file_and_field(two, entry, message):
    doc = yaml.safe_load(two.read_text(encoding="utf-8"))
    doc["kommuner"].append(entry)
    path = _write(two.parent, doc)
    with pytest.raises(CatalogError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        load_deployment(path)
    assert str(path) in str(err.value)


def test_no_kommuner_and_a_scope_that_is_not_one_are_refused(tmp_path):
    with pytest.raises(CatalogError, match="fält 'kommuner'"):
        load_deployment(_write(tmp_path, {"kommuner": []}))
    with pytest.raises(CatalogError, match="fält 'offentlig.omfattning'"):
        load_deployment(_write(tmp_path, {"offentlig": {"omfattning": "län"}, "kommuner": [{"kod": "1882",
                                                                                              "katalog": "."}]}))


def test_a_catalog_that_follows_another_kommun_is_refused_in_both_roles(two, monkeypatch):
    doc = yaml.safe_load(two.read_text(encoding="utf-8"))
    doc["kommuner"].append({"kod": "1880", "katalog": "kataloger/1471"})
    d = load_deployment(_write(two.parent, doc))
    with pytest.raises(CatalogError, match=r"kommun 1880: katalogen .*1471 följer kommun 1471 \(settings.yaml\)"):
        d.public_catalog()
    # In the kommun's own location MALSTYRNING_KOMMUN would override the catalog's kommun.
    monkeypatch.setenv("MALSTYRNING_KOMMUN", "1880")
    with pytest.raises(CatalogError, match="följer kommun 1471"):
        d.kommun("1880")


def test_the_public_catalog_is_the_union_and_asks_each_kpi_once(two):
    d = load_deployment(two)
    union = d.public_catalog()
    a, b = (cat for _, cat in d.catalogs())
    assert union.kolada_kpis() == sorted(set(a.kolada_kpis()) | set(b.kolada_kpis()))
    assert len(union.kolada_kpis()) == len(set(union.kolada_kpis()))
    assert union.kolada_units({"0617"}) == {"1882", "1471", "0617"}
    assert union.comparison_groups() == ["G37333"]  # both borrow it: fetched once
    # Götene's catalog has no SCB series: Askersund's is fetched for Askersund only.
    assert list(union.scb_series()) == list(a.scb_series()) and union.scb_regions("folkmangd") == ["1882"]
    where = union.kolada_kpi_fields()["N45850"]
    assert any(w.startswith("kommun 1882:") for w in where) and any(w.startswith("kommun 1471:") for w in where)


def test_one_scb_series_defined_differently_by_two_kommuner_is_refused(tmp_path):
    path = make_deployment(tmp_path, ["1882", "1471"])
    # Give Götene Askersund's SCB indicator with another table.
    source = yaml.safe_load((make_catalog(tmp_path / "ref", "1882") / "namnder" / "barn_och_utbildningsnamnden.yaml")
                            .read_text(encoding="utf-8"))
    scb = next(i for i in source["indicators"] if i.get("source") == "scb")
    scb["query"]["tables"] = scb["query"]["tables"][:1]
    target = tmp_path / "kataloger" / "1471" / "namnder" / "barn_och_utbildningsnamnden.yaml"
    doc = yaml.safe_load(target.read_text(encoding="utf-8"))
    doc["indicators"].append(scb)
    target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"kommun 1471 .*SCB-serien folkmangd har andra tabeller .* kommun 1882"):
        load_deployment(path).public_catalog().scb_series()


def test_national_scope_fetches_every_unit(two):
    doc = yaml.safe_load(two.read_text(encoding="utf-8"))
    doc["offentlig"]["omfattning"] = "riket"
    union = load_deployment(_write(two.parent, doc)).public_catalog()
    assert len(union.kolada_units()) == 312 and len(union.scb_regions("folkmangd")) == 312
