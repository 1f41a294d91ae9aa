"""Generated form modules match their .ui files (run scripts/compile_ui.py after editing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("compile_ui", ROOT / "scripts" / "compile_ui.py")
assert spec and spec.loader
compile_ui = importlib.util.module_from_spec(spec)
sys.modules["compile_ui"] = compile_ui
spec.loader.exec_module(compile_ui)

FORMS = sorted((ROOT / "ui").glob("*.ui"))


def _code(text: str) -> list[str]:
    # The header names the uic version that wrote it; only the code must match.
    return [line for line in text.splitlines() if not line.startswith("##")]


def test_there_are_forms() -> None:
    assert len(FORMS) >= 2


@pytest.mark.parametrize("form", FORMS, ids=lambda p: p.name)
def test_generated_module_is_up_to_date(form: Path) -> None:
    target = compile_ui.target_for(form)
    assert target.exists(), f"{target.name} is missing: run scripts/compile_ui.py"
    assert _code(target.read_text()) == _code(compile_ui.compile_form(form)), (
        f"{target.name} is out of date with {form.name}: run scripts/compile_ui.py"
    )
