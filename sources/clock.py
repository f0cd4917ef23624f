"""The time the warehouse stamps on what it fetches and records.

`MALSTYRNING_NOW` (an ISO 8601 timestamp with offset, e.g. 2026-11-20T10:00:00+01:00) fixes
it, so tests and reproducible demos do not depend on the day they run: first_seen decides
which KF meeting a value is due at, and the bundled calendar is finite. Unset, it is the
real clock, which is what scheduled runs use.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

NOW_ENV = "MALSTYRNING_NOW"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def now() -> datetime:
    fixed = os.environ.get(NOW_ENV)
    if not fixed:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(fixed)
    except ValueError:
        raise ValueError(f"{NOW_ENV}={fixed!r} är ingen ISO 8601-tidpunkt (t.ex. 2026-11-20T10:00:00+01:00)") from None
    if value.tzinfo is None:
        raise ValueError(f"{NOW_ENV}={fixed!r} saknar tidszon (lägg till t.ex. +01:00)")
    return value.astimezone(timezone.utc)


def today() -> date:
    """The calendar day in Stockholm (KF meetings and paper deadlines are Stockholm days)."""
    return now().astimezone(STOCKHOLM).date()


def day_start(day: date) -> datetime:
    """The instant a Stockholm calendar day starts (as the SQL macro ind.stockholm_day_start)."""
    return datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM)
