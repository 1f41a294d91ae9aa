"""The log file never makes a bad moment worse."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_desktop.logging_setup import QuietFileHandler, configure_logging


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    root.handlers = [h for h in before if not getattr(h, "crm_desktop", False)]
    yield
    for handler in root.handlers:
        if handler not in before:
            handler.close()
    root.handlers, root.level = before, level


def test_a_full_disk_drops_log_lines_quietly(root_handlers: None,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Path("/dev/full"))  # every write fails with "No space left on device"
    logging.getLogger("crm_desktop.test").warning("the shop is busy today")
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, QuietFileHandler))
    assert handler.dropped == 1
    assert capsys.readouterr().err == ""


def test_a_log_folder_that_cannot_be_made_leaves_the_app_running(
        root_handlers: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("")
    configure_logging(tmp_path / "file" / "log" / "crm.log")
    logging.getLogger("crm_desktop.test").warning("still running")
    assert capsys.readouterr().err == ""
