"""Network streams through OpenCV's FFmpeg backend, against a real local HTTP server: files
served over HTTP, live streams that drop, refused connections, credentials kept out of messages."""

from __future__ import annotations

import logging

import pytest

from featherface_app.core.errors import SourceError
from featherface_app.core.sources import StreamSource, is_stream_url, open_source, redact_url


def read_all(source) -> int:
    frames = 0
    while source.read() is not None:
        frames += 1
    return frames


def test_an_http_video_plays_to_its_end_and_is_paced_as_a_file(stream_server, make_video) -> None:
    stream_server.files["clip.mp4"] = make_video("clip.mp4", frames=40, size=(160, 120)).read_bytes()
    source = open_source(stream_server.url("clip.mp4"))
    try:
        assert isinstance(source, StreamSource) and not source.live and source.fps == pytest.approx(25)
        assert read_all(source) == 40
    finally:
        source.close()


def test_a_refused_connection_says_why_and_keeps_both_slashes() -> None:
    with pytest.raises(SourceError) as caught:
        open_source("http://127.0.0.1:9/x.mp4")
    assert str(caught.value) == "Cannot open the stream http://127.0.0.1:9/x.mp4: Connection refused"


def test_a_missing_stream_says_not_found(stream_server) -> None:
    with pytest.raises(SourceError, match="404"):
        open_source(stream_server.url("nothing-here.ts"))


def test_credentials_never_reach_names_messages_or_logs(stream_server, make_video, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    stream_server.auth = "viewer:s3cret-pw"
    stream_server.files["clip.mp4"] = make_video("clip.mp4", frames=10, size=(160, 120)).read_bytes()
    source = open_source(stream_server.url("clip.mp4", "viewer:s3cret-pw"))
    try:
        assert source.name == stream_server.url("clip.mp4", "***")
        assert read_all(source) == 10
    finally:
        source.close()
    with pytest.raises(SourceError) as caught:
        open_source(stream_server.url("clip.mp4", "viewer:wrong-pw"))
    assert "401" in str(caught.value) and "wrong-pw" not in str(caught.value)
    assert "***@" in str(caught.value)
    assert "s3cret" not in caplog.text and "wrong-pw" not in caplog.text


def test_a_live_stream_that_drops_is_reported_lost(stream_server, make_mpegts) -> None:
    data = make_mpegts(frames=100)
    stream_server.live["live.ts"] = (data, len(data) // 2)
    source = open_source(stream_server.url("live.ts"))
    try:
        assert isinstance(source, StreamSource) and source.live
        frames = 0
        with pytest.raises(SourceError, match="was lost after frame"):
            while source.read() is not None:
                frames += 1
        assert 10 < frames < 100
    finally:
        source.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://admin:hunter2@10.0.0.5:554/stream1", "rtsp://***@10.0.0.5:554/stream1"),
        ("Cannot open http://u:p@h/x and https://a@b/c", "Cannot open http://***@h/x and https://***@b/c"),
        ("http://127.0.0.1:9/x.mp4", "http://127.0.0.1:9/x.mp4"),
        ("/home/me/clip.mp4", "/home/me/clip.mp4"),
    ],
)
def test_redact_url(text: str, expected: str) -> None:
    assert redact_url(text) == expected


def test_stream_urls_are_told_from_paths() -> None:
    assert is_stream_url("RTSP://cam/1") and is_stream_url("https://x/y.m3u8")
    assert not is_stream_url("/tmp/a://b.mp4") and not is_stream_url("camera:0")
    with pytest.raises(SourceError, match="Unsupported stream type 'gopher://'"):
        open_source("gopher://u:pw@host/x")


@pytest.mark.parametrize("url", ["rtsp://admin:pw1234@127.0.0.1:9/stream1", "https://127.0.0.1:9/live/index.m3u8"])
def test_rtsp_and_https_urls_are_streams_not_paths(url: str) -> None:
    with pytest.raises(SourceError) as caught:
        open_source(url)
    assert str(caught.value) == f"Cannot open the stream {redact_url(url)}: Connection refused"
    assert "pw1234" not in str(caught.value)
