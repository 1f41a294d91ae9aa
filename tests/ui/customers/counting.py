"""A stand-in for the app's worker where a test decides when the work runs."""

from __future__ import annotations

from typing import Any


class Later:
    """The app's worker, run when the test says: what a count returns arrives then."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Any, Any, Any]] = []

    def __call__(self, work: Any, done: Any, failed: Any) -> None:
        self.waiting.append((work, done, failed))

    def run(self) -> None:
        waiting, self.waiting = self.waiting, []
        for work, done, _failed in waiting:
            done(work())
