"""Record mode writes what the server said; replay mode answers it back byte for byte."""

import json

import pytest
from werkzeug import Response

from sources.errors import RecordingMissing
from sources.http import build_session

XLSX = b"PK\x03\x04" + bytes(range(256)) * 4  # a binary body like an AF workbook


@pytest.mark.parametrize("body, ctype", [(XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                                         (json.dumps({"values": [1, 2]}).encode(), "application/json"),
                                         ("<a href='x-2026-08.xlsx'>å</a>".encode(), "text/html")])
def test_recorded_responses_replay_byte_for_byte(httpserver, tmp_path, body, ctype):
    httpserver.expect_request("/f").respond_with_response(Response(body, content_type=ctype))
    url = httpserver.url_for("/f")
    recorded = build_session(mode="record", recordings=tmp_path).get(url)
    assert recorded.content == body
    replayed = build_session(mode="replay", recordings=tmp_path).get(url)
    assert replayed.status_code == 200
    if ctype == "application/json":
        assert json.loads(replayed.content) == json.loads(body)
    else:
        assert replayed.content == body
        streamed = build_session(mode="replay", recordings=tmp_path).get(url, stream=True)
        assert b"".join(streamed.iter_content(100)) == body  # AF downloads read in chunks


def test_replay_without_a_recording_is_a_clear_error(tmp_path):
    with pytest.raises(RecordingMissing, match="ingen inspelning för GET"):
        build_session(mode="replay", recordings=tmp_path).get("https://example.invalid/x")
