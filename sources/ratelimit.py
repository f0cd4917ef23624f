"""A host-wide sliding-window rate limiter, shared between processes through a file."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from filelock import FileLock

log = logging.getLogger(__name__)

RATELIMIT_DIR_ENV = "MALSTYRNING_RATELIMIT_DIR"
_EPSILON = 0.01  # wake just after the oldest call leaves the window, not just before it


class SharedRateLimiter:
    """At most `max_calls` calls per `window` seconds, counted across every process on the host.

    SCB allows 30 calls per 10 s per IP address. Dagster runs each run in its own process, so a
    limiter inside one process cannot see the calls the others make; the budget has to live
    outside them. The state file holds a JSON list of recent call timestamps, guarded by a
    `FileLock`. `acquire` drops timestamps older than the window and, if there is room, records
    the call; otherwise it releases the lock, sleeps until the oldest call leaves the window and
    tries again. The lock is never held while sleeping, so other processes are not stalled.
    """

    def __init__(self, path: str | os.PathLike, max_calls: int, window: float, *, clock=time.time, sleep=time.sleep):
        if max_calls < 1:
            raise ValueError(f"max_calls måste vara minst 1, fick {max_calls!r}")
        if not window > 0:
            raise ValueError(f"window måste vara större än 0 sekunder, fick {window!r}")
        self.path = Path(path)
        self.max_calls = max_calls
        self.window = float(window)
        self._clock = clock
        self._sleep = sleep
        self._lock = FileLock(str(self.path) + ".lock")
        self.last_call: float | None = None

    def acquire(self) -> float:
        """Block until a call is allowed, record it, and return the seconds spent waiting."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                calls = [t for t in self._read() if now - t < self.window]
                if len(calls) < self.max_calls:
                    calls.append(now)
                    self._write(calls)
                    self.last_call = now  # the time recorded in the shared file
                    return waited
                wait = self.window - (now - min(calls)) + _EPSILON
            log.info(
                "%s: väntar %.1f s för att hålla %d anrop per %g s",
                self.path.stem, wait, self.max_calls, self.window,
            )
            self._sleep(wait)
            waited += wait

    def _read(self) -> list[float]:
        # A missing, empty or damaged file only means we forget recent calls: never worth a crash.
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        return [float(t) for t in data if isinstance(t, (int, float)) and not isinstance(t, bool)]

    def _write(self, calls: list[float]) -> None:
        # Write then rename, so a process killed mid-write cannot leave a half-written file.
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(calls), encoding="utf-8")
        os.replace(tmp, self.path)


def default_state_path(name: str) -> Path:
    """<MALSTYRNING_RATELIMIT_DIR or the temp dir/malstyrning-ratelimit>/<name>.json, dir created."""
    directory = Path(os.environ.get(RATELIMIT_DIR_ENV) or Path(tempfile.gettempdir()) / "malstyrning-ratelimit")
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{name}.json"
