"""KF's own goals in the catalog (indicator_catalog/kf_goals.py, kf_mal.yaml): the bundled
example, and every error naming the file, the goal, målprecisering or mått and the field."""

import re

import pytest
import yaml

from indicator_catalog.catalog import CatalogError, load_catalog
from indicator_catalog.models import Malomrade


def test_the_bundled_example_has_two_goals_per_malomrade_and_is_marked_constructed():
    cat = load_catalog()
    doc = cat.kf_goals
    assert doc.constructed and "Konstruerat" in doc.note
    assert {a.malomrade for a in doc.malomraden} == set(Malomrade.__args__)
    assert all(len(a.strategiska_mal) >= 2 for a in doc.malomraden)
    matt = [i for i in cat.indicators if i.niva == "KF"]
    area_of = {p.id: a.malomrade for a in doc.malomraden for g in a.strategiska_mal for p in g.malpreciseringar}
    assert matt and all(i.indikator_kf and not i.uppdrag and i.namnd == "Kommunfullmäktige" for i in matt)
    assert all(i.malomrade == area_of[i.malprecisering] for i in matt)
    # serie_fran: the same SCB series as the nämnd indicator, defined once
    assert cat.by_id["kf_folkmangd"].query == cat.by_id["befolkningsutveckling"].query
    # the series break and the survey KPIs are fetched
    assert {"U07451", "U07453", "N00528", "N00529"} <= set(cat.kolada_kpis())
    assert len(cat.namnd_indicators()) == 12 and len(cat.without_kf_goals().indicators) == 12


def _edit(catalog_copy, change):
    path = catalog_copy / "kf_mal.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _first_prec(doc):
    return doc["malomraden"][0]["strategiska_mal"][0]["malpreciseringar"][0]


@pytest.mark.parametrize("change, message", [
    (lambda d: _first_prec(d).update(indikatorer=["finns_inte"]),
     "målprecisering 'v1a_bra_plats': fält 'indikatorer': okänd nämndindikator finns_inte"),
    (lambda d: _first_prec(d)["matt"][0].pop("onskat_varde"),
     "målprecisering 'v1a_bra_plats': mått 'mu_bra_plats_att_bo': fält 'onskat_varde': Field required"),
    (lambda d: _first_prec(d)["matt"][0].update(id="gastnatter"),
     "mått 'gastnatter': fält 'id': finns redan i"),
    (lambda d: _first_prec(d)["matt"][0].update(malomrade="Attraktion"),
     "mått 'mu_bra_plats_att_bo': fält 'malomrade': Attraktion men målet hör till Välfärd"),
    (lambda d: _first_prec(d)["matt"][0].update(enkat="okand"),
     "mått 'mu_bra_plats_att_bo': fält 'enkat'"),
    (lambda d: _first_prec(d)["matt"][0].update(serie_fran="finns_inte"),
     "mått 'mu_bra_plats_att_bo': fält 'serie_fran': okänd nämndindikator 'finns_inte'"),
    (lambda d: _first_prec(d)["matt"][0].update(source="manuell", query={"series": "x"},
                                                tidigare_definition={"kpi": "U07451", "till_period": "2024",
                                                                     "beskrivning": "gammal"}),
     "fält 'tidigare_definition': bara för Kolada-mått"),
    (lambda d: d["malomraden"][1]["strategiska_mal"][0].update(id="v1_bra_att_leva"),
     "strategiskt mål 'v1_bra_att_leva': fält 'id': används redan"),
    (lambda d: d.update(bedomning={"uppfyllt_fran": 0.5, "delvis_fran": 0.8}),
     "fält 'bedomning': Value error, delvis_fran får inte vara större än uppfyllt_fran"),
    (lambda d: d["malomraden"].append(d["malomraden"][0]),
     "målområdet Välfärd förekommer två gånger"),
])
def test_a_broken_kf_goal_file_names_file_id_and_field(catalog_copy, change, message):
    _edit(catalog_copy, change)
    with pytest.raises(CatalogError, match=re.escape(message)) as err:
        load_catalog(catalog_copy)
    assert str(err.value).startswith(str(catalog_copy / "kf_mal.yaml"))


def test_without_a_kf_goal_file_the_catalog_is_the_namnder_alone(catalog_copy):
    (catalog_copy / "kf_mal.yaml").unlink()
    cat = load_catalog(catalog_copy)
    assert cat.kf_goals is None and len(cat.indicators) == 12
