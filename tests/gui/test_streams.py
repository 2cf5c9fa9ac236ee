"""A network stream in the real window: it plays, and when the sender drops it the window says
so and reconnects by itself, as for a camera; credentials never appear on screen or in the log."""

from __future__ import annotations

import logging


def test_a_dropped_stream_is_reconnected_and_its_password_never_shown(qtbot, make_window, helpers, stream_server, make_mpegts, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    data = make_mpegts(frames=150)
    stream_server.auth = "viewer:s3cret-pw"
    stream_server.live["live.ts"] = (data, len(data) // 2)
    url = stream_server.url("live.ts", "viewer:s3cret-pw")
    window = make_window(source=url)
    seen: list[tuple[str, str | None, str]] = []  # at each loss: message, reconnecting, banner
    window.sources.lost.connect(lambda info, message: seen.append((message, window.sources.reconnecting, window.banner.text())))
    reconnected: list[object] = []
    window.sources.reconnected.connect(reconnected.append)
    helpers.frames(qtbot, window, 3)
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=60_000)
    message, reconnecting, banner = seen[0]
    assert "was lost" in message and reconnecting == url and "Trying to reconnect" in banner
    qtbot.waitUntil(lambda: len(reconnected) >= 1, timeout=60_000)
    helpers.frames(qtbot, window, 2)
    assert stream_server.requests["live.ts"] >= 2
    shown = " ".join([window.banner.text(), window.statusBar().currentMessage(), window.controls.source_label.text(), window.status_source.text()])
    assert "s3cret" not in shown and "***@" in window.sources.info.name
    assert "s3cret" not in caplog.text
