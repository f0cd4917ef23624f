"""The layers point one way (docs/architecture.md): sources → indicator_catalog → warehouse →
pipelines, and inside the warehouse core → loading per source → indicators → meetings →
publishing → presentation. A module may import only from its own layer or those before it;
imports inside functions count too. Dagster is imported only by pipelines/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["sources", "indicator_catalog", "warehouse", "pipelines"]
# Inside the warehouse: the rank of each package; equal ranks may not import each other
# (the sources' loaders are independent of one another).
WAREHOUSE = {"core": 0, "kolada": 1, "scb": 1, "af": 1, "files": 1, "indicators": 2, "meetings": 3, "goals": 3,
             "publishing": 4, "presentation": 5, "public": 5}


def _rank(module: str) -> tuple[int, int | None, str | None] | None:
    parts = module.split(".")
    if parts[0] not in LAYERS:
        return None
    if parts[0] == "warehouse" and len(parts) > 1 and parts[1] in WAREHOUSE:
        return LAYERS.index("warehouse"), WAREHOUSE[parts[1]], parts[1]
    return LAYERS.index(parts[0]), None, None


def imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from warehouse import db`: the package imported is warehouse.db
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def violations(root: Path) -> list[str]:
    bad = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            own = _rank(module)
            for line, name in imports(path):
                where = f"{path.relative_to(root)}:{line} imports {name}"
                if name.split(".")[0] == "dagster" or name.startswith("dagster_"):
                    if layer != "pipelines":
                        bad.append(f"{where} (Dagster only in pipelines/)")
                    continue
                other = _rank(name)
                if other is None:
                    continue
                if other[0] > own[0]:
                    bad.append(f"{where} ({layer} is below {LAYERS[other[0]]})")
                elif other[0] == own[0] and own[1] is not None and other[1] is not None and own[2] != other[2] \
                        and other[1] >= own[1]:
                    bad.append(f"{where} (warehouse.{own[2]} may not import warehouse.{other[2]})")
    return bad


def test_no_layer_imports_a_higher_one():
    assert violations(ROOT) == []


def test_every_warehouse_package_is_placed_in_a_layer():
    packages = {p.parent.name for p in (ROOT / "warehouse").glob("*/__init__.py")}
    assert packages == set(WAREHOUSE), "add the new package to WAREHOUSE (and docs/architecture.md)"


@pytest.mark.parametrize("module, line, expected", [
    ("warehouse/core/x.py", "from pipelines.refresh import Refresh", "warehouse is below pipelines"),
    ("sources/x.py", "import warehouse.core.db", "sources is below warehouse"),
    ("indicator_catalog/x.py", "def f():\n    from warehouse.core import db", "indicator_catalog is below warehouse"),
    ("warehouse/core/x.py", "from warehouse.meetings import log", "warehouse.core may not import warehouse.meetings"),
    ("warehouse/kolada/x.py", "from warehouse.scb import load", "warehouse.kolada may not import warehouse.scb"),
    ("warehouse/core/x.py", "import dagster as dg", "Dagster only in pipelines/"),
])
def test_the_rule_catches_an_import_upwards(tmp_path, module, line, expected):
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    for package in WAREHOUSE:
        (tmp_path / "warehouse" / package).mkdir()
    target = tmp_path / module
    target.write_text(line + "\n", encoding="utf-8")
    found = violations(tmp_path)
    assert len(found) == 1 and expected in found[0] and module in found[0]


def test_imports_downwards_are_allowed(tmp_path):
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "warehouse" / "meetings").mkdir()
    (tmp_path / "warehouse" / "meetings" / "x.py").write_text(
        "from warehouse.core import db\nfrom warehouse.indicators import catalog_tables\nfrom sources import clock\n"
        "from warehouse.meetings import log\n", encoding="utf-8")
    (tmp_path / "pipelines" / "x.py").write_text("import dagster\nfrom warehouse.presentation import text\n",
                                                 encoding="utf-8")
    assert violations(tmp_path) == []
