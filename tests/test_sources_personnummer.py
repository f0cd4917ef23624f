"""Personnummer found, masked and told apart from SIE amounts and organisation numbers."""

import pytest

from sources.personnummer import mask, personnummer_line


@pytest.mark.parametrize("text", ["19121212-1212", "121212-1212", "191212121212", "1212121212", "121212+1212",
                                  "lista 850312-1234.txt", "samordning 850372-1234", "x;20010101-0001;y"])
def test_personnummer_and_samordningsnummer_are_found_and_masked(text):
    assert personnummer_line(f"rubrik\n{text}\n") == 2
    masked = mask(text)
    assert "ÅÅMMDD-XXXX" in masked and not any(c.isdigit() for c in masked.replace("ÅÅMMDD-XXXX", ""))


@pytest.mark.parametrize("text", ["212000-1876", "556677-8899", "20110131", "2026-11-25", "12121-1212",
                                  "1912121212123", "121312-1212", "121292-1212", "121200-12"])
def test_organisation_numbers_dates_and_near_misses_are_not(text):
    # Org numbers have a "month" of 20 or more; 13 is no month; 92 no day (samordningsnummer
    # end at 91); too many or too few digits are something else.
    assert personnummer_line(text) is None and mask(text) == text


def test_in_sie_records_a_long_amount_is_no_personnummer_but_a_separated_or_quoted_one_is():
    amounts = '#UB 0 1110 1203011234.50\n#TRANS 1930 {} -1203011234 20110131\n#ORGNR 212000-1876\n'
    assert personnummer_line(amounts, sie=True) is None
    assert personnummer_line(amounts) == 1  # read as plain text the amount looks like one
    for line in ('#VER A 1 20110131 "Lön 1203011234"', '#VER A 1 20110131 "Lön 120301-1234"',
                 '#TRANS 7010 {7 "191203011234"} 100.00', '#TRANS 7010 {7 191203011234} 100.00',
                 '#OBJEKT 7 120301-1234 "Tolvan"'):
        assert personnummer_line(amounts + line + "\n", sie=True) == 4, line
    # A line that is not SIE syntax in a file taken for SIE is read as plain text.
    assert personnummer_line("#FLAGGA 0\n1203011234;Tolvan\n", sie=True) == 2
