"""SIE 4 (types 1, 2, 3, 4E and 4I) parser, hand-written (reference/ekonomi_hr.md §1.5: the
one published Python parser matches 0 of 163 #VER in the official test file).

The format is line-oriented: `#LABEL field …`, fields separated by spaces or tabs, strings
quoted or not, object lists in braces (`{1 "Nord" 6 "0001"}`, dimension/object pairs), and
#VER followed by a `{ … }` block of #TRANS/#RTRANS/#BTRANS. Amounts use '.' and debit is
positive. Unknown records are kept as warnings (the format grows); a line that cannot be
read is an error naming the file and line.

Speed matters (a large municipality's year is about 500,000 #TRANS lines), so transactions
are kept column-wise in plain lists and each line is tokenised by one compiled regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sources.gc_pause import paused_gc

# Swedish letters as bytes in each 8-bit encoding: the one whose letters occur more is the
# file's encoding (counted on bytes, which is fast even for a 25 MB export).
_SWEDISH = "åäöÅÄÖéÉüÜ"
_CP437_LETTERS = [c.encode("cp437") for c in _SWEDISH]
_LATIN1_LETTERS = [c.encode("latin-1") for c in _SWEDISH]
_ASCII = bytes(range(128))
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\{([^}]*)\}|(\S+)')
_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
_ESCAPE = re.compile(r"\\(.)")
# '#TRANS konto {objekt} belopp [rest]': one match per line on the hot path.
_DATE_TEXT = re.compile(r'(\d{8})(?:\s+"([^"\\]*)")?\s*$')
# The whole '#TRANS …' line in one match (the hot path: no strip, no split first).
_TRANS_LINE = re.compile(r'\s*#TRANS[ \t]+("(?:[^"\\]|\\.)*"|[^\s{]+)\s+\{([^}]*)\}\s+(-?\d+(?:\.\d+)?)'
                         r'(?:\s+(\d{8}))?(?:\s+"([^"\\]*)")?(?:\s+(-?\d+(?:\.\d+)?))?\s*$')
# '#VER serie vernr verdatum ["vertext"] …' in one match; anything unusual takes the general path.
_VER_LINE = re.compile(r'\s*#VER[ \t]+("[^"\\]*"|[^\s"]+)[ \t]+("[^"\\]*"|[^\s"]+)[ \t]+(\d{8})(?:[ \t]+"([^"\\]*)")?[ \t]*$')
_TRANS = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[^\s{]+)\s+\{([^}]*)\}\s+(-?\d+(?:\.\d+)?)(?:\s+(.*?))?\s*$')

RECORDS = {
    "#FLAGGA", "#FORMAT", "#SIETYP", "#PROGRAM", "#GEN", "#FNAMN", "#FNR", "#ORGNR", "#ADRESS",
    "#FTYP", "#VALUTA", "#KPTYP", "#RAR", "#TAXAR", "#BKOD", "#OMFATTN", "#PROSA", "#KONTO",
    "#KTYP", "#ENHET", "#SRU", "#DIM", "#UNDERDIM", "#OBJEKT", "#IB", "#UB", "#OIB", "#OUB",
    "#RES", "#PSALDO", "#PBUDGET", "#VER", "#TRANS", "#RTRANS", "#BTRANS", "#KSUMMA",
}


class SieError(ValueError):
    def __init__(self, path, line: int | None, message: str):
        self.path, self.line, self.message = str(path), line, message
        where = f"{path}, rad {line}" if line else str(path)
        super().__init__(f"{where}: {message}")


TRANSACTION_FIELDS = ("voucher", "kind", "account", "objects", "amount", "date", "text", "quantity")


class Transactions:
    """#TRANS/#RTRANS/#BTRANS rows (voucher index into SieFile.vouchers, kind TRANS/RTRANS/
    BTRANS, account, objects ((dim, code), …), amount, date, text, quantity).

    Kept as one tuple per row while parsing (one append per line is what keeps the parser
    fast); `columns()` and the attributes give them column-wise.
    """

    def __init__(self):
        self.rows: list[tuple] = []
        self._columns: dict[str, list] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def columns(self) -> dict[str, list]:
        if self._columns is None or len(self._columns["amount"]) != len(self.rows):
            cols = list(zip(*self.rows)) if self.rows else [() for _ in TRANSACTION_FIELDS]
            self._columns = {name: list(col) for name, col in zip(TRANSACTION_FIELDS, cols)}
        return self._columns

    def __getattr__(self, name):
        if name in TRANSACTION_FIELDS:
            return self.columns()[name]
        raise AttributeError(name)


@dataclass
class Voucher:
    series: str
    number: str
    date: date
    text: str | None
    line: int


@dataclass
class SieFile:
    path: str
    encoding: str
    sietyp: str | None = None          # '1', '2', '3', '4'; see `kind`
    format: str | None = None
    program: str | None = None
    fnamn: str | None = None
    orgnr: str | None = None
    kptyp: str | None = None
    years: dict[int, tuple[date, date]] = field(default_factory=dict)      # #RAR
    omfattn: date | None = None  # #OMFATTN: the date the balances of the file run to
    accounts: dict[str, str] = field(default_factory=dict)                 # #KONTO
    account_types: dict[str, str] = field(default_factory=dict)            # #KTYP T/S/K/I
    sru: dict[str, str] = field(default_factory=dict)
    dimensions: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # #DIM/#UNDERDIM
    objects: dict[tuple[str, str], str] = field(default_factory=dict)      # #OBJEKT
    # (record, year, account, objects) -> amount, for #IB #UB #OIB #OUB #RES
    balances: list[tuple[str, int, str, tuple, float]] = field(default_factory=list)
    # (record, year, period YYYYMM, account, objects, amount) for #PSALDO #PBUDGET
    periods: list[tuple[str, int, str, str, tuple, float]] = field(default_factory=list)
    vouchers: list[Voucher] = field(default_factory=list)
    transactions: Transactions = field(default_factory=Transactions)
    warnings: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """'1'–'3', '4E' (vouchers and balances) or '4I' (vouchers only, for import)."""
        if self.sietyp == "4":
            return "4E" if (self.balances or self.periods) else "4I"
        return self.sietyp or "?"


def decode(raw: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode a SIE file: UTF-8 if it is valid UTF-8, else CP437 (#FORMAT PC8, the standard)
    or Latin-1, whichever gives Swedish letters rather than box-drawing mojibake. A file saved
    as UTF-16 ("Unicode" in Notepad or Excel; with a byte order mark, or recognisable by its
    zero bytes) is read as UTF-16: its content is intact, only its encoding is not the
    standard's, which parse_bytes notes as a warning."""
    utf16 = _utf16(raw)
    if utf16:
        try:
            return raw.decode(utf16).lstrip("\ufeff"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SieError(path, None, f"filen ser ut att vara kodad som UTF-16 men kan inte läsas så ({exc.reason} "
                                       f"vid byte {exc.start}); exportera den som PC8 (CP437), som SIE anger") from None
    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    high = raw.translate(None, _ASCII)  # only the non-ASCII bytes: counting them is cheap
    cp437 = sum(high.count(b) for b in _CP437_LETTERS)
    latin1 = sum(high.count(b) for b in _LATIN1_LETTERS)
    if latin1 > cp437:
        # Windows-1252 is Latin-1 plus – € ’ … in 0x80–0x9F, which Latin-1 would turn into
        # invisible control characters; fall back to Latin-1 only for bytes cp1252 lacks.
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return raw.decode("latin-1"), "latin-1"
    return raw.decode("cp437"), "cp437"


def _utf16(raw: bytes) -> str | None:
    """'utf-16' (byte order mark), 'utf-16-le'/'utf-16-be' (no mark, zero bytes in every other
    position, as ASCII text in UTF-16 has) or None."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = raw[:4096]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):
        odd_zeros = head[1::2].count(0)
        return "utf-16-le" if odd_zeros >= head[0::2].count(0) else "utf-16-be"
    return None


def _fields(line: str, lineno: int, path) -> list:
    """Tokens of a record: str for a quoted or bare field, tuple for an object list."""
    out: list = []
    for m in _TOKEN.finditer(line):
        quoted, objlist, bare = m.groups()
        if bare is not None:
            out.append(bare)
        elif objlist is not None:
            out.append(_objects(objlist, lineno, path))
        else:
            out.append(_ESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted)
    return out


_OBJ_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s"]+)')


def _objects(text: str, lineno: int, path) -> tuple:
    if '"' in text and "\\" not in text:
        # The usual export: every item quoted. Splitting on quotes is several times faster
        # than the regex; the parts between the items must then be blank.
        parts = text.split('"')
        if len(parts) % 2 == 1 and not "".join(parts[0::2]).strip():
            items = parts[1::2]
            if len(items) % 2:
                raise SieError(path, lineno, "objektlistan har inte par av dimension och objekt")
            return tuple(zip(items[::2], items[1::2]))
    items = [q if q or not b else b for q, b in _OBJ_ITEM.findall(text)]
    if len(items) % 2:
        raise SieError(path, lineno, "objektlistan har inte par av dimension och objekt")
    return tuple(zip(items[::2], items[1::2]))


def _amount(token, lineno: int, path, what: str = "belopp") -> float:
    if not isinstance(token, str) or not _AMOUNT.fullmatch(token):
        raise SieError(path, lineno, f"{what} {token!r} är inte ett tal (t.ex. -1234.50)")
    return float(token)


def _date(token, lineno: int, path, what: str = "datum") -> date:
    if not isinstance(token, str) or len(token) != 8 or not token.isdigit():
        raise SieError(path, lineno, f"{what} {token!r} är inte ett datum ÅÅÅÅMMDD")
    try:
        return date(int(token[:4]), int(token[4:6]), int(token[6:]))
    except ValueError:
        raise SieError(path, lineno, f"{what} {token!r} finns inte i kalendern") from None


def parse_text(text: str, path: str | Path = "<text>", encoding: str = "utf-8") -> SieFile:
    # The parser allocates one tuple per transaction and frees nothing; the cyclic garbage
    # collector would rescan them over and over (about 15 % of the time on a large file).
    with paused_gc():
        return _parse(text, path, encoding)


def _parse(text: str, path, encoding: str) -> SieFile:
    sie = SieFile(path=str(path), encoding=encoding)
    if "\ufffd" in text:
        sie.warnings.append("filen innehåller U+FFFD (tecken som förstördes redan före exporten)")
    add = sie.transactions.rows.append
    trans_match = _TRANS.match
    date_text = _DATE_TEXT.match
    # Object lists and dates repeat endlessly in a year's vouchers: parse each text once.
    objects_cache: dict[str, tuple] = {"": ()}
    dates_cache: dict[str, date] = {}
    strings: dict[str, str] = {}
    in_block = False
    pending_ver = False
    current = -1
    lineno = 0
    trans_line = _TRANS_LINE.match
    ver_line = _VER_LINE.match
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = trans_line(line)
        if m is not None and in_block:
            # konto {objekt} belopp [transdat] ["transtext"] [kvantitet], all in one match.
            account, objlist, amount, d, text_, q = m.groups()
            objs = objects_cache.get(objlist)
            if objs is None:
                objs = objects_cache[objlist] = _objects(objlist, lineno, path) if objlist.strip() else ()
            day = None
            if d:
                day = dates_cache.get(d)
                if day is None:
                    day = dates_cache[d] = _date(d, lineno, path, "transdatum")
            # One string object per distinct account and text: memory, not speed (a year has
            # few accounts and texts repeat).
            account = strings.setdefault(account, account.strip('"'))
            if text_:
                text_ = strings.setdefault(text_, text_)
            add((current, "TRANS", account, objs, float(amount), day, text_, float(q) if q else None))
            continue
        if line == "}" and in_block:
            in_block = False
            continue
        if line == "{" and pending_ver:
            in_block, pending_ver = True, False
            continue
        if not in_block and not pending_ver:
            v = ver_line(line)
            if v is not None:
                series, number, d, vtext = v.groups()
                day = dates_cache.get(d)
                if day is None:
                    day = dates_cache[d] = _date(d, lineno, path, "verdatum")
                sie.vouchers.append(Voucher(series.strip('"'), number.strip('"'), day, vtext, lineno))
                pending_ver = True
                current = len(sie.vouchers) - 1
                continue
        s = line.strip()
        if not s:
            continue
        if s[0] != "#":
            if s == "{" and pending_ver:
                in_block, pending_ver = True, False
                continue
            if s == "}" and in_block:
                in_block = False
                continue
            raise SieError(path, lineno, "raden börjar inte med #ETIKETT")
        if s.startswith("#TRANS") and s[6:7] in (" ", "\t"):
            label, rest = "#TRANS", s[7:]
        else:
            label, _, rest = s.partition(" ")
            if "\t" in label:
                label, _, more = label.partition("\t")
                rest = more + " " + rest
            label = label.upper()
        if label in ("#TRANS", "#RTRANS", "#BTRANS"):
            if not in_block:
                raise SieError(path, lineno, f"{label} utanför ett #VER-block")
            m = trans_match(rest)
            if m is None:
                _bad_trans(label, rest, lineno, path)
            account, objlist, amount, more = m.groups()
            objs = objects_cache.get(objlist)
            if objs is None:
                objs = objects_cache[objlist] = _objects(objlist, lineno, path) if objlist.strip() else ()
            day = text_ = qty = None
            if more:
                day, text_, qty = _trans_tail(more, lineno, path, dates_cache, date_text)
            add((current, label[1:], account.strip('"'), objs, float(amount), day, text_, qty))
            continue
        if in_block:
            raise SieError(path, lineno, f"{label} inne i ett #VER-block (saknas '}}'?)")
        f = _fields(rest, lineno, path)
        _record(sie, label, f, lineno, path)
        if label == "#VER":
            pending_ver = True
            current = len(sie.vouchers) - 1
        elif pending_ver:
            raise SieError(path, lineno, "#VER följs inte av '{'")
    if in_block or pending_ver:
        raise SieError(path, lineno, "filen slutar inne i ett #VER-block (saknas '}')")
    return sie


def _trans_tail(more: str, lineno: int, path, dates_cache: dict, date_text) -> tuple:
    """[transdat] [transtext] [kvantitet] after the amount of a #TRANS line."""
    dm = date_text(more)
    if dm:  # the common 'YYYYMMDD "text"'
        d, text_ = dm.groups()
        qty_tok = ""
    else:
        extra = _fields(more, lineno, path)
        d = extra[0] if extra else ""
        text_ = extra[1] if len(extra) > 1 and isinstance(extra[1], str) else None
        qty_tok = extra[2] if len(extra) > 2 else ""
    day = None
    if d:
        day = dates_cache.get(d)
        if day is None:
            day = dates_cache[d] = _date(d, lineno, path, "transdatum")
    qty = _amount(qty_tok, lineno, path, "kvantitet") if qty_tok else None
    return day, text_, qty


def _bad_trans(label: str, rest: str, lineno: int, path) -> None:
    f = _fields(rest, lineno, path)
    if len(f) >= 2 and not isinstance(f[1], tuple):
        raise SieError(path, lineno, f"{label}: objektlista {{…}} saknas efter konto {f[0]}")
    if len(f) < 3:
        raise SieError(path, lineno, f"{label} behöver konto, objektlista och belopp")
    _amount(f[2], lineno, path)
    raise SieError(path, lineno, f"{label}: raden kan inte läsas")


def _need(f: list, n: int, label: str, lineno: int, path, what: str) -> None:
    if len(f) < n:
        raise SieError(path, lineno, f"{label} behöver {what}")


def _record(sie: SieFile, label: str, f: list, lineno: int, path) -> None:
    if label == "#KONTO":
        _need(f, 2, label, lineno, path, "kontonummer och namn")
        sie.accounts[f[0]] = " ".join(str(x) for x in f[1:])  # an unquoted name may hold spaces
    elif label == "#KTYP":
        _need(f, 2, label, lineno, path, "kontonummer och typ (T, S, K, I)")
        sie.account_types[f[0]] = f[1]
    elif label == "#SRU":
        _need(f, 2, label, lineno, path, "kontonummer och SRU-kod")
        sie.sru[f[0]] = f[1]
    elif label in ("#DIM", "#UNDERDIM"):
        _need(f, 2, label, lineno, path, "dimensionsnummer och namn")
        sie.dimensions[f[0]] = (f[1], f[2] if label == "#UNDERDIM" and len(f) > 2 else None)
    elif label == "#OBJEKT":
        _need(f, 3, label, lineno, path, "dimension, objektkod och namn")
        sie.objects[(f[0], f[1])] = f[2]
    elif label in ("#IB", "#UB", "#RES"):
        _need(f, 3, label, lineno, path, "årsnr, konto och saldo")
        sie.balances.append((label[1:], _year(f[0], lineno, path), f[1], (), _amount(f[2], lineno, path)))
    elif label in ("#OIB", "#OUB"):
        _need(f, 4, label, lineno, path, "årsnr, konto, objektlista och saldo")
        objs = f[2] if isinstance(f[2], tuple) else ()
        sie.balances.append((label[1:], _year(f[0], lineno, path), f[1], objs, _amount(f[3], lineno, path)))
    elif label in ("#PSALDO", "#PBUDGET"):
        _need(f, 5, label, lineno, path, "årsnr, period, konto, objektlista och saldo")
        period = f[1]
        if not (isinstance(period, str) and len(period) == 6 and period.isdigit() and 1 <= int(period[4:]) <= 12):
            raise SieError(path, lineno, f"{label}: period {period!r} är inte ÅÅÅÅMM")
        objs = f[3] if isinstance(f[3], tuple) else ()
        sie.periods.append((label[1:], _year(f[0], lineno, path), period, f[2], objs, _amount(f[4], lineno, path)))
    elif label == "#VER":
        _need(f, 3, label, lineno, path, "serie, verifikationsnummer och datum")
        text = f[3] if len(f) > 3 and isinstance(f[3], str) else None
        sie.vouchers.append(Voucher(str(f[0]), str(f[1]), _date(f[2], lineno, path, "verdatum"), text, lineno))
    elif label == "#RAR":
        _need(f, 1, label, lineno, path, "årsnr, start och slut")
        if all(x == "" for x in f[1:3]):
            # Import files (4I) may leave the dates empty ("" "") or out: no year is recorded,
            # and the financial series take it from the vouchers (warehouse/files/ekonomi.py).
            _year(f[0], lineno, path)
            sie.warnings.append(f"rad {lineno}: #RAR {f[0]} utan datum")
            return
        _need(f, 3, label, lineno, path, "årsnr, start och slut")
        sie.years[_year(f[0], lineno, path)] = (_date(f[1], lineno, path, "start"), _date(f[2], lineno, path, "slut"))
    elif label == "#OMFATTN":
        _need(f, 1, label, lineno, path, "datum")
        sie.omfattn = _date(f[0], lineno, path, "omfattning")
    elif label in ("#SIETYP", "#FORMAT", "#PROGRAM", "#FNAMN", "#ORGNR", "#KPTYP"):
        if f:
            setattr(sie, label[1:].lower(), f[0] if label != "#PROGRAM" else " ".join(map(str, f)))
    elif label not in RECORDS:
        sie.warnings.append(f"rad {lineno}: okänd post {label} ignorerad")


def _year(token, lineno: int, path) -> int:
    try:
        return int(token)
    except (TypeError, ValueError):
        raise SieError(path, lineno, f"årsnr {token!r} är inte ett heltal (0, -1, …)") from None


def parse_bytes(raw: bytes, path: str | Path = "<bytes>", encoding: str | None = None) -> SieFile:
    if encoding:
        return parse_text(raw.decode(encoding), path, encoding)
    return parse_decoded(*decode(raw, path), path)


def parse_decoded(text: str, used: str, path: str | Path = "<text>") -> SieFile:
    """Parse text that `decode` gave with the encoding it used (the inbox decodes a file once
    to scan it and parses the same text)."""
    if used != "utf-16":
        return parse_text(text, path, used)
    # Not the standard's encoding: say so, in the warnings and in any error.
    try:
        sie = parse_text(text, path, used)
    except SieError as exc:
        raise SieError(exc.path, exc.line, f"{exc.message} (filen är kodad som UTF-16, inte PC8/CP437 som SIE "
                                           "anger; exportera den som PC8)") from None
    sie.warnings.insert(0, "filen är kodad som UTF-16, inte PC8 (CP437) som SIE anger; läst ändå")
    return sie


def parse_file(path: str | Path, encoding: str | None = None) -> SieFile:
    """Read and parse a SIE file; `encoding` overrides the detection."""
    return parse_bytes(Path(path).read_bytes(), path, encoding)
