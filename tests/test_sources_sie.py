"""The SIE 4 parser on the official SIE-gruppen test files, encodings and broken files."""

from collections import defaultdict
from pathlib import Path

import pytest

from sources.sie import SieError, decode, parse_file, parse_text

FIXTURES = Path(__file__).parent / "fixtures" / "sie"
OVNBOLAG = ["transaktioner_ovnbolag.se", "periodsaldo_ovnbolag.se", "objektsaldo_ovnbolag.se", "arsaldo_ovnbolag.se"]


def total(sie, record, *, year=0, first="0", last="9"):
    return round(sum(a for k, y, acc, _o, a in sie.balances if k == record and y == year and first <= acc[0] <= last), 2)


@pytest.mark.parametrize("name, kind", list(zip(OVNBOLAG, ["4E", "2", "3", "1"])))
def test_official_files_agree_with_the_check_values(name, kind):
    sie = parse_file(FIXTURES / name)
    assert sie.encoding == "cp437" and sie.kind == kind and sie.warnings == []
    assert sie.fnamn == "Övningsbolaget AB (Ekonomi 60)" and sie.orgnr == "5555555555"
    # reference/ekonomi_hr.md §1.4: årets resultat +277 798.46, UB class 1 and 2.
    assert total(sie, "RES", first="3", last="8") == -277798.46
    assert total(sie, "UB", first="1", last="1") == 5059296.14
    assert total(sie, "UB", first="2", last="2") == -3629819.53
    assert str(sie.years[0][0]) == "2011-01-01" and str(sie.years[-1][1]) == "2010-12-31"
    if kind in ("4E", "2", "3"):
        budget = sum(a for k, y, _p, acc, objs, a in sie.periods if k == "PBUDGET" and y == 0 and acc[0] in "345678" and not objs)
        assert round(budget, 2) == -800000.00


def test_vouchers_balance_and_agree_with_the_balances():
    sie = parse_file(FIXTURES / "transaktioner_ovnbolag.se")
    tx = sie.transactions
    assert len(sie.vouchers) == 163 and len(tx) == 671
    per_voucher = defaultdict(float)
    per_account = defaultdict(float)
    for v, acc, amount in zip(tx.voucher, tx.account, tx.amount):
        per_voucher[v] += amount
        per_account[acc] += amount
    assert len(per_voucher) == 163 and all(abs(s) < 0.005 for s in per_voucher.values())
    # The year's result from the vouchers equals #RES: −Σ #TRANS on classes 3–8.
    assert round(-sum(a for acc, a in per_account.items() if acc[0] in "345678"), 2) == 277798.46
    # Balance accounts: UB − IB = Σ #TRANS.
    ib = {acc: a for k, y, acc, _o, a in sie.balances if k == "IB" and y == 0}
    ub = {acc: a for k, y, acc, _o, a in sie.balances if k == "UB" and y == 0}
    for acc in set(ib) | set(ub):
        assert round(ub.get(acc, 0) - ib.get(acc, 0) - per_account.get(acc, 0), 2) == 0, acc


def test_object_lists_quoted_and_unquoted_and_optional_trans_fields():
    sie = parse_file(FIXTURES / "transaktioner_ovnbolag.se")
    tx = sie.transactions
    i = next(i for i, o in enumerate(tx.objects) if o == (("7", "1"),) and tx.text[i] == "Grossisten HB")
    assert tx.account[i] == "3051" and tx.amount[i] == 5440.00 and str(tx.date[i]) == "2011-03-31"
    assert sie.objects[("1", "Nord")] == "Kontor Nord" and sie.dimensions["6"] == ("Projekt", None)
    text = SIE_HEAD + '#VER A 1 20250115 "Faktura"\n{\n  #TRANS 1930 {1 Nord 6 0001} -100.5 20250115 "Text med \\"citat\\"" 2\n  #TRANS 4010 {} 100.5\n}\n'
    sie = parse_text(text)
    assert sie.transactions.objects[0] == (("1", "Nord"), ("6", "0001"))
    assert sie.transactions.text[0] == 'Text med "citat"' and sie.transactions.quantity[0] == 2.0
    assert sie.kind == "4I"


SIE_HEAD = '#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#FNAMN "Kommunen"\n#RAR 0 20250101 20251231\n#KONTO 1930 Bank konto\n'


def test_unquoted_account_names_and_unknown_records():
    sie = parse_text(SIE_HEAD + "#NYPOST 1 2 3\n#KONTO 4010 Inköp material och varor\n")
    assert sie.accounts["1930"] == "Bank konto" and sie.accounts["4010"] == "Inköp material och varor"
    assert sie.warnings == ["rad 7: okänd post #NYPOST ignorerad"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "cp437"])
def test_encoding_is_detected_without_mojibake(encoding):
    text = SIE_HEAD.replace("Kommunen", "Åsele kommun, förvaltning Ö") + "#KONTO 4010 Inköp\n"
    decoded, used = decode(text.encode(encoding))
    sie = parse_text(decoded, "x.se", used)
    assert used == encoding and sie.fnamn == "Åsele kommun, förvaltning Ö" and sie.accounts["4010"] == "Inköp"


def test_the_official_cp437_file_reencoded_reads_the_same():
    raw = (FIXTURES / "arsaldo_ovnbolag.se").read_bytes()
    original = parse_text(*decode(raw)[:1], "a.se")
    for enc in ("utf-8", "cp1252"):
        again = parse_text(decode(raw.decode("cp437").encode(enc))[0], "b.se")
        assert again.accounts == original.accounts and again.balances == original.balances


@pytest.mark.parametrize(
    "body, line, message",
    [
        ("#IB 0 1930 12,50\n", 7, "belopp '12,50' är inte ett tal"),
        ('#VER A 1 20250115\n{\n#TRANS 1930 -100\n}\n', 9, "objektlista {…} saknas efter konto 1930"),
        ("#TRANS 1930 {} 100\n", 7, "#TRANS utanför ett #VER-block"),
        ('#VER A 1 20250115\n{\n#TRANS 1930 {} 100\n', 9, "slutar inne i ett #VER-block"),
        ('#VER A 1 20251315 "x"\n', 7, "verdatum '20251315' finns inte i kalendern"),
        ("Detta är ingen SIE-rad\n", 7, "raden börjar inte med #ETIKETT"),
        ("#PSALDO 0 202513 3010 {} 5\n", 7, "period '202513' är inte ÅÅÅÅMM"),
        ('#OIB 0 1930 {1} 5\n', 7, "har inte par av dimension och objekt"),
    ],
)
def test_broken_lines_name_file_and_line(body, line, message):
    with pytest.raises(SieError, match=message) as err:
        parse_text(SIE_HEAD + body, "inkorg/bokslut.se")
    assert err.value.path == "inkorg/bokslut.se" and err.value.line == line
    assert str(err.value).startswith(f"inkorg/bokslut.se, rad {line}:")


def test_fast_and_general_paths_read_the_same():
    # The same vouchers written the usual way (fast path) and unusually (general path).
    usual = SIE_HEAD + '#VER "" "" 20250115 "Hyra"\n{\n\t#TRANS 1930 {"1" "Nord" "6" "P1"} -100.50 20250115 "Bank" 2\n\t#TRANS 4010 {} 100.50\n}\n'
    unusual = SIE_HEAD + '#ver  ""  ""\t20250115 "Hyra" 20250116\n{\n#TRANS 1930 {1 Nord 6 P1} -100.50 20250115 "Bank" 2\n#TRANS "4010" {} 100.50\n}\n'
    a, b = parse_text(usual), parse_text(unusual)
    assert a.transactions.rows == b.transactions.rows
    assert [(v.series, v.number, v.date, v.text) for v in a.vouchers] == [(v.series, v.number, v.date, v.text) for v in b.vouchers]
    assert a.transactions.objects[0] == (("1", "Nord"), ("6", "P1")) and a.transactions.quantity[0] == 2.0


def test_replacement_characters_from_an_earlier_export_are_warned_about():
    sie = parse_text(SIE_HEAD.replace("Kommunen", "F\ufffdrvaltningen"))
    assert sie.warnings and "U+FFFD" in sie.warnings[0]


@pytest.mark.parametrize("encoding, bom", [("utf-16", ""), ("utf-16-le", ""), ("utf-16-be", ""),
                                           ("utf-16-le", "\ufeff")])
def test_a_file_saved_as_utf16_is_read_and_the_encoding_named(encoding, bom):
    from sources.sie import parse_bytes

    original = parse_file(FIXTURES / "transaktioner_ovnbolag.se")
    text = (FIXTURES / "transaktioner_ovnbolag.se").read_bytes().decode("cp437")
    sie = parse_bytes((bom + text).encode(encoding), "u16.se")
    assert sie.encoding == "utf-16" and "UTF-16" in sie.warnings[0]
    assert (sie.fnamn, len(sie.vouchers), len(sie.transactions)) == (original.fnamn, len(original.vouchers),
                                                                     len(original.transactions))
    # An error in such a file says how it was read.
    with pytest.raises(SieError, match=r"u16.se, rad 2: .*kodad som UTF-16"):
        parse_bytes("#FLAGGA 0\nskräp\n".encode(encoding), "u16.se")
