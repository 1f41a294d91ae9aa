"""Slow reads off the UI thread, with their results back on it (after Picard's thread helper).

``Background.run(work, done)`` calls ``work()`` on a worker thread and ``done(result)`` on the
UI thread; ``work`` touches no widget, only services. A failure is shown the way ``attempt``
shows one (a known error as a message, a bug in the report dialog).

``Latest`` is for a stream of requests where only the newest matters, such as a search as you
type: one runs at a time, a new request replaces the one waiting, and the result of a request
that a newer one has overtaken is dropped, so the screen never goes back to older results.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from crm_desktop.errors import CrmError
from crm_desktop.gui.shared.errors import show_error

T = TypeVar("T")
Key = TypeVar("Key")
Result = TypeVar("Result")


class Background(QObject):
    _landed = Signal(int, object, bool)  # the task, its result or error, whether it failed
    _progressed = Signal(int, int, int)  # the task, how far, out of

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        # The callbacks stay here, on the UI thread: a worker holding the last reference to
        # a dialog would destroy it on the worker ("Timers cannot be stopped from another
        # thread"). The worker only sends the task's number back.
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None],
                                         Callable[[int, int], None] | None]] = {}
        self._next = 0
        # Emitted on a worker, received here on the UI thread (a queued connection).
        self._landed.connect(self._deliver)
        self._progressed.connect(self._report)

    def run(self, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[Exception], None] | None = None) -> None:
        """``failed`` (on the UI thread) replaces the error dialog, e.g. to recover first.
        ``work`` should hold no widget: it is released on the worker."""
        self.run_with_progress(lambda _report: work(), done, failed)

    def run_with_progress(self, work: Callable[[Callable[[int, int], None]], T],
                          done: Callable[[T], None],
                          failed: Callable[[Exception], None] | None = None,
                          progress: Callable[[int, int], None] | None = None) -> None:
        """Like ``run``; ``work`` is handed a ``report(done, total)`` it may call from the
        worker, and ``progress`` receives each report on the UI thread."""
        self._next += 1
        number = self._next
        self._callbacks[number] = (done, failed or _show, progress)
        landed, progressed = self._landed, self._progressed

        def report(so_far: int, total: int) -> None:
            progressed.emit(number, so_far, total)

        def task() -> None:
            try:
                result = work(report)
            except Exception as exc:  # handled on the UI thread, never lost on the worker
                landed.emit(number, exc, True)
            else:
                landed.emit(number, result, False)

        self._pool.start(task)

    def run_modal(self, parent: QWidget, label: str,
                  work: Callable[[Callable[[int, int], None]], T], done: Callable[[T], None],
                  failed: Callable[[Exception], None]) -> None:
        """Run ``work`` behind a window-modal progress dialog saying ``label`` (shown if it
        takes more than a moment), closed before ``done`` or ``failed`` is called."""
        progress = QProgressDialog(label, "", 0, 0, parent)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)

        def finished(result: T) -> None:
            progress.close()
            done(result)

        def refused(exc: Exception) -> None:
            progress.close()
            failed(exc)

        def report(so_far: int, total: int) -> None:
            progress.setMaximum(total)
            progress.setValue(so_far)

        self.run_with_progress(work, finished, refused, report)

    def write_file(self, parent: QWidget, label: str, target: Path, *,
                   work: Callable[[Callable[[int, int], None]], T],
                   done: Callable[[T], None]) -> None:
        """Write ``target`` on a worker behind a progress dialog (``run_modal``); a failure
        to write is told in words naming the file (a full disk, a folder gone)."""

        def failed(exc: Exception) -> None:
            if isinstance(exc, OSError):
                exc = CrmError(f"Could not write {target.name}: {exc.strerror or exc}.")
            show_error(parent, exc)

        self.run_modal(parent, label, work, done, failed)

    def wait(self) -> None:
        """Block until every started task has finished and delivered (at shutdown, in
        tests)."""
        self._pool.waitForDone()
        QCoreApplication.sendPostedEvents(self)

    def _deliver(self, number: int, argument: Any, failed: bool) -> None:
        done, on_failure, _progress = self._callbacks.pop(number)
        if failed:
            on_failure(argument)
        else:
            done(argument)

    def _report(self, number: int, so_far: int, total: int) -> None:
        callbacks = self._callbacks.get(number)
        if callbacks is not None and callbacks[2] is not None:
            callbacks[2](so_far, total)


def _show(exc: Exception) -> None:
    show_error(None, exc)


class Latest(Generic[Key, Result]):
    """Only the newest request of a stream is worked on and shown."""

    def __init__(self, background: Background, work: Callable[[Key], Result],
                 done: Callable[[Result], None],
                 failed: Callable[[Exception], None] = _show) -> None:
        self._background = background
        self._work = work
        self._done = done
        self._on_failure = failed
        self._newest = 0  # the number of the newest request
        self._shown = 0  # the number of the request on screen (or cancelled up to)
        self._waiting: tuple[int, Key] | None = None
        self._running = False

    @property
    def pending(self) -> bool:
        """A request has been made whose result is not on screen yet."""
        return self._shown < self._newest

    def request(self, key: Key) -> None:
        self._newest += 1
        self._waiting = (self._newest, key)
        if not self._running:
            self._start()

    def cancel(self) -> None:
        """Forget what was asked: a result still on its way is dropped when it lands."""
        self._newest += 1
        self._shown = self._newest
        self._waiting = None

    def _start(self) -> None:
        assert self._waiting is not None
        number, key = self._waiting
        self._waiting = None
        self._running = True
        self._background.run(lambda: self._work(key),
                             lambda result: self._landed(number, result),
                             lambda exc: self._failed(number, exc))

    def _landed(self, number: int, result: Result) -> None:
        self._running = False
        if number == self._newest:
            self._shown = number
            self._done(result)
        self._next()

    def _failed(self, number: int, exc: Exception) -> None:
        self._running = False
        if number == self._newest:
            self._shown = number
            self._on_failure(exc)
        self._next()

    def _next(self) -> None:
        if self._waiting is not None:
            self._start()

