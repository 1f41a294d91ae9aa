"""Send PDFs to a printer through CUPS's ``lp``, for the command line (no Qt needed).

The app prints through Qt's print dialog instead (``crm_desktop.gui.invoices.invoice_printing``);
``lp`` keeps the PDF as vectors and works on any machine with CUPS (Linux, macOS).
"""

from __future__ import annotations

import shutil
import subprocess

from crm_desktop.errors import PrintingError

TIMEOUT_S = 60


def default_printer() -> str | None:
    if shutil.which("lpstat") is None:
        return None
    done = subprocess.run(["lpstat", "-d"], capture_output=True, text=True, timeout=TIMEOUT_S,
                          check=False)
    # "system default destination: CUPS-PDF" (or "no system default destination")
    _, found, name = done.stdout.partition("destination:")
    return name.strip() or None if found else None


def print_pdf(pdf: bytes, *, title: str, printer: str | None = None) -> str:
    """Queue ``pdf`` on ``printer`` (default: the system's default); returns CUPS's answer,
    e.g. "request id is CUPS-PDF-12 (1 file(s))"."""
    if shutil.which("lp") is None:
        raise PrintingError("No print system was found (CUPS's “lp” command is missing). "
                            "Save the invoices as PDF and print them from another program.")
    if printer is None and default_printer() is None:
        raise PrintingError("There is no default printer. Set one in the system's printer "
                            "settings, or name one with --printer.")
    command = ["lp", "-t", title, *(["-d", printer] if printer else []), "-"]
    done = subprocess.run(command, input=pdf, capture_output=True, timeout=TIMEOUT_S,
                          check=False)
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip() or "no reason given"
        raise PrintingError(f"The printer refused “{title}”: {reason}")
    return done.stdout.decode(errors="replace").strip()
