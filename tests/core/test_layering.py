"""The core never imports Qt: it must run (and be tested) without a display."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import crm_desktop

PACKAGE = Path(crm_desktop.__file__).parent
CORE_FILES = [p for p in PACKAGE.rglob("*.py") if "gui" not in p.relative_to(PACKAGE).parts]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_sources_never_import_qt() -> None:
    assert len(CORE_FILES) > 15
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path)
                                               if n.split(".")[0] in {"PySide6", "shiboken6"})
        for path in CORE_FILES
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = sorted(
        "crm_desktop." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in CORE_FILES
        if p.name != "__main__.py" and "migrations" not in p.parts
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "assert not qt, qt\n"
        "print(len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
