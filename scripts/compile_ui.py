"""Compile every ui/*.ui form into crm_desktop/gui/generated/ui_*.py with pyside6-uic.

Run after editing a form:  python scripts/compile_ui.py
A test fails when a generated module is out of date with its form.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "ui"
OUT = ROOT / "crm_desktop" / "gui" / "generated"


def uic_command() -> list[str]:
    exe = shutil.which("pyside6-uic", path=str(Path(sys.executable).parent)) or shutil.which(
        "pyside6-uic"
    )
    if exe is None:
        raise SystemExit("pyside6-uic not found; install PySide6-Essentials")
    return [exe, "--no-autoconnection"]


def compile_form(form: Path) -> str:
    result = subprocess.run(
        [*uic_command(), str(form)], check=True, capture_output=True, text=True
    )
    return result.stdout


def target_for(form: Path) -> Path:
    return OUT / f"ui_{form.stem}.py"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "__init__.py").write_text(
        '"""Modules generated from ui/*.ui by scripts/compile_ui.py. Do not edit."""\n'
    )
    for form in sorted(FORMS.glob("*.ui")):
        target_for(form).write_text(compile_form(form))
        print(f"{form.relative_to(ROOT)} -> {target_for(form).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
