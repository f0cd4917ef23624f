"""Finding a nämnd or målområde in the catalog from part of its name, as people type it.

One place for the CLI's filters and the reports' nämnd: a filter that matches nothing is a
typo (the error lists what exists), never an empty list; a report for "soc" needs exactly one
nämnd (the error lists the candidates).
"""

from __future__ import annotations

import duckdb

FIELDS = {"namnd": ("nämnd", "nämnder", "ingen nämnd"), "malomrade": ("målområde", "målområden", "inget målområde")}


def matching(conn: duckdb.DuckDBPyConnection, field: str, text: str) -> list[str]:
    """The names of `field` (namnd or malomrade) in cfg.indicators containing `text`, any case."""
    if field not in FIELDS:
        raise ValueError(f"okänt fält {field!r}")
    return [v for (v,) in conn.execute(f"SELECT DISTINCT {field} FROM cfg.indicators WHERE {field} ILIKE ? "
                                       "ORDER BY 1", [f"%{text}%"]).fetchall()]


def require_match(conn: duckdb.DuckDBPyConnection, field: str, text: str | None) -> None:
    """Raise LookupError when `text` matches no name of `field`, listing the names there are."""
    if text and not matching(conn, field, text):
        known = matching(conn, field, "")
        raise LookupError(f"{FIELDS[field][2]} matchar {text!r} (finns: {', '.join(known)})")


def resolve_one(conn: duckdb.DuckDBPyConnection, field: str, text: str) -> str:
    """The one name of `field` containing `text`; LookupError naming the candidates otherwise."""
    names = matching(conn, field, text)
    if len(names) != 1:
        one, many, _ = FIELDS[field]
        raise LookupError(f"{one} {text!r} matchar {len(names)} {many}"
                          + (f" ({', '.join(names)})" if names else "") + "; ange en")
    return names[0]


def resolve_body(conn: duckdb.DuckDBPyConnection, text: str | None) -> str:
    """The body that meets, from what people type: 'KF' (the default, also for "kf" or part of
    KF's own name) or the one nämnd whose name contains `text`; as in ind.meetings."""
    if not text or text.strip().lower() == "kf":
        return "KF"
    kf = {v for (v,) in conn.execute("SELECT DISTINCT namnd FROM cfg.indicators WHERE niva = 'KF'").fetchall()}
    name = resolve_one(conn, "namnd", text)
    return "KF" if name in kf else name
