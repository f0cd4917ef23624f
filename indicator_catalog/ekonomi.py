"""The account mapping of the financial indicators (indicator_catalog/ekonomi.yaml)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

EKONOMI_ENV = "MALSTYRNING_EKONOMI_MAPPING"
DEFAULT = Path(__file__).parent / "ekonomi.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ranges(value: list[str]) -> list[str]:
    for r in value:
        if not re.fullmatch(r"\d{4}(-\d{4})?", str(r)):
            raise ValueError(f"{r!r} är inget kontointervall (t.ex. 1000-1999 eller 1930)")
    return [str(r) for r in value]


class Accounts(_Strict):
    tillgangar: list[str]
    skulder_och_avsattningar: list[str]
    _check = field_validator("tillgangar", "skulder_och_avsattningar")(_ranges)


class Investments(_Strict):
    konton: list[str]
    projekt_dimension: str | None = None
    budget_kr: dict[int, float] = Field(default_factory=dict)
    _check = field_validator("konton")(_ranges)


class Result(_Strict):
    konton: list[str]
    _check = field_validator("konton")(_ranges)


class EkonomiMapping(_Strict):
    constructed: bool = False
    skuldsattningsgrad: Accounts
    upparbetade_investeringar: Investments
    resultat: Result


def in_ranges(account: str, ranges: list[str]) -> bool:
    """Whether the account's first four digits (the BAS/Kommun-Bas account) fall in a range."""
    head = account[:4]
    for r in ranges:
        lo, _, hi = r.partition("-")
        if lo <= head <= (hi or lo):
            return True
    return False


def load_mapping(path: str | os.PathLike | None = None) -> EkonomiMapping:
    p = Path(path or os.environ.get(EKONOMI_ENV) or DEFAULT)
    try:
        return EkonomiMapping.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{p}: kan inte läsas ({exc})") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"{p}: fält '{'.'.join(map(str, err['loc']))}': {err['msg']}") from exc
