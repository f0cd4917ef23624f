"""The public web site (warehouse/presentation/site): built from a published snapshot, every
page and link checked, no request to another host, the figures equal to the controller views,
a failed build leaving the last good site, and the pages in headless Chromium at desktop and
phone width with an automated accessibility check (axe-core from the npm registry)."""

import csv
import json
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from tests.browser import chromium
from tests.cdp import browser_page
from tests.test_cli import built  # noqa: F401 - the module-scoped replay warehouse
from warehouse.presentation.format import fmt_value
from warehouse.presentation.site.build import build_site

AXE_VERSION = "4.10.2"


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):  # noqa: F811
    snapshot = Path(built).with_name("wh.publicerad.duckdb")
    conn = duckdb.connect(str(snapshot), read_only=True)
    out = tmp_path_factory.mktemp("site") / "webb"
    result = build_site(conn, out, replay=True)
    yield out, result, conn
    conn.close()


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.resources, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for key in ("src", "href"):
            if tag in ("link", "script", "img", "iframe", "source", "object", "embed") and a.get(key):
                self.resources.append(a[key])


def parsed(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_page_exists_and_every_link_and_asset_resolves(site):
    out, result, conn = site
    n_ind = conn.execute("SELECT count(*) FROM ind.indicator_status WHERE niva = 'nämnd'").fetchall()[0][0]
    n_namnd = conn.execute("SELECT count(DISTINCT namnd) FROM ind.indicator_status WHERE niva = 'nämnd'").fetchall()[0][0]
    pages = sorted(out.rglob("*.html"))
    reports = list(out.glob("kf/KF_*.html"))  # the listed meetings that have something due
    assert reports and result.pages == len(pages) == 1 + 5 + n_namnd + n_ind + 2 + len(reports)
    broken, foreign = [], []
    for page in pages:
        p = parsed(page)
        for target in p.links + p.resources:
            if re.match(r"https?:", target):
                continue  # a link to a source's own page is followed by the reader, never loaded
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists() or (anchor and anchor not in parsed(file).ids):
                broken.append((page.relative_to(out), target))
        foreign += [(page.relative_to(out), r) for r in p.resources if re.match(r"(https?:)?//", r)]
    assert not broken and not foreign, (broken, foreign)


def test_an_indicator_page_shows_the_controller_views_figures(site):
    out, _, conn = site
    rows = conn.execute('SELECT "Indikator-id", "Aktuellt värde", "Period", decimals FROM rapport.indikatorer '
                        "JOIN cfg.indicators i ON i.indicator_id = \"Indikator-id\" WHERE \"Nivå\" = 'nämnd'").fetchall()
    assert rows
    for ident, value, period, decimals in rows:
        html = (out / "indikator" / f"{ident}.html").read_text(encoding="utf-8")
        facts = re.search(r"<dt>Aktuellt värde</dt><dd>(.*?)</dd>", html, re.S).group(1)
        if value is None:
            assert facts.startswith("–")
            continue
        assert facts.startswith(fmt_value(value, decimals, typographic=True)), (ident, facts)
        with open(out / "indikator" / f"{ident}.csv", encoding="utf-8") as f:
            data = list(csv.DictReader(f, delimiter=";"))
        series = dict(conn.execute('SELECT "Period", "Värde" FROM rapport.serier WHERE "Indikator-id" = ? '
                                   'AND "Kommun" = (SELECT kommun FROM cfg.settings)', [ident]).fetchall())
        assert data and data[-1]["period"] == period
        for row in data:
            assert float(row["varde"]) == pytest.approx(series[row["period"]], abs=10 ** -decimals / 2 + 1e-9)


def test_a_failed_build_leaves_the_last_good_site(site, monkeypatch, tmp_path):
    out, _, conn = site
    copy = tmp_path / "webb"
    shutil.copytree(out, copy)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    from warehouse.presentation.site import build

    def broken(*a, **k):
        raise RuntimeError("diagrammet kunde inte ritas")

    monkeypatch.setattr(build.charts, "svg", broken)
    with pytest.raises(RuntimeError):
        build_site(conn, copy, replay=True)
    after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert after == before


def axe_source() -> str:
    """axe-core from the npm registry, installed once per machine into a cache folder."""
    if shutil.which("npm") is None:
        pytest.skip("npm saknas: axe-core kan inte installeras")
    cache = Path(tempfile.gettempdir()) / f"malstyrning-axe-{AXE_VERSION}"
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    with FileLock(str(cache) + ".lock", timeout=600):
        if not script.exists():
            cache.mkdir(exist_ok=True)
            r = subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund",
                                f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                pytest.skip(f"axe-core kunde inte installeras: {r.stderr.strip()[-300:]}")
    return script.read_text(encoding="utf-8")


def browser_problems(pages: list[Path], root: Path) -> dict:
    """Per page opened in Chromium: serious or critical axe-core violations (WCAG 2.1 A/AA) and
    requests beyond the page's own files; only pages with a problem are returned."""
    axe = axe_source()
    problems = {}
    with browser_page(chromium()) as page:
        for html in pages:
            page.requests.clear()
            page.open(html.as_uri())
            page.evaluate(axe)
            result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: "
                                   "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
                                   ".then(r => JSON.stringify(r.violations.map(v => "
                                   "({id: v.id, impact: v.impact, n: v.nodes.length}))))", await_promise=True)
            serious = [v for v in json.loads(result) if v["impact"] in ("serious", "critical")]
            foreign = [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))]
            if serious or foreign:
                problems[str(html.relative_to(root))] = (serious, foreign)
    return problems


def test_every_page_in_chromium_no_foreign_request_no_serious_accessibility_violation(site, tmp_path):
    out, _, _ = site
    problems = browser_problems(sorted(out.rglob("*.html")), out)
    assert not problems, problems


@pytest.mark.parametrize("width", [1280, 390])
def test_the_pages_fit_desktop_and_phone_width(site, tmp_path, width):
    out, _, _ = site
    with browser_page(chromium()) as page:
        for name in ("index.html", "indikator/gastnatter.html", "namnd/socialnamnden.html"):
            page.open((out / name).as_uri(), width=width, height=900)
            # The page itself never scrolls sideways; a wide table scrolls inside its own box.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (name, width, overflow)
            png = page.screenshot(tmp_path / f"{name.replace('/', '_')}_{width}.png")
            assert png.stat().st_size > 10_000


def test_the_dagster_asset_builds_the_site_from_the_published_snapshot(built, tmp_path, monkeypatch):  # noqa: F811
    import dagster as dg

    from pipelines.definitions import defs

    monkeypatch.setenv("MALSTYRNING_PUBLISHED", str(Path(built).with_name("wh.publicerad.duckdb")))
    monkeypatch.setenv("MALSTYRNING_WEBB", str(tmp_path / "webb"))
    result = defs().resolve_job_def("webb_job").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    meta = result.asset_materializations_for_node("pub__webb")[0].metadata
    assert meta["sidor"].value == len(list((tmp_path / "webb").rglob("*.html"))) > 10


def test_an_indicator_page_prints(site, tmp_path):
    import subprocess as sp

    from tests.browser import FLAGS

    out, _, _ = site
    pdf = tmp_path / "gastnatter.pdf"
    sp.run([chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", (out / "indikator" / "gastnatter.html").as_uri()], capture_output=True, timeout=120)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_a_kommun_without_kf_goals_and_without_data_still_gets_its_site(conn, tmp_path):
    # kf_mal.yaml is optional and a new warehouse has no values yet: every page is still written.
    result = build_site(conn, tmp_path / "webb")
    out = result.path
    assert (out / "index.html").exists() and len(list(out.glob("malomrade/*.html"))) == 5
    assert "Fullmäktige har inga mål inlagda" in (out / "malomrade" / "valfard.html").read_text(encoding="utf-8")
    assert "Det finns ännu inget värde" in (out / "indikator" / "gastnatter.html").read_text(encoding="utf-8")
    for page in out.rglob("*.html"):
        for target in parsed(page).links:
            assert target.startswith("http") or (page.parent / target.partition("#")[0]).resolve().exists()
