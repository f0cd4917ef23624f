"""The shared session policy against a real local HTTP server (pytest-httpserver)."""

import time

import pytest
from werkzeug import Response

from sources.errors import SourceError
from sources.http import HttpPolicy, build_session, get_json

FAST = HttpPolicy(connect_timeout=2, read_timeout=0.5, retries=3, backoff_factor=0.01, max_retry_after=5)


def _sequence(httpserver, path, responses):
    """Serve `responses` in order for `path`; count the requests."""
    calls = []

    def handler(request):
        calls.append(request)
        item = responses[min(len(calls), len(responses)) - 1]
        # werkzeug Responses are callable WSGI apps, so test the type, not callable().
        return item if isinstance(item, Response) else item()

    httpserver.expect_request(path).respond_with_handler(handler)
    return calls


def test_retries_5xx_then_succeeds(httpserver):
    calls = _sequence(
        httpserver,
        "/x",
        [Response("oops", status=503), Response("bad gw", status=502), Response('{"values": []}', content_type="application/json")],
    )
    session = build_session(mode="live", policy=FAST)
    _, payload = get_json(session, httpserver.url_for("/x"), source="test")
    assert payload == {"values": []}
    assert len(calls) == 3


def test_429_waits_for_retry_after(httpserver):
    calls = _sequence(
        httpserver,
        "/x",
        [Response("slow down", status=429, headers={"Retry-After": "1"}), Response("{}", content_type="application/json")],
    )
    session = build_session(mode="live", policy=FAST)
    start = time.monotonic()
    get_json(session, httpserver.url_for("/x"), source="test")
    assert time.monotonic() - start >= 0.95
    assert len(calls) == 2


def test_retry_after_is_capped(httpserver):
    _sequence(
        httpserver,
        "/x",
        [Response("", status=429, headers={"Retry-After": "3600"}), Response("{}", content_type="application/json")],
    )
    policy = HttpPolicy(read_timeout=2, retries=2, backoff_factor=0.01, max_retry_after=0.5)
    start = time.monotonic()
    get_json(build_session(mode="live", policy=policy), httpserver.url_for("/x"), source="test")
    assert time.monotonic() - start < 3


def test_persistent_5xx_names_source_url_and_status(httpserver):
    calls = _sequence(httpserver, "/x", [Response("down", status=500)])
    url = httpserver.url_for("/x")
    with pytest.raises(SourceError) as err:
        get_json(build_session(mode="live", policy=FAST), url, source="kolada")
    assert err.value.source == "kolada" and err.value.url == url
    assert "HTTP 500" in str(err.value) and url in str(err.value)
    assert len(calls) == FAST.retries + 1


def test_html_with_status_200_is_refused(httpserver):
    httpserver.expect_request("/x").respond_with_data(
        "<html><body>Underhåll pågår</body></html>", content_type="text/html"
    )
    with pytest.raises(SourceError, match="svaret är HTML, inte JSON.*Underhåll"):
        get_json(build_session(mode="live", policy=FAST), httpserver.url_for("/x"), source="kolada")


def test_html_with_json_content_type_is_refused(httpserver):
    httpserver.expect_request("/x").respond_with_data("<!DOCTYPE html><p>error</p>", content_type="application/json")
    with pytest.raises(SourceError, match="HTML"):
        get_json(build_session(mode="live", policy=FAST), httpserver.url_for("/x"), source="kolada")


def test_truncated_json_is_refused(httpserver):
    httpserver.expect_request("/x").respond_with_data('{"values": [{"kpi": "N0', content_type="application/json")
    with pytest.raises(SourceError, match="ogiltig eller avkortad JSON"):
        get_json(build_session(mode="live", policy=FAST), httpserver.url_for("/x"), source="kolada")


def test_hanging_server_times_out_after_retries(httpserver):
    def slow():
        time.sleep(0.5)
        return Response("{}", content_type="application/json")

    calls = _sequence(httpserver, "/x", [slow])
    policy = HttpPolicy(connect_timeout=1, read_timeout=0.3, retries=1, backoff_factor=0.01)
    start = time.monotonic()
    with pytest.raises(SourceError, match="inget svar inom tidsgränsen"):
        get_json(build_session(mode="live", policy=policy), httpserver.url_for("/x"), source="kolada")
    assert time.monotonic() - start < 5
    # The test server handles one request at a time: the retry is read once the first
    # (slow) answer is done.
    time.sleep(1.2)
    assert len(calls) == 2  # first try + one retry


def test_session_always_sets_a_timeout(httpserver):
    session = build_session(mode="live")
    seen = {}
    original = session.get_adapter("http://").send

    def spy(request, **kwargs):
        seen["timeout"] = kwargs.get("timeout")
        return original(request, **kwargs)

    session.get_adapter("http://").send = spy
    httpserver.expect_request("/x").respond_with_data("{}", content_type="application/json")
    session.get(httpserver.url_for("/x"))
    assert seen["timeout"] == (10.0, 60.0)


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="MALSTYRNING_HTTP_MODE='offline'"):
        build_session(mode="offline")
