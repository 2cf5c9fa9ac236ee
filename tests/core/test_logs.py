"""The log file: written where asked, moved when the GUI names its folder, and a folder that
cannot be written costs a warning, not the start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from featherface_app.core import paths
from featherface_app.logs import LOG_FILE_NAME, add_log_file, log_file_path, remove_log_file

log = logging.getLogger("featherface_app.test_logs")


@pytest.fixture(autouse=True)
def _no_log_file_after():
    yield
    remove_log_file()


def test_records_reach_the_file_and_it_moves_with_the_folder(tmp_path: Path) -> None:
    logging.getLogger().setLevel(logging.INFO)
    first = add_log_file(tmp_path / "one")
    assert first == (tmp_path / "one" / LOG_FILE_NAME).absolute() and log_file_path() == first
    log.info("into the first file")
    second = add_log_file(tmp_path / "two")
    log.info("into the second file")
    remove_log_file()
    assert log_file_path() is None
    assert "into the first file" in first.read_text(encoding="utf-8")
    text = second.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "into the second file" in text and "into the first file" not in text


def test_the_default_folder_is_the_user_data_folder(tmp_path: Path) -> None:
    paths.set_user_data_dir_provider(lambda: tmp_path / "user")
    try:
        assert add_log_file() == (tmp_path / "user" / "logs" / LOG_FILE_NAME).absolute()
    finally:
        paths.set_user_data_dir_provider(None)


def test_an_unwritable_folder_warns_on_stderr_and_logging_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("x")
    assert add_log_file(blocker / "logs") is None  # cannot create a folder inside a file (even as root)
    assert log_file_path() is None
    err = capsys.readouterr().err
    assert "warning: cannot write the log file" in err and "console only" in err
    log.error("still logged")  # no exception from the logging system
