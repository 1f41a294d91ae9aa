"""Letters and cards as they print: a letter's address inside its envelope's window and the
note after the typed words; a card's note on its page, a folded card's inside on the right."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_desktop.documents.envelopes import layout
from crm_desktop.documents.letter_pdf import render_letters
from crm_desktop.documents.post_document import CARD, FOLDED, LETTER, LetterDocument
from crm_desktop.paper import DIN_5008_B, US_10
from tests.pdf_tools import inside, page_size, pages, text, words

MM = 72 / 25.4


def _letter(kind: str = LETTER, envelope: str = DIN_5008_B, n: int = 1) -> LetterDocument:
    return LetterDocument(
        kind, "Corner Shop", "1 High Street\nSpringfield", f"Alecia Nuñez {n}\n14 Rose Lane\n"
        "Springfield", "7 December 2026", "Dear Alecia,\n\nwe have missed you at the shop.",
        "Hope to see you soon!\nAnna", seed=f"test:{n}", envelope=envelope)


@pytest.mark.parametrize("envelope", [DIN_5008_B, US_10])
def test_a_letters_address_sits_in_the_window_and_each_letter_starts_a_page(
        tmp_path: Path, envelope: str) -> None:
    pdf = tmp_path / "letters.pdf"
    pdf.write_bytes(render_letters([_letter(envelope=envelope, n=n) for n in (1, 2)]))
    assert pages(pdf) == 2
    box = layout(envelope).address
    for page in (1, 2):
        address = [w for w in words(pdf, page) if w[0] in {"Alecia", "Nuñez", "Rose", "Lane"}]
        assert len(address) == 4
        inside(address, box.x, box.top, box.x + box.width, box.top + box.height, "the window")
    first = text(pdf, 1)
    assert "Alecia Nuñez 1" in first and "we have missed you" in first
    assert "Alecia Nuñez 2" in text(pdf, 2)


@pytest.mark.parametrize(("kind", "size", "left"), [(CARD, (105, 148), 0),
                                                    (FOLDED, (210, 148), 105)])
def test_a_card_carries_the_note_and_a_folded_one_inside_on_the_right(
        tmp_path: Path, kind: str, size: tuple[int, int], left: int) -> None:
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(render_letters([_letter(kind)]))
    assert page_size(pdf) == pytest.approx((size[0] * MM, size[1] * MM), abs=1)
    found = words(pdf, 1)
    assert any(w[0] == "Corner" for w in found)  # the shop's name at the foot
    assert "we have missed you" not in text(pdf)  # a card has no typed letter
    inside([w for w in found if w[0] != "•"], left * MM, 0, size[0] * MM, size[1] * MM,
           "the card's written side")
