"""A deployment with several kommuner for tests and the benchmark: catalogs and a deployment file
(indicator_catalog/deployment.py) built from the bundled catalog.

The replayed recordings cover Askersund (1882) and the members of its comparison group G37333,
so the other kommuner are members of that group, and each borrows G37333 as its own comparison
group (a test construction: Kolada has a group of similar kommuner per kommun). Their catalogs
leave out the SCB indicators (the recordings have SCB's answers for Askersund only) and KF's
goals (constructed for Askersund), and follow different önskade värden, so each kommun's
catalog is its own.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GROUP_MEMBERS = ["1471", "0617", "0840", "1083", "1265", "2029", "2262"]  # G37333 in the recordings


def kommun_name(kod: str) -> str:
    with (ROOT / "sources" / "kommuner.csv").open(encoding="utf-8") as fh:
        return next(r["namn"] for r in csv.DictReader(fh) if r["kod"] == kod)


def make_catalog(target: Path, kod: str) -> Path:
    shutil.copytree(ROOT / "indicator_catalog", target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    if kod == "1882":
        return target
    settings = yaml.safe_load((target / "settings.yaml").read_text(encoding="utf-8"))
    settings.update(kommun=kod, kommun_namn=kommun_name(kod))
    (target / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    (target / "kf_mal.yaml").unlink()
    for path in (target / "namnder").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["indicators"] = [i for i in doc["indicators"] if i.get("source") != "scb"]
        for i in doc["indicators"]:
            if isinstance(i.get("onskat_varde"), (int, float)) and not isinstance(i["onskat_varde"], bool):
                i["onskat_varde"] = i["onskat_varde"] + 1  # another kommun, another önskat värde
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def make_deployment(root: Path, kommuner: list[str]) -> Path:
    """Catalogs under root/kataloger/<kod> and root/kommuner.yaml; returns the deployment file."""
    entries = []
    for kod in kommuner:
        make_catalog(root / "kataloger" / kod, kod)
        entries.append({"kod": kod, "katalog": f"kataloger/{kod}"})
    path = root / "kommuner.yaml"
    path.write_text(yaml.safe_dump({"offentlig": {"data": "offentlig/malstyrning.duckdb"}, "kommuner": entries},
                                   sort_keys=False), encoding="utf-8")
    return path
