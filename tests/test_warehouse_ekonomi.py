"""Financial series from the official SIE test files and the forecast export."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from indicator_catalog.ekonomi import DEFAULT, in_ranges, load_mapping
from sources.prognos import PrognosFileError, parse_prognos
from sources.sie import parse_file, parse_text
from warehouse.ekonomi import SieContentError, prognos_series, sie_series

SIE = Path(__file__).parent / "fixtures" / "sie"
NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)


def series(name, mapping=None):
    frame = sie_series(parse_file(SIE / name), mapping or load_mapping(), region="1882", fetched_at=NOW, sha="abc")
    return {(r.series, r.period): r.value for r in frame.itertuples()}


@pytest.mark.parametrize("name", ["transaktioner_ovnbolag.se", "periodsaldo_ovnbolag.se", "arsaldo_ovnbolag.se"])
def test_the_years_result_and_debt_ratio_agree_across_file_types(name):
    s = series(name)
    assert s[("arets_resultat", "2011")] == 277798.46
    sie = parse_file(SIE / name)
    assets = sum(a for k, y, acc, o, a in sie.balances if k == "UB" and y == 0 and acc[0] == "1")
    debts = sum(a for k, y, acc, o, a in sie.balances if k == "UB" and y == 0 and "2100" <= acc[:4] <= "2999")
    assert s[("skuldsattningsgrad", "2011")] == round(-debts / assets * 100, 2)


@pytest.mark.parametrize("name", ["transaktioner_ovnbolag.se", "periodsaldo_ovnbolag.se"])
def test_result_year_to_date_against_budget(name):
    s = series(name)
    # The period balances of December add up to the year's #RES; the budget is +800 000 (§1.4).
    assert s[("resultat_ack", "2011M12")] == 277798.46
    assert s[("budget_resultat_ack", "2011M12")] == 800000.00
    assert s[("resultat_mot_budget", "2011M12")] == round(277798.46 - 800000.00, 2)


def test_investments_year_to_date_from_vouchers_and_from_period_balances():
    for name in ("transaktioner_ovnbolag.se", "periodsaldo_ovnbolag.se"):
        s = series(name)
        assert s[("upparbetade_investeringar_kr", "2011M01")] == 0
        assert s[("upparbetade_investeringar_kr", "2011M02")] == 13960.00  # #TRANS 1221 on 15 Feb
        assert s[("upparbetade_investeringar_andel", "2011M12")] == pytest.approx(13960 / 100000 * 100)


def test_project_dimension_counts_only_transactions_with_a_project_object():
    m = load_mapping()
    with_projects = m.model_copy(update={"upparbetade_investeringar": m.upparbetade_investeringar.model_copy(update={"projekt_dimension": "6"})})
    assert series("transaktioner_ovnbolag.se", with_projects)[("upparbetade_investeringar_kr", "2011M12")] == 0


def test_broken_fiscal_year_is_refused():
    sie = parse_text('#FLAGGA 0\n#SIETYP 1\n#RAR 0 20240701 20250630\n#UB 0 1930 5\n', "x.se")
    with pytest.raises(SieContentError, match="räkenskapsåret 2024-07-01–2025-06-30 är inget kalenderår"):
        sie_series(sie, load_mapping(), region="1882", fetched_at=NOW, sha="x")


def test_mapping_ranges_and_errors(tmp_path):
    assert in_ranges("19301", ["1900-1999"]) and not in_ranges("2099", ["2100-2999"])
    bad = tmp_path / "ekonomi.yaml"
    bad.write_text(DEFAULT.read_text(encoding="utf-8").replace('"1000-1999"', '"10-19"'), encoding="utf-8")
    with pytest.raises(ValueError, match=r"fält 'skuldsattningsgrad.tillgangar'.*'10-19' är inget kontointervall"):
        load_mapping(bad)


PROGNOS = ("period;forvaltning;prognos_arets_resultat_mnkr;budget_arets_resultat_mnkr\n"
           "2025-08;Barn- och utbildningsförvaltningen;-3,2;0,5\n"
           "2025-08;Socialförvaltningen;1,0;1,0\n")


def test_forecast_per_förvaltning_and_for_the_kommun():
    frame = prognos_series(parse_prognos(PROGNOS.encode("cp1252"), "p.csv"), region="1882", fetched_at=NOW, sha="p")
    s = {(r.series, r.breakdown, r.period): r.value for r in frame.itertuples()}
    assert s[("prognos_avvikelse_mot_budget", "Barn- och utbildningsförvaltningen", "2025M08")] == -3.7
    assert s[("prognos_arets_resultat", "T", "2025M08")] == -2.2


@pytest.mark.parametrize("text, message", [
    (PROGNOS.replace("budget_arets_resultat_mnkr", "budget"), "kolumner saknas: budget_arets_resultat_mnkr"),
    (PROGNOS.replace("-3,2", "minus tre"), "rad 2, kolumn prognos_arets_resultat_mnkr: inte ett tal"),
    (PROGNOS.replace("2025-08;Soc", "2025-8;Soc"), "rad 3, kolumn period: inte en månad ÅÅÅÅ-MM"),
])
def test_bad_forecast_files_name_line_and_column(text, message):
    with pytest.raises(PrognosFileError, match=message):
        parse_prognos(text.encode(), "p.csv")


def test_rtrans_btrans_and_credits_do_not_count_as_investment_work():
    text = ('#FLAGGA 0\n#SIETYP 4\n#RAR 0 20250101 20251231\n#UB 0 1221 1\n'
            '#VER A 1 20250210 "Faktura"\n{\n#TRANS 1221 {} 1000\n#TRANS 2440 {} -1000\n}\n'
            '#VER A 2 20250312 "Rättad"\n{\n#RTRANS 1221 {} 500\n#TRANS 1221 {} 500\n#BTRANS 1221 {} 700\n#TRANS 2440 {} -500\n}\n'
            '#VER A 3 20250831 "Avskrivning"\n{\n#TRANS 1229 {} -300\n#TRANS 7832 {} 300\n}\n')
    frame = sie_series(parse_text(text, "x.se"), load_mapping(), region="1882", fetched_at=NOW, sha="x")
    s = {(r.series, r.period): r.value for r in frame.itertuples()}
    assert s[("upparbetade_investeringar_kr", "2025M03")] == 1500
    assert s[("upparbetade_investeringar_kr", "2025M08")] == 1500  # runs to the file's last month; depreciation not netted


# A CONSTRUCTED SIE 4I file (an import file: vouchers only) as some systems write them: #RAR 0
# with empty dates, and empty voucher series and numbers (reference/ekonomi_hr.md §1: "vernr
# may be empty or 0 in 4I").
SIE_4I = ('#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#PROGRAM "Konstruerat test" 1.0\n#GEN 20250401\n'
          '#FNAMN "Testkommun"\n#RAR 0 "" ""\n#KONTO 1221 "Inventarier"\n#KONTO 2440 "Leverantörsskulder"\n'
          '#VER "" "" 20250210 "Faktura"\n{\n#TRANS 1221 {} 1000\n#TRANS 2440 {} -1000\n}\n'
          '#VER "" "" DATUM2 "Faktura 2"\n{\n#TRANS 1221 {} 250\n#TRANS 2440 {} -250\n}\n')


@pytest.mark.parametrize("rar", ['#RAR 0 "" ""\n', "#RAR 0\n", ""])
def test_an_import_file_without_fiscal_year_dates_takes_the_year_from_its_vouchers(rar):
    text = SIE_4I.replace('#RAR 0 "" ""\n', rar).replace("DATUM2", "20250315")
    sie = parse_text(text, "import.si")
    assert sie.kind == "4I" and 0 not in sie.years
    frame = sie_series(sie, load_mapping(), region="1882", fetched_at=NOW, sha="x")
    s = {(r.series, r.period): r.value for r in frame.itertuples()}
    assert (s[("upparbetade_investeringar_kr", "2025M02")], s[("upparbetade_investeringar_kr", "2025M03")]) == (1000, 1250)
    # Vouchers in two years: the year cannot be told, and the message says why.
    two_years = text.replace("20250315", "20240315")
    with pytest.raises(SieContentError, match=r"import.si: #RAR 0 saknar datum.*2024, 2025"):
        sie_series(parse_text(two_years, "import.si"), load_mapping(), region="1882", fetched_at=NOW, sha="x")


def test_an_export_file_without_fiscal_year_is_still_refused():
    with pytest.raises(SieContentError, match=r"#RAR 0 \(räkenskapsåret\) saknas"):
        sie_series(parse_text('#FLAGGA 0\n#SIETYP 4\n#UB 0 1930 5\n', "x.se"), load_mapping(), region="1882",
                   fetched_at=NOW, sha="x")
