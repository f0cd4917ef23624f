"""Financial series from the official SIE test files and the forecast export."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from indicator_catalog.ekonomi import DEFAULT, in_ranges, load_mapping
from sources.prognos import PrognosFileError, parse_prognos
from sources.sie import parse_file, parse_text
from warehouse.files.ekonomi import SieContentError, prognos_series, sie_series

SIE = Path(__file__).parent / "fixtures" / "sie"
NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)


def series(name, mapping=None):
    frame = sie_series(parse_file(SIE / name), mapping or load_mapping(), region="1882", fetched_at=NOW, sha="abc")
    return {(r.series, r.period): r.value for r in frame.itertuples()}


# The official files hold actuals (vouchers, #PSALDO) for January–March 2011: their balances
# and year-to-date figures are at 31 March (issue 17), the file with year balances only (SIE 1)
# at the year's end.
@pytest.mark.parametrize("name, period", [("transaktioner_ovnbolag.se", "2011M03"), ("periodsaldo_ovnbolag.se", "2011M03"),
                                          ("arsaldo_ovnbolag.se", "2011")])
def test_the_years_result_and_debt_ratio_agree_across_file_types(name, period):
    s = series(name)
    assert s[("arets_resultat", period)] == 277798.46
    sie = parse_file(SIE / name)
    assets = sum(a for k, y, acc, o, a in sie.balances if k == "UB" and y == 0 and acc[0] == "1")
    debts = sum(a for k, y, acc, o, a in sie.balances if k == "UB" and y == 0 and "2100" <= acc[:4] <= "2999")
    assert s[("skuldsattningsgrad", period)] == round(-debts / assets * 100, 2)


@pytest.mark.parametrize("name", ["transaktioner_ovnbolag.se", "periodsaldo_ovnbolag.se"])
def test_result_year_to_date_against_budget(name):
    s = series(name)
    # The period balances of January–March add up to the #RES of the file; the budget is summed
    # over the same months (the year's is +800 000, §1.4, tests/test_sources_sie.py).
    sie = parse_file(SIE / name)
    budget_q1 = -sum(a for k, y, p, acc, objs, a in sie.periods
                     if k == "PBUDGET" and y == 0 and p <= "201103" and acc[0] in "345678" and not objs)
    assert 0 < budget_q1 < 800000
    assert s[("resultat_ack", "2011M03")] == 277798.46
    assert s[("budget_resultat_ack", "2011M03")] == round(budget_q1, 2)
    assert s[("resultat_mot_budget", "2011M03")] == round(277798.46 - budget_q1, 2)
    assert not any(p > "2011M03" for (_, p) in s)


def test_investments_year_to_date_from_vouchers_and_from_period_balances():
    for name in ("transaktioner_ovnbolag.se", "periodsaldo_ovnbolag.se"):
        s = series(name)
        assert s[("upparbetade_investeringar_kr", "2011M01")] == 0
        assert s[("upparbetade_investeringar_kr", "2011M02")] == 13960.00  # #TRANS 1221 on 15 Feb
        assert s[("upparbetade_investeringar_andel", "2011M03")] == pytest.approx(13960 / 100000 * 100)


def test_project_dimension_counts_only_transactions_with_a_project_object():
    m = load_mapping()
    with_projects = m.model_copy(update={"upparbetade_investeringar": m.upparbetade_investeringar.model_copy(update={"projekt_dimension": "6"})})
    assert series("transaktioner_ovnbolag.se", with_projects)[("upparbetade_investeringar_kr", "2011M03")] == 0


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


# CONSTRUCTED SIE 4E exports of a kommun's 2026, built to the SIE 4B format (issue 17):
# actuals (#PSALDO, vouchers) for January–March, #PBUDGET for all twelve months. The result is
# +12 000 a month against a budget of +10 000 a month.
HEAD = "#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#RAR 0 20260101 20261231\n"
PSALDO = "".join(f"#PSALDO 0 2026{m:02d} 3010 {{}} -52000.00\n#PSALDO 0 2026{m:02d} 5010 {{}} 40000.00\n"
                 for m in (1, 2, 3))
PBUDGET = "".join(f"#PBUDGET 0 2026{m:02d} 3010 {{}} -50000.00\n#PBUDGET 0 2026{m:02d} 5010 {{}} 40000.00\n"
                  for m in range(1, 13))
# Investment work of 100 000 in January and February on pågående nyanläggning (1180); in March
# the finished project is activated (1180 → 1110), and depreciation is booked (1119 / 7830).
INVESTMENTS = ('#VER A 1 20260115 "Entreprenad"\n{\n#TRANS 1180 {} 100000.00\n#TRANS 2440 {} -100000.00\n}\n'
               '#VER A 2 20260215 "Entreprenad"\n{\n#TRANS 1180 {} 100000.00\n#TRANS 2440 {} -100000.00\n}\n'
               '#VER A 3 20260331 "Aktivering"\n{\n#TRANS 1110 {} 200000.00\n#TRANS 1180 {} -200000.00\n}\n'
               '#VER A 4 20260331 "Avskrivning"\n{\n#TRANS 7830 {} 5000.00\n#TRANS 1119 {} -5000.00\n}\n')
# The same result booked as vouchers (for a file without #PSALDO).
RESULT_VOUCHERS = "".join(
    f'#VER B {m} 2026{m:02d}28 "Månadens resultat"\n{{\n#TRANS 3010 {{}} -52000.00\n#TRANS 5010 {{}} 40000.00\n'
    f'#TRANS 1930 {{}} 12000.00\n}}\n' for m in (1, 2, 3))


def constructed(body: str, **kw) -> dict:
    frame = sie_series(parse_text(HEAD + body, "k.se"), load_mapping(), region="1882", fetched_at=NOW, sha="k", **kw)
    return {(r.series, r.period): r.value for r in frame.itertuples()}


def test_month_series_end_at_the_last_month_with_actuals_and_compare_with_the_budget_to_then():
    s = constructed(PSALDO + PBUDGET + INVESTMENTS)
    months = sorted(p for (series, p) in s if series == "resultat_mot_budget")
    assert months == ["2026M01", "2026M02", "2026M03"]
    assert s[("resultat_ack", "2026M03")] == 36000 and s[("budget_resultat_ack", "2026M03")] == 30000
    assert s[("resultat_mot_budget", "2026M03")] == 6000  # not 36 000 − 120 000
    assert max(p for (series, p) in s if series == "upparbetade_investeringar_kr") == "2026M03"


def test_a_transfer_within_the_investment_accounts_is_not_new_work():
    s = constructed(PSALDO + PBUDGET + INVESTMENTS)
    assert [s[("upparbetade_investeringar_kr", f"2026M0{m}")] for m in (1, 2, 3)] == [100000, 200000, 200000]


def test_without_period_balances_the_result_comes_from_the_vouchers():
    s = constructed(PBUDGET + INVESTMENTS + RESULT_VOUCHERS)
    # March's depreciation voucher (7830, 5 000) is a cost too.
    assert [s[("resultat_ack", f"2026M0{m}")] for m in (1, 2, 3)] == [12000, 24000, 31000]
    assert s[("resultat_mot_budget", "2026M03")] == 1000
    assert ("resultat_ack", "2026M04") not in s


@pytest.mark.parametrize("actual_months, omfattn, frequency, period, end, status", [
    (4, None, "tertial", "2026T1", "2026-04-30", ""),
    (8, None, "tertial", "2026T2", "2026-08-31", ""),
    (6, None, "half_year", "2026H1", "2026-06-30", ""),
    (6, None, "tertial", "2026M06", "2026-06-30", ""),
    (4, None, "year", "2026M04", "2026-04-30", ""),
    (4, None, None, "2026M04", "2026-04-30", ""),  # no catalog indicator reads it: as for "year"
    (12, None, "tertial", "2026", "2026-12-31", ""),
    (3, "20260415", "tertial", "2026M04", "2026-04-30", "t.o.m. 2026-04-15"),
])
def test_balances_get_the_period_of_the_exports_closing_date(actual_months, omfattn, frequency, period, end, status):
    body = "".join(f"#PSALDO 0 2026{m:02d} 3010 {{}} -1.00\n" for m in range(1, actual_months + 1))
    body += (f"#OMFATTN {omfattn}\n" if omfattn else "") + "#UB 0 1110 1000.00\n#UB 0 2440 -400.00\n"
    kw = {"frequencies": {"skuldsattningsgrad": frequency}} if frequency else {}
    frame = sie_series(parse_text(HEAD + body, "k.se"), load_mapping(), region="1882", fetched_at=NOW, sha="k", **kw)
    row = frame[frame.series == "skuldsattningsgrad"].iloc[0]
    assert (row.period, str(row.period_end), row.status, row.value) == (period, end, status, 40.0)
