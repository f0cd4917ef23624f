"""The HR export contract: aggregates accepted, person-level files refused without echoing data."""

import pytest

from sources.hr import HrContract, HrFileError, parse_hr

HEADER = ("period;forvaltning;ordinarie_arbetstid_timmar;sjuk_timmar_dag1_14;sjuk_timmar_dag15_59;"
          "sjuk_timmar_dag60plus;antal_tillsvidareanstallda_medel;avgangar_egen_begaran;avgangar_pension;"
          "avgangar_ovrigt;nyanstallda\n")


def test_aggregated_file_with_swedish_number_format():
    raw = (HEADER + "2025-01;Barn- och utbildningsförvaltningen;41 250,5;1 020;410;980,25;262;2;1;0;3\n"
           "2025-01;Kultur- och teknikförvaltningen;12 400;310;95;120;78;0;0;1;0\n").encode("cp1252")
    hr = parse_hr(raw, "hr_2025-01.csv")
    assert len(hr.frame) == 2
    row = hr.frame.iloc[0]
    assert row["forvaltning"] == "Barn- och utbildningsförvaltningen"
    assert row["ordinarie_arbetstid_timmar"] == 41250.5 and row["sjuk_timmar_dag60plus"] == 980.25


@pytest.mark.parametrize("cell", ["19850312-1234", "850312-1234", "198503121234", "8503121234"])
def test_personnummer_anywhere_refuses_the_file_without_repeating_it(cell):
    raw = (HEADER + f"2025-01;{cell};100;1;1;1;1;0;0;0;0\n").encode()
    with pytest.raises(HrFileError) as err:
        parse_hr(raw, "hr.csv")
    assert err.value.person_data and "rad 2" in str(err.value) and cell not in str(err.value)


@pytest.mark.parametrize("column", ["anstallningsnummer", "medarbetare", "födelsedatum", "kommentar"])
def test_a_column_outside_the_contract_is_refused_as_possibly_personal(column):
    raw = (f"{column};" + HEADER.replace("\n", "") + "\nAnna Svensson;2025-01;BoU;100;1;1;1;1;0;0;0;0\n").encode()
    with pytest.raises(HrFileError, match="kolumner utanför kontraktet") as err:
        parse_hr(raw, "hr.csv")
    assert err.value.person_data and "Anna" not in str(err.value)


def test_one_row_per_person_is_refused_as_person_level():
    raw = (HEADER + "2025-01;BoU;160;8;0;0;1;0;0;0;0\n" * 3).encode()
    with pytest.raises(HrFileError, match="en rad per person") as err:
        parse_hr(raw, "hr.csv")
    assert err.value.person_data


def test_utf16_export_is_read_and_scanned():
    raw = (HEADER + "2025-01;19850312-1234;100;1;1;1;1;0;0;0;0\n").encode("utf-16")
    with pytest.raises(HrFileError, match="personnummer"):
        parse_hr(raw, "hr.csv")
    assert len(parse_hr((HEADER + "2025-01;BoU;100;1;1;1;20;0;0;0;0\n").encode("utf-16"), "hr.csv").frame) == 1


@pytest.mark.parametrize(
    "row, message",
    [("2025-13;BoU;100;1;1;1;1;0;0;0;0", "rad 2, kolumn period: inte en månad ÅÅÅÅ-MM"),
     ("2025-01;BoU;hundra;1;1;1;1;0;0;0;0", "rad 2, kolumn ordinarie_arbetstid_timmar: inte ett tal"),
     ("2025-01;BoU;100;1;1", "rad 2: 5 fält, rubriken har 11"),
     ("2025-01;BoU;100;-1;1;1;1;0;0;0;0", "negativt värde")],
)
def test_bad_rows_name_line_and_column(row, message):
    with pytest.raises(HrFileError, match=message) as err:
        parse_hr((HEADER + row + "\n").encode(), "hr.csv")
    assert not err.value.person_data
    assert "hundra" not in str(err.value)  # the cell itself is never repeated


def test_missing_columns_and_configurable_names():
    with pytest.raises(HrFileError, match="kolumner saknas: nyanstallda"):
        parse_hr(HEADER.replace(";nyanstallda", "").encode(), "hr.csv")
    contract = HrContract(period="manad", forvaltning="enhet")
    raw = (HEADER.replace("period;forvaltning", "manad;enhet") + "2025-02;BoU;100;1;1;1;1;0;0;0;0\n").encode()
    assert parse_hr(raw, "hr.csv", contract).frame.iloc[0]["period"] == "2025-02"


