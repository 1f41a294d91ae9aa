"""A PDF as a printer would see it, read back with poppler: the words and where each lies."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

Word = tuple[str, float, float, float, float]


def words(pdf: Path, page: int) -> list[Word]:
    """(word, x0, y0, x1, y1) in points from the page's top-left corner."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf),
                           "-"], check=True, capture_output=True, text=True).stdout
    return [(unescape(m[4]), float(m[0]), float(m[1]), float(m[2]), float(m[3]))
            for m in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                r'yMax="([\d.]+)">([^<]*)</word>', html)]


def text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-raw", *pages, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]


def page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert found is not None
    return float(found[1]), float(found[2])


def inside(found: list[Word], left: float, top: float, right: float, bottom: float,
           what: str = "the box") -> None:
    slack = 0.01  # poppler rounds to a hundred-thousandth of a point
    for word, x0, y0, x1, y1 in found:
        assert (left - slack <= x0 and x1 <= right + slack and top - slack <= y0
                and y1 <= bottom + slack), (
            f"“{word}” at ({x0:.1f}, {y0:.1f})–({x1:.1f}, {y1:.1f}) is outside {what} "
            f"({left:.1f}, {top:.1f})–({right:.1f}, {bottom:.1f})")
