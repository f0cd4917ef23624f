"""Load the indicator catalog, KF calendar and settings into the cfg schema."""

from __future__ import annotations

import duckdb
import pandas as pd

from indicator_catalog.catalog import Catalog
from indicator_catalog.kf_goals import SURVEYS, Bedomningsregel
from warehouse.core.db import transaction


def indicator_rows(catalog: Catalog) -> pd.DataFrame:
    rows = []
    for ind in catalog.indicators:
        q = ind.query
        rows.append(
            {
                "indicator_id": ind.id,
                "namnd": ind.namnd,
                "name": ind.name,
                "malomrade": ind.malomrade,
                "indikator_kalla": ind.indikator_kalla,
                "source": ind.source,
                "series": getattr(q, "kpi", None) or getattr(q, "series", None),
                # SCB series pin their breakdown in the catalog's selection: 'T'.
                "breakdown": getattr(q, "gender", None) or getattr(q, "forvaltning", None)
                             or ("T" if hasattr(q, "series") else None),
                "region": catalog.region_for(ind),
                "unit": ind.unit,
                "decimals": ind.decimals,
                "direction": ind.direction,
                "onskat_varde": ind.onskat_varde,
                "target_year": ind.target_year,
                "tolerance": ind.tolerance,
                "uppdrag": ind.uppdrag,
                "budgetpaverkan": ind.budgetpaverkan,
                "indikator_kf": ind.indikator_kf,
                "frequency": ind.frequency,
                "report_revisions": ind.report_revisions,
                "note": ind.note,
                "catalog_file": ind.file.name,
                "niva": ind.niva,
                "malprecisering_id": ind.malprecisering,
                "enkat": ind.extras.enkat,
                "onskat_exempel": ind.target_example,
            }
        )
    return pd.DataFrame(rows)


def kf_goal_frames(catalog: Catalog) -> dict[str, pd.DataFrame]:
    """KF's goals as the cfg.kf_* tables' rows (empty when the catalog has no kf_mal.yaml)."""
    goals, precs, links, breaks = [], [], [], []
    doc = catalog.kf_goals
    for area in doc.malomraden if doc else []:
        for goal in area.strategiska_mal:
            goals.append({"mal_id": goal.id, "malomrade": area.malomrade, "text": goal.text,
                          "horisont": goal.horisont, "ordning": len(goals) + 1})
            for prec in goal.malpreciseringar:
                precs.append({"malprecisering_id": prec.id, "mal_id": goal.id, "text": prec.text,
                              "horisont": prec.horisont, "ordning": len(precs) + 1})
                links += [{"malprecisering_id": prec.id, "indicator_id": i} for i in prec.indikatorer]
    for i in catalog.indicators:
        old = i.extras.tidigare_definition
        if old:
            breaks.append({"indicator_id": i.id, "source": "kolada", "series": old.kpi,
                           "breakdown": i.query.gender, "region": catalog.region_for(i),
                           "to_period": old.till_period, "beskrivning": old.beskrivning})
    rule = doc.bedomning if doc else Bedomningsregel()
    return {
        "kf_strategiska_mal": pd.DataFrame(goals, columns=["mal_id", "malomrade", "text", "horisont", "ordning"]),
        "kf_malpreciseringar": pd.DataFrame(precs, columns=["malprecisering_id", "mal_id", "text", "horisont",
                                                            "ordning"]),
        "kf_malprecisering_indikatorer": pd.DataFrame(links, columns=["malprecisering_id", "indicator_id"]),
        "kf_series_breaks": pd.DataFrame(breaks, columns=["indicator_id", "source", "series", "breakdown", "region",
                                                          "to_period", "beskrivning"]),
        "kf_surveys": pd.DataFrame([{"enkat": k, **v} for k, v in SURVEYS.items()],
                                   columns=["enkat", "namn", "antal_svar", "svarsfrekvens"]),
        "kf_bedomning": pd.DataFrame([{**rule.model_dump(), "constructed": bool(doc and doc.constructed)}]),
    }


def unit_rows() -> pd.DataFrame:
    """Kommuner, regions and Riket with their names, from the lists shipped in sources/."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "sources"
    kommuner = pd.read_csv(root / "kommuner.csv", dtype=str).assign(typ="kommun")
    regioner = pd.read_csv(root / "regioner.csv", dtype=str)
    regioner["typ"] = ["riket" if k == "0000" else "region" for k in regioner["kod"]]
    return pd.concat([kommuner, regioner], ignore_index=True)


def uppdrag_frames(catalog: Catalog) -> dict[str, pd.DataFrame]:
    """The nämnder's sammanträdesplaner and uppdrag as the rows of their cfg tables."""
    meetings = [{"namnd": p.namnd, "meeting_date": m.datum, "paper_deadline": m.handlingar_senast, "note": m.note}
                for p in catalog.plans if p.calendar for m in p.calendar.meetings]
    uppdrag = [{"uppdrag_id": u.id, "namnd": u.namnd, "malomrade": u.malomrade, "rubrik": u.rubrik,
                "syfte": u.syfte, "forflyttning": u.forflyttning, "onskad_niva": u.onskad_niva,
                "ursprung": u.ursprung.typ, "ursprung_beskrivning": u.ursprung.beskrivning,
                "uppfoljning": u.uppfoljning.hur, "start_date": u.tidplan.start,
                "slutrapport": u.tidplan.slutrapport, "budgetpaverkan": u.budgetpaverkan,
                "exempel": u.exempel, "catalog_file": str(u.file)} for u in catalog.uppdrag]
    links = [{"uppdrag_id": u.id, "indicator_id": ident, "fran_ursprung": ident in u.ursprung.indikatorer}
             for u in catalog.uppdrag for ident in u.indikatorer]
    tidplan = [{"uppdrag_id": u.id, "meeting_date": d.datum, "slutrapport": False, "innehall": d.innehall}
               for u in catalog.uppdrag for d in u.tidplan.delrapporter]
    tidplan += [{"uppdrag_id": u.id, "meeting_date": u.tidplan.slutrapport, "slutrapport": True,
                 "innehall": "Slutrapport"} for u in catalog.uppdrag]
    return {"namnd_meetings": pd.DataFrame(meetings), "uppdrag": pd.DataFrame(uppdrag),
            "uppdrag_indikatorer": pd.DataFrame(links), "uppdrag_tidplan": pd.DataFrame(tidplan)}


def load_catalog_tables(conn: duckdb.DuckDBPyConnection, catalog: Catalog) -> dict[str, int]:
    """Replace cfg.indicators, cfg.kf_meetings, KF's goals (cfg.kf_*), the nämnder's meetings and
    uppdrag (cfg.namnd_meetings, cfg.uppdrag*) and cfg.settings in one transaction."""
    indicators = indicator_rows(catalog)
    goal_frames = {**kf_goal_frames(catalog), **uppdrag_frames(catalog), "enheter": unit_rows()}
    meetings = pd.DataFrame(
        [
            {"meeting_date": m.datum, "paper_deadline": m.handlingar_senast, "note": m.note}
            for m in catalog.calendar.meetings
        ]
    )
    turns = pd.DataFrame(
        [{"meeting_date": m.datum, "namnd": n} for m in catalog.calendar.meetings for n in m.valfard_namnder or []],
        columns=["meeting_date", "namnd"],
    )
    s = catalog.settings
    checks = pd.DataFrame(
        [{"indicator_id": i.id, "source": "kolada", "series": i.kolada_kontroll.kpi,
          "breakdown": i.kolada_kontroll.gender, "region": i.kolada_kontroll.municipality or s.kommun,
          "jamfor": i.kolada_kontroll.jamfor}
         for i in catalog.indicators if i.kolada_kontroll],
        columns=["indicator_id", "source", "series", "breakdown", "region", "jamfor"],
    )
    companions = pd.DataFrame(
        [{"indicator_id": i.id, "source": i.manadsvarde.source, "series": i.manadsvarde.series,
          "breakdown": i.manadsvarde.breakdown, "region": catalog.region_for(i), "label": i.manadsvarde.label}
         for i in catalog.indicators if i.manadsvarde],
        columns=["indicator_id", "source", "series", "breakdown", "region", "label"],
    )
    conn.register("incoming_checks", checks)
    conn.register("incoming_companions", companions)
    conn.register("incoming_indicators", indicators)
    conn.register("incoming_meetings", meetings)
    conn.register("incoming_turns", turns)
    try:
        with transaction(conn):
            conn.execute("DELETE FROM cfg.indicators")
            conn.execute("INSERT INTO cfg.indicators BY NAME SELECT * FROM incoming_indicators")
            conn.execute("DELETE FROM cfg.kf_meetings")
            conn.execute(
                "INSERT INTO cfg.kf_meetings SELECT CAST(meeting_date AS DATE), "
                "CAST(paper_deadline AS DATE), note FROM incoming_meetings"
            )
            conn.execute("DELETE FROM cfg.kf_valfard_turns")
            conn.execute("INSERT INTO cfg.kf_valfard_turns SELECT CAST(meeting_date AS DATE), namnd FROM incoming_turns")
            conn.execute("DELETE FROM cfg.kf_calendar")
            conn.execute("INSERT INTO cfg.kf_calendar VALUES (?)", [catalog.calendar.rolling])
            conn.execute("DELETE FROM cfg.kontroller")
            conn.execute("INSERT INTO cfg.kontroller BY NAME SELECT * FROM incoming_checks")
            conn.execute("DELETE FROM cfg.manadsvarden")
            conn.execute("INSERT INTO cfg.manadsvarden BY NAME SELECT * FROM incoming_companions")
            for table, frame in goal_frames.items():
                conn.execute(f"DELETE FROM cfg.{table}")
                if not frame.empty:
                    conn.register("incoming_goal_rows", frame)
                    try:
                        conn.execute(f"INSERT INTO cfg.{table} BY NAME SELECT * FROM incoming_goal_rows")
                    finally:
                        conn.unregister("incoming_goal_rows")
            conn.execute("DELETE FROM cfg.settings")
            conn.execute("INSERT INTO cfg.settings (kommun, kommun_namn, jamforelsegrupp, max_perioder_efter, "
                         "max_alder_manader) VALUES (?, ?, ?, ?, ?)",
                         [s.kommun, s.kommun_namn, s.jamforelsegrupp, s.max_perioder_efter, s.max_alder_manader])
    finally:
        conn.unregister("incoming_indicators")
        conn.unregister("incoming_meetings")
        conn.unregister("incoming_turns")
        conn.unregister("incoming_checks")
        conn.unregister("incoming_companions")
    return {"indicators": len(indicators), "meetings": len(meetings)}
