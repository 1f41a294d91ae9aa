"""Start-up: from launching the app to its first window, and to the main window usable.

    python bench/start_up.py [--database URL] [--repeat 7]

Each run launches ``crm-desktop --smoke-test`` (no sign-in; the main window opens, paints
once and closes) as a new process and notes when each line it prints arrives: "starting
window shown" (the first window on screen) and "main window shown" (the main window painted,
Today loaded). Beside it, the floors, each a new process too:

- a bare PySide6 window with a table, shown and painted (the issue's floor: the goal is 2×);
- the same window after importing SQLAlchemy and the app's models and reading 20 customers:
  what any window that shows the shop's data must pay before it can, whatever the app does.

The database defaults to a fresh temporary one. Timings are medians (and the slowest run) in
milliseconds; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget
{before}
app = QApplication(sys.argv)
{read}
window = QMainWindow()
window.setCentralWidget(QTableWidget(20, 6))
window.show()
QTimer.singleShot(0, lambda: print("main window shown", flush=True))
QTimer.singleShot(0, window.close)
app.exec()
"""

WITH_MODELS = BARE.format(
    before="from sqlalchemy import create_engine, select\n"
           "from sqlalchemy.orm import Session\n"
           "from crm_desktop.models import Customer",
    read="with Session(create_engine(sys.argv[1])) as session:\n"
         "    session.scalars(select(Customer).limit(20)).all()",
)


def timed(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """When each line arrived, in ms after the process was started, and when it ended."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env=env)
    assert process.stdout is not None
    seen: dict[str, float] = {}
    for line in process.stdout:
        seen.setdefault(line.strip(), (time.perf_counter() - started) * 1000)
    if process.wait() != 0:
        raise SystemExit(f"{command[:3]} failed with {process.returncode}")
    seen["ended"] = (time.perf_counter() - started) * 1000
    return seen


def median_and_max(runs: list[dict[str, float]], key: str) -> tuple[float, float]:
    values = [run[key] for run in runs]
    return statistics.median(values), max(values)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="default: a fresh temporary SQLite database")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "CRM_DESKTOP_HOME": home}
        url = args.database or f"sqlite:///{Path(home) / 'data' / 'crm.sqlite3'}"
        # Without --database the app finds its shop as a person's start does (its own file,
        # or the shared shop it connected to).
        app = [sys.executable, "-m", "crm_desktop", "--smoke-test",
               *(["--database", args.database] if args.database else [])]
        timed(app, env)  # makes the database (and warms the disk cache for everyone)
        bare_runs, model_runs, app_runs = [], [], []
        for _ in range(args.repeat):  # interleaved, so a busy moment hits each alike
            bare_runs.append(timed([sys.executable, "-c", BARE.format(before="", read="")],
                                   env))
            model_runs.append(timed([sys.executable, "-c", WITH_MODELS, url], env))
            app_runs.append(timed(app, env))
    floor, _ = median_and_max(bare_runs, "main window shown")
    rows = (("bare PySide6 window (the floor)", bare_runs, "main window shown"),
            ("bare window + SQLAlchemy + models + a read", model_runs, "main window shown"),
            ("ours: the first window on screen", app_runs, "starting window shown"),
            ("ours: the main window shown, usable", app_runs, "main window shown"),
            ("ours: the process ended", app_runs, "ended"))
    print(f"Start-up, {args.repeat} runs each (median / slowest, ms from launch; goal: 2× "
          "the bare window)")
    for label, runs, key in rows:
        p50, worst = median_and_max(runs, key)
        print(f"  {label:<44} {p50:7.0f} / {worst:5.0f}   {p50 / floor:4.1f}× the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
