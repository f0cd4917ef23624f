"""A page in headless Chromium driven over the DevTools protocol (websockets, already installed
with Dagster): load a URL at a window size, run JavaScript, record every request the page
makes, take a screenshot. Enough for the site's tests without a browser-automation package."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import websockets

from tests.browser import FLAGS, free_port


class Page:
    def __init__(self, ws_url: str):
        self.ws_url = ws_url
        self.requests: list[str] = []

    async def _session(self, steps):
        async with websockets.connect(self.ws_url, max_size=100_000_000) as ws:
            counter = 0

            async def call(method, **params):
                nonlocal counter
                counter += 1
                mine = counter
                await ws.send(json.dumps({"id": mine, "method": method, "params": params}))
                while True:
                    msg = json.loads(await ws.recv())
                    if msg.get("method") == "Network.requestWillBeSent":
                        self.requests.append(msg["params"]["request"]["url"])
                    if msg.get("id") == mine:
                        if "error" in msg:
                            raise RuntimeError(f"{method}: {msg['error']}")
                        return msg.get("result", {})

            await call("Network.enable")
            await call("Page.enable")
            return await steps(call)

    def run(self, steps):
        return asyncio.run(self._session(steps))

    def open(self, url: str, width: int = 1280, height: int = 900, settle: float = 0.5) -> None:
        async def steps(call):
            await call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                       mobile=width < 600)
            await call("Page.navigate", url=url)
            for _ in range(100):
                state = await call("Runtime.evaluate", expression="document.readyState", returnByValue=True)
                if state["result"].get("value") == "complete":
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(settle)
        self.run(steps)

    def evaluate(self, expression: str, await_promise: bool = False):
        async def steps(call):
            out = await call("Runtime.evaluate", expression=expression, awaitPromise=await_promise,
                             returnByValue=True)
            if "exceptionDetails" in out:
                raise RuntimeError(out["exceptionDetails"].get("text", "JavaScript error"))
            return out["result"].get("value")
        return self.run(steps)

    def screenshot(self, png: Path) -> Path:
        async def steps(call):
            shot = await call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            png.write_bytes(base64.b64decode(shot["data"]))
            return png
        return self.run(steps)


@contextmanager
def browser_page(chromium: str):
    """One headless Chromium with one page; stopped on exit."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="cdp-profile-")
    proc = subprocess.Popen([chromium, *FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2))
                page = next(t for t in tabs if t["type"] == "page")
                break
            except (OSError, StopIteration):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield Page(page["webSocketDebuggerUrl"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
