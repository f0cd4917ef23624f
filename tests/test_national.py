"""National mode (settings omfattning: riket): the catalog's Kolada KPIs for every kommun,
region and Riket in one warehouse, a small integration run on the bundled recordings."""

import json
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs as load_defs
from tests.conftest import dump_value
from warehouse.core import db

RECORDINGS = Path(__file__).resolve().parents[1] / "sources" / "recordings" / "kolada"


def recorded(kpi: str, year: int) -> dict[str, float]:
    """Kommun -> value (gender T) straight from the national recordings, without the parser."""
    out = {}
    for path in sorted(RECORDINGS.glob(f"riket_{year}_*.json")):
        for row in json.loads(path.read_text(encoding="utf-8"))["response"]["body"]["values"]:
            for v in row["values"]:
                if row["kpi"] == kpi and v["gender"] == "T" and v["value"] is not None:
                    out[row["municipality"]] = v["value"]
    return out


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    path = tmp_path_factory.mktemp("riket") / "wh.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MALSTYRNING_DUCKDB", str(path))
        mp.setenv("MALSTYRNING_HTTP_MODE", "replay")
        mp.setenv("MALSTYRNING_OMFATTNING", "riket")
        mp.setenv("MALSTYRNING_NOW", "2026-11-25T10:00:00+01:00")
        defs = load_defs()
        for job, kwargs in (("kolada_job", {"partition_key": "2022"}), ("scb_job", {"partition_key": "2022"}),
                            ("indicators_job", {})):
            assert defs.resolve_job_def(job).execute_in_process(instance=dg.DagsterInstance.ephemeral(), **kwargs).success
        yield path, defs, mp


def test_every_kommun_region_and_riket_is_loaded(national):
    path, *_ = national
    conn = db.connect(path, read_only=True)
    (asked,), = conn.execute("SELECT municipalities FROM raw.kolada_fetches WHERE partition_key = '2022'").fetchall()
    regions = {r for (r,) in conn.execute(
        "SELECT DISTINCT region FROM stg.kolada_observations WHERE series = 'N01004' AND period = '2022'").fetchall()}
    conn.close()
    assert len(asked) == 312  # 290 kommuner, 21 regions, Riket
    # Nystartade arbetsställen has a figure for every unit in 2022 (gästnätter only for some).
    assert regions == set(recorded("N01004", 2022)) == set(asked)


def test_scb_folkmangd_for_every_unit_under_the_ids_kolada_uses(national):
    path, *_ = national
    conn = db.connect(path, read_only=True)
    scb = dict(conn.execute("SELECT region, value FROM stg.current_observations "
                            "WHERE series = 'folkmangd' AND period = '2022'").fetchall())
    kolada_units = {r for (r,) in conn.execute(
        "SELECT DISTINCT region FROM stg.kolada_observations WHERE series = 'N01004' AND period = '2022'").fetchall()}
    status = dict(conn.execute("SELECT region, aktuellt_varde FROM ind.indicator_status_riket "
                               "WHERE indicator_id = 'befolkningsutveckling'").fetchall())
    conn.close()
    # Riket 00 and the län (SCB's codes) stored as 0000, 0018: one id per unit across sources.
    assert set(scb) == kolada_units and len(scb) == 312
    assert scb["0000"] == dump_value("N01951", "0", 2022) and scb["1882"] == dump_value("N01951", "1882", 2022)
    assert status == scb


def test_the_kommuns_place_among_all_kommuner(national):
    path, *_ = national
    values = {k: v for k, v in recorded("N45850", 2022).items() if not k.startswith("00")}
    own = values["1882"]
    expected_rank = 1 + sum(1 for v in values.values() if v > own)  # higher is better, ties share
    conn = db.connect(path, read_only=True)
    (rank, ranked_of), = conn.execute(
        "SELECT rank, ranked_of FROM ind.peer_comparison WHERE indicator_id = 'gastnatter'").fetchall()
    conn.close()
    assert (rank, ranked_of) == (expected_rank, len(values))


def test_another_kommuns_table_comes_from_the_same_warehouse(national):
    path, defs, mp = national
    mp.setenv("MALSTYRNING_KOMMUN", "1880")  # Örebro: no new Kolada fetch, only the catalog
    mp.setenv("MALSTYRNING_DUCKDB", str(path))
    assert defs.resolve_job_def("indicators_job").execute_in_process(instance=dg.DagsterInstance.ephemeral()).success
    conn = db.connect(path, read_only=True)
    (value, region), = conn.execute(
        "SELECT aktuellt_varde, region FROM ind.indicator_status WHERE indicator_id = 'gastnatter'").fetchall()
    conn.close()
    assert region == "1880" and value == pytest.approx(recorded("N45850", 2022)["1880"])


def test_the_whole_country_status_has_every_unit_and_agrees_with_the_kommuns_own(national):
    path, *_ = national
    conn = db.connect(path, read_only=True)
    rows = dict(conn.execute(
        "SELECT region, aktuellt_varde FROM ind.indicator_status_riket WHERE indicator_id = 'gastnatter'").fetchall())
    own = conn.execute(
        "SELECT * EXCLUDE (first_seen, fetched_at) FROM ind.indicator_status ORDER BY indicator_id").fetchall()
    same = conn.execute(
        "SELECT * EXCLUDE (first_seen, fetched_at) FROM ind.indicator_status_riket s "
        "WHERE s.region = (SELECT kommun FROM cfg.settings) OR s.source NOT IN ('kolada', 'scb') "
        "ORDER BY indicator_id").fetchall()
    conn.close()
    assert rows == pytest.approx(recorded("N45850", 2022))  # every unit with the figure, as recorded
    assert own == same


def test_the_site_in_national_mode_has_any_kommuns_page(national, tmp_path):
    import re
    import time

    from tests.test_site import parsed
    from warehouse.presentation.site.build import build_site

    path, *_ = national
    conn = db.connect(path.with_name("wh.publicerad.duckdb"), read_only=True)
    started = time.monotonic()
    result = build_site(conn, tmp_path / "webb", replay=True, national=True)
    codes = {k for (k,) in conn.execute("SELECT kod FROM cfg.enheter WHERE typ = 'kommun'").fetchall()}
    kommuner = len(codes)
    conn.close()
    out = result.path
    assert len(list(out.glob("kommuner/[0-9]*.html"))) == kommuner == 290
    # Örebro's page shows its own recorded Gästnätter and its place among the kommuner.
    values = {k: v for k, v in recorded("N45850", 2022).items() if k in codes}  # kommuner, not regions
    page = (out / "kommuner" / "1880.html").read_text(encoding="utf-8")
    shown = re.search(r'gastnatter\.html">Gästnätter</a></th>\s*<td class="num">([^ <]+)', page).group(1)
    assert float(shown.replace(",", ".")) == pytest.approx(values["1880"], abs=0.005)
    from warehouse.presentation.format import round_shown

    # Places are given on the shown values (two decimals), ties sharing a place.
    better = sum(round_shown(v, 2) > round_shown(values["1880"], 2) + 1e-9 for v in values.values())
    assert f"{better + 1} av {len(values)}" in page
    ranked = (out / "jamforelse" / "gastnatter.html").read_text(encoding="utf-8")
    assert len(re.findall(r'href="\.\./kommuner/\d{4}\.html"', ranked)) == len(values)
    broken = [(p.name, t) for p in out.rglob("*.html") for t in parsed(p).links
              if not t.startswith("http") and not (p.parent / t.partition("#")[0]).resolve().exists()]
    assert not broken, broken[:5]
    from tests.test_site import browser_problems

    sample = [out / "kommuner" / "index.html", out / "kommuner" / "1880.html", out / "jamforelse" / "gastnatter.html"]
    assert not browser_problems(sample, out)
    print(f"national site: {result.pages} pages, {result.bytes / 1e6:.2f} MB, {time.monotonic() - started:.1f} s")
