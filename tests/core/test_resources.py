from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crm_desktop import resources


def test_resources_are_found_in_the_checkout() -> None:
    icon = resources.resource_path("icons", "crm-desktop.svg")
    assert icon.read_text().startswith("<svg")


def test_a_missing_resource_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match=r"resource not found: icons/nope\.svg"):
        resources.resource_path("icons", "nope.svg")


def test_a_frozen_bundle_is_searched_first(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    resources.resources_dir.cache_clear()
    try:
        assert resources.resources_dir() == tmp_path / "resources"
    finally:
        resources.resources_dir.cache_clear()
