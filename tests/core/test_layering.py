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


GUI = PACKAGE / "gui"
CAPABILITIES = sorted(p.name for p in GUI.iterdir()
                      if p.is_dir() and p.name not in {"shared", "generated", "__pycache__"})


def _crm_imports(path: Path) -> set[str]:
    return {n for n in _imports(path) if n.startswith("crm_desktop.")}


def test_documents_import_no_services() -> None:
    """Documents draw what they are given; the services decide what that is."""
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _crm_imports(path)
                                               if n.startswith("crm_desktop.services"))
        for path in (PACKAGE / "documents").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_gui_is_grouped_by_capability() -> None:
    assert {"customers", "follow_ups", "orders", "invoices", "queries", "feedback",
            "admin"} <= set(CAPABILITIES)
    # The app's start (app.py, and the window shown while it imports: starting.py) and
    # the shell; nothing else.
    loose = sorted(p.name for p in GUI.glob("*.py")
                   if p.name not in {"__init__.py", "app.py", "starting.py", "main_window.py"})
    assert loose == [], "a screen belongs in its capability's folder, a shared piece in shared/"


def test_a_capability_reaches_another_only_through_shared_or_its_controller() -> None:
    offenders: dict[str, list[str]] = {}
    for capability in CAPABILITIES:
        for path in (GUI / capability).rglob("*.py"):
            for name in _crm_imports(path):
                parts = name.split(".")
                if parts[:2] != ["crm_desktop", "gui"] or len(parts) < 3:
                    continue
                other = parts[2]
                if other in {capability, "shared", "generated"}:
                    continue
                if parts[3:] != ["controller"]:
                    offenders.setdefault(str(path.relative_to(PACKAGE)), []).append(name)
    assert offenders == {}


def test_shared_gui_pieces_know_no_capability() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            n for n in _crm_imports(path)
            if n.startswith("crm_desktop.gui.") and n.split(".")[2] in CAPABILITIES)
        for path in (GUI / "shared").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
