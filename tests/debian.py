"""Debian packages a test needs (Chromium, PostgreSQL), installed by the test when missing: the CI
machine starts without them, and Debian's package registry is one it reaches."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Callable, TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")


def ensure(package: str, present: Callable[[], T | None]) -> T:
    """`present()` once `package` is installed (with apt-get if it is not); the test is skipped
    when it cannot be installed here (no apt-get, not root, or the install failed)."""
    found = present()
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(f"{package} saknas och kan inte installeras här (ingen apt-get eller inte root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    # Test workers run in parallel: one installs, the others wait for it (dpkg has one lock).
    with FileLock(os.path.join(tempfile.gettempdir(), f"malstyrning-{package}-install.lock"), timeout=1800):
        found = present()
        if found:
            return found
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:  # stale package lists on a fresh machine
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
            result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    found = present()
    if not found:
        pytest.skip(f"{package} kunde inte installeras: {result.stderr.strip()[-500:]}")
    return found
