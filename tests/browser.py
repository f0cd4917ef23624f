"""Headless Chromium for tests: Debian's chromium, installed by the test when missing (the CI
machine starts without it), skipped with the reason only where it cannot be installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.debian import ensure

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         # Without these Chromium calls Google's hosts, which this machine's closed network refuses.
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """A port nothing on 127.0.0.1 listens on now (for a server or browser a test starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium() -> str:
    """Debian's chromium, installed here if missing (the CI machine starts without it)."""
    return ensure("chromium", lambda: shutil.which("chromium"))


def rendered_text(browser: str, url: str, profile: Path) -> str:
    """The page's visible text after the single-page app has fetched and rendered its data.

    --virtual-time-budget lets the page run until it goes idle (network and timers) up to
    the budget; the background-networking flags keep Chromium from calling Google's hosts,
    which this machine's closed network refuses."""
    cmd = [browser, *FLAGS, f"--user-data-dir={profile}", "--window-size=1600,2400",
           "--virtual-time-budget=20000", "--dump-dom", url]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", dom, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def screenshot(browser: str, url: str, png: Path, profile: Path, size: str = "1400,2000") -> Path:
    subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
                    f"--screenshot={png}", url], capture_output=True, timeout=120)
    return png
