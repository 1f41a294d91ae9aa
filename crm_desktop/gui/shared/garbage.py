"""Python's cycle collector, run on the UI thread only.

The collector runs in whichever thread happens to allocate when a threshold is passed. A
worker reading a 100,000-row file passes many, and would then destroy the widgets and timers
of closed dialogs there, on the wrong thread (Qt: "Timers cannot be stopped from another
thread"), which can crash. So automatic collection is switched off, and a timer on the UI
thread collects whenever the thresholds say it is due (after Picard and Calibre).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class UiThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start(interval_ms)
        gc.disable()

    @staticmethod
    def collect_if_due() -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        generation = -1
        for level in range(3):
            if counts[level] > thresholds[level]:
                generation = level
        if generation >= 0:
            gc.collect(generation)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()
