"""The uppdrag level and the nämnd calendars in the catalog: validation on constructed edits of
the bundled files, each error naming the file, the uppdrag or indicator id and the field."""

import pytest

from indicator_catalog.catalog import CatalogError, load_catalog
from tests.test_catalog import _break

SN = "socialnamnden.yaml"


def refused(catalog_copy, file, old, new) -> str:
    path = _break(catalog_copy, file, old, new)
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    message = str(err.value)
    assert message.startswith(str(path)), message
    return message


def test_the_bundled_plans_have_uppdrag_and_calendars():
    cat = load_catalog()
    assert {p.namnd for p in cat.plans if p.calendar} == {i.namnd for i in cat.namnd_indicators()}
    flagged = {i.id for i in cat.namnd_indicators() if i.uppdrag}
    followed = {ident for u in cat.uppdrag for ident in u.indikatorer}
    assert flagged <= followed
    assert {u.ursprung.typ for u in cat.uppdrag} == {"indikator", "initiativ"}
    for plan in cat.plans:
        days = {m.datum for m in plan.calendar.meetings}
        for u in plan.uppdrag:
            assert {d.datum for d in u.tidplan.delrapporter} | {u.tidplan.slutrapport} <= days


def test_an_uppdrag_naming_an_unknown_indicator(catalog_copy):
    message = refused(catalog_copy, SN, "ursprung: {typ: indikator, indikatorer: [personalomsattning]}",
                      "ursprung: {typ: indikator, indikatorer: [personalomsattningen]}")
    assert "uppdrag 'sn_behalla_medarbetare': fält 'ursprung.indikatorer': okänd indikator 'personalomsattningen'" in message


def test_an_uppdrag_may_not_follow_another_nämnds_indicator(catalog_copy):
    message = refused(catalog_copy, SN, "      indikatorer: [personalomsattning]\n",
                      "      indikatorer: [personalomsattning, korttidssjukskrivningar]\n")
    assert "fält 'uppfoljning.indikatorer': okänd indikator 'korttidssjukskrivningar'" in message


def test_an_indicator_marked_uppdrag_needs_an_uppdrag_that_names_it(catalog_copy):
    # The only uppdrag naming personalomsattning now starts from an initiative instead.
    path = _break(catalog_copy, SN, "ursprung: {typ: indikator, indikatorer: [personalomsattning]}",
                  "ursprung: {typ: initiativ}")
    _break(catalog_copy, SN, "      indikatorer: [personalomsattning]\n", "")
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    assert str(err.value).startswith(str(path))
    assert "indikator 'personalomsattning': fält 'uppdrag': true, men inget uppdrag" in str(err.value)


def test_an_uppdrag_from_an_indicator_not_marked_uppdrag(catalog_copy):
    # Gästnätter has uppdrag: false; an uppdrag may follow it, not start from it.
    message = refused(catalog_copy, SN, "ursprung: {typ: indikator, indikatorer: [personalomsattning]}",
                      "ursprung: {typ: indikator, indikatorer: [personalomsattning, gastnatter]}")
    assert "indikator 'gastnatter': fält 'uppdrag': false, men uppdrag 'sn_behalla_medarbetare' utgår" in message


@pytest.mark.parametrize("old, new, field", [
    ("ursprung: {typ: indikator, indikatorer: [personalomsattning]}", "ursprung: {typ: indikator}", "ursprung"),
    ("ursprung: {typ: initiativ, beskrivning:", "ursprung: {typ: initiativ, indikatorer: [gastnatter], beskrivning:",
     "ursprung"),
    ("    rubrik: Behålla medarbetare i hemtjänsten\n", "", "rubrik"),
    ("      slutrapport: 2027-05-19\n", "      slutrapport: 2026-02-01\n", "tidplan"),
    ("        - {datum: 2026-09-16, innehall: \"Introduktionsprogrammet\"}\n",
     "        - {datum: 2026-09-16}\n        - {datum: 2026-06-17}\n", "tidplan"),
    ("    budgetpaverkan: false\n  - id: sn_samlokalisering", "  - id: sn_samlokalisering", "budgetpaverkan"),
])
def test_a_malformed_uppdrag_names_its_id_and_field(catalog_copy, old, new, field):
    message = refused(catalog_copy, SN, old, new)
    assert "uppdrag 'sn_" in message and f"fält '{field}" in message, message


def test_a_delrapport_must_fall_on_a_meeting_of_the_nämnd(catalog_copy):
    message = refused(catalog_copy, SN, "- {datum: 2026-09-16, innehall:", "- {datum: 2026-09-17, innehall:")
    assert ("uppdrag 'sn_behalla_medarbetare': fält 'tidplan.delrapporter': 2026-09-17 är inget av nämndens "
            "sammanträden") in message


def test_a_date_beyond_the_calendar_is_accepted(catalog_copy):
    # The plan reaches 2027-12; a slutrapport in 2028 waits for next year's plan.
    _break(catalog_copy, SN, "      slutrapport: 2027-05-19\n", "      slutrapport: 2028-03-15\n")
    cat = load_catalog(catalog_copy)
    assert next(u for u in cat.uppdrag if u.id == "sn_behalla_medarbetare").tidplan.slutrapport.year == 2028


def test_uppdrag_ids_are_unique_across_the_plans(catalog_copy):
    message = refused(catalog_copy, SN, "  - id: sn_samlokalisering", "  - id: bun_unga_i_arbete")
    assert "uppdrag 'bun_unga_i_arbete': fält 'id': finns redan i" in message


@pytest.mark.parametrize("old, new, text", [
    ("    - {datum: 2026-02-18, handlingar_senast: 2026-02-06}",
     "    - {datum: 2026-02-18, handlingar_senast: 2026-02-20}", "handlingar_senast måste ligga före datum"),
    ("    - {datum: 2026-03-18, handlingar_senast: 2026-03-06}",
     "    - {datum: 2026-02-18, handlingar_senast: 2026-02-06}", "samma sammanträdesdatum"),
    ("    - {datum: 2026-02-18, handlingar_senast: 2026-02-06}",
     "    - {datum: 2026-02-18, handlingar_senast: 2026-02-06, valfard_namnder: [Socialnämnden]}", "valfard_namnder"),
])
def test_the_nämnd_calendar_is_validated_like_the_kf_calendar(catalog_copy, old, new, text):
    message = refused(catalog_copy, SN, old, new)
    assert "sammantraden" in message and text in message, message


def test_uppdrag_need_the_nämnds_sammanträdesplan(catalog_copy):
    path = catalog_copy / "namnder" / SN
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("\n# Nämndens sammanträdesplan")] + "\n", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(catalog_copy)
    assert str(err.value).startswith(str(path)) and "fält 'sammantraden': saknas" in str(err.value)


def test_a_slutrapport_before_the_start_says_so(catalog_copy):
    message = refused(catalog_copy, SN, "      slutrapport: 2027-05-19\n", "      slutrapport: 2026-01-01\n")
    assert "slutrapport måste ligga efter start" in message


def test_two_files_for_one_nämnd(catalog_copy):
    source = catalog_copy / "namnder" / SN
    copy = catalog_copy / "namnder" / "zz_socialnamnden.yaml"
    copy.write_text("namnd: Socialnämnden\nindicators: []\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=f"fält 'namnd': Socialnämnden har redan filen {source}"):
        load_catalog(catalog_copy)
