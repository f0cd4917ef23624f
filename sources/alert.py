"""An alert to the operators' chat or mail gateway: one JSON POST `{"text": …}` to a webhook
(the shape Slack's and Teams' incoming webhooks and most gateways take).

A webhook's address is its secret (whoever has it can post), so errors name only the host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from sources.errors import SourceError

SOURCE = "larm"


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}"


def post_alert(url: str, text: str, *, timeout: float = 10.0, session: requests.Session | None = None) -> None:
    """POST the alert; SourceError (naming the host, never the whole address) when it is not
    taken (no answer, or a status other than 2xx)."""
    try:
        resp = (session or requests).post(url, json={"text": text}, timeout=timeout)
    except requests.RequestException as exc:
        raise SourceError(SOURCE, host_of(url), f"larmet kunde inte skickas: {type(exc).__name__}") from None
    if not 200 <= resp.status_code < 300:
        raise SourceError(SOURCE, host_of(url), f"larmet togs inte emot: HTTP {resp.status_code}",
                          status=resp.status_code)
