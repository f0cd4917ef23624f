from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sources.ratelimit import SharedRateLimiter, default_state_path

REPO = Path(__file__).resolve().parents[1]


class FakeTime:
    """A clock that only moves when the limiter sleeps, so waits are exact and instant."""

    def __init__(self, start: float = 1_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_fourth_call_waits_for_the_window(tmp_path, caplog):
    fake = FakeTime()
    limiter = SharedRateLimiter(tmp_path / "scb.json", 3, 1.0, clock=fake.clock, sleep=fake.sleep)

    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert fake.sleeps == []

    with caplog.at_level(logging.INFO, logger="sources.ratelimit"):
        waited = limiter.acquire()

    assert waited == pytest.approx(1.0, abs=0.05)
    assert len(fake.sleeps) == 1 and fake.sleeps[0] == pytest.approx(1.0, abs=0.05)
    assert "väntar" in caplog.text
    # The three old calls have left the window, so only the new one is kept.
    assert json.loads((tmp_path / "scb.json").read_text()) == [fake.now]


def test_calls_spread_out_stay_free(tmp_path):
    fake = FakeTime()
    limiter = SharedRateLimiter(tmp_path / "scb.json", 3, 1.0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(10):
        assert limiter.acquire() == 0.0
        fake.now += 0.34  # just under 3 per second
    assert fake.sleeps == []


CHILD = textwrap.dedent(
    """
    import sys, time
    from sources.ratelimit import SharedRateLimiter

    state, out, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    limiter = SharedRateLimiter(state, 3, 1.0)
    time.sleep(max(0.0, start_at - time.time()))  # start both children together
    with open(out, "w") as f:
        for _ in range(4):
            limiter.acquire()
            # The time the limiter recorded under the lock, not a later clock read that a
            # busy CI machine could delay.
            f.write(repr(limiter.last_call) + "\\n")
            f.flush()
    """
)


def test_limit_holds_across_processes(tmp_path):
    state = tmp_path / "shared.json"
    outs = [tmp_path / f"child{i}.txt" for i in range(2)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    start_at = time.time() + 0.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(state), str(out), repr(start_at)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for out in outs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err

    times = sorted(float(line) for out in outs for line in out.read_text().split())
    assert len(times) == 8

    tolerance = 0.001
    for i, t in enumerate(times):
        in_window = [u for u in times[i:] if u - t < 1.0 - tolerance]
        assert len(in_window) <= 3, f"{len(in_window)} anrop inom 1 s från {t}: {times}"
    # Eight calls at three per second need more than two full windows.
    assert times[-1] - times[0] >= 2.0 - tolerance


@pytest.mark.parametrize("content", ["not json", "", "{\"a\": 1}", "[1, \"x\", null]"])
def test_corrupt_state_file_is_treated_as_empty(tmp_path, content):
    state = tmp_path / "scb.json"
    state.write_text(content)
    fake = FakeTime()
    limiter = SharedRateLimiter(state, 3, 1.0, clock=fake.clock, sleep=fake.sleep)

    assert limiter.acquire() == 0.0
    assert json.loads(state.read_text()) == [fake.now]


@pytest.mark.parametrize("max_calls, window", [(0, 1.0), (3, 0), (3, -1.0)])
def test_rejects_bad_arguments(tmp_path, max_calls, window):
    with pytest.raises(ValueError):
        SharedRateLimiter(tmp_path / "scb.json", max_calls, window)


def test_default_state_path_honours_env(monkeypatch, tmp_path):
    target = tmp_path / "limits" / "nested"
    monkeypatch.setenv("MALSTYRNING_RATELIMIT_DIR", str(target))

    path = default_state_path("scb")

    assert path == target / "scb.json"
    assert target.is_dir()


def test_default_state_path_falls_back_to_tempdir(monkeypatch, tmp_path):
    monkeypatch.delenv("MALSTYRNING_RATELIMIT_DIR", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    assert default_state_path("scb") == tmp_path / "malstyrning-ratelimit" / "scb.json"
