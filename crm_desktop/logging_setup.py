"""Log to a rotating file in the user's log folder (and to stderr for the command line)."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path


class QuietFileHandler(RotatingFileHandler):
    """A rotating log file that never makes things worse: when the disk is full or the folder
    has gone, a record is dropped instead of a traceback printed to stderr for every line.
    ``dropped`` counts what was lost, so the app can say so."""

    crm_desktop = True
    dropped = 0

    def handleError(self, record: logging.LogRecord) -> None:
        self.dropped += 1

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the last buffered line could not be written either
            self.dropped += 1


def configure_logging(log_file: Path, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    if any(getattr(h, "crm_desktop", False) for h in root.handlers):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = QuietFileHandler(log_file, maxBytes=2_000_000, backupCount=3,
                                   encoding="utf-8")
    except OSError:
        # No log folder (a read-only home, say): the app still runs, without a log file.
        fallback = logging.NullHandler()
        fallback.crm_desktop = True  # type: ignore[attr-defined]
        root.addHandler(fallback)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
