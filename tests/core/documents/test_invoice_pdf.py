"""The invoice PDF, checked with poppler and qpdf as a printer would see it: the address inside
the envelope window, pages that break cleanly, every font embedded, every letter drawn."""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from crm_desktop.documents import fonts
from crm_desktop.documents.handwriting import _width, strokes, wrap
from crm_desktop.documents.invoice_document import DocumentLine, InvoiceDocument
from crm_desktop.documents.invoice_pdf import render_invoice
from crm_desktop.paper import DIN_5008_A, DIN_5008_B, US_10
from tests.pdf_tools import Word, inside, pages, text, words

MM = 72 / 25.4
INCH = 72.0
ACCENTED = "Ñ é ü ß Ł ő"


def document(lines: int = 3, **changes: object) -> InvoiceDocument:
    items = tuple(DocumentLine(f"Oak bowl {i + 1}", D(1), D("24.50"), D(0), D(19), D("24.50"))
                  for i in range(lines))
    net = D("24.50") * lines
    base = InvoiceDocument(
        credit_note=False, number="2026-0042", void=False, issued_on=date(2026, 11, 25),
        due_on=date(2026, 12, 9), customer_number="C-00042",
        recipient="Łukasz Őrsi-Ñúñez\nHauptstraße 5\n10115 BERLIN", lines=items,
        tax_by_rate=((D(19), net, net * D("0.19")),), net_total=net,
        tax_total=net * D("0.19"), gross_total=net * D("1.19"), paid_total=D(0),
        credited_total=D(0), currency="EUR", locale="de_DE",
        note=f"Dear Łukasz,\nthank you! {ACCENTED}\nWarm wishes, Anna", seed="42",
        shop_name="Oak & Thread", shop_address="Lindenweg 3\n10999 Berlin",
        bank_details="Berliner Sparkasse\nIBAN DE02 1005 0000 0123 4567 89")
    return replace(base, **changes)  # type: ignore[arg-type]


def write(tmp_path: Path, doc: InvoiceDocument, name: str = "invoice.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(render_invoice(doc))
    return path


def located(pdf: Path, wanted: str) -> list[Word]:
    found = [w for w in words(pdf, 1) if w[0] in wanted.split()]
    assert {w[0] for w in found} == set(wanted.split()), f"not all of {wanted!r} printed"
    return found


@pytest.mark.parametrize(("envelope", "top", "notes"),
                         [(DIN_5008_B, 45, 17.7), (DIN_5008_A, 27, 12.7)])
def test_din_5008_address_sits_in_the_window_with_the_return_line_on_top(
        tmp_path: Path, envelope: str, top: float, notes: float) -> None:
    pdf = write(tmp_path, document(envelope=envelope))
    field = (20 * MM, top * MM, 105 * MM, (top + 45) * MM)  # 85 × 45 mm, 20 mm from the left
    address = located(pdf, "Łukasz Őrsi-Ñúñez Hauptstraße 5 10115 BERLIN")
    inside(address, *field)
    assert min(w[2] for w in address) >= (top + notes) * MM  # below the notes zone
    sender = [w for w in words(pdf, 1) if w[0] == "Thread," and top * MM <= w[2] <= field[3]]
    assert sender, "the return-address line is in the window"
    inside(sender, field[0], top * MM, field[2], (top + notes) * MM)


def test_us_10_address_stays_in_the_window_wherever_the_folded_sheet_slides(
        tmp_path: Path) -> None:
    pdf = write(tmp_path, document(
        envelope=US_10, locale="en_US", currency="USD",
        recipient="Margo Lane\n1200 Wisteria Avenue, Apt 14\nSPRINGFIELD, IL 62704"))
    # Envelope 9½ × 4⅛ in, window 4½ × 1⅛ in, ⅞ in from the left and ½ in from the bottom;
    # the sheet's top third (11/3 in) can sit anywhere inside the envelope.
    slide_x, slide_y = 9.5 - 8.5, 4.125 - 11 / 3
    window_top = 4.125 - 0.5 - 1.125
    found = located(pdf, "Margo Lane 1200 Wisteria Avenue, Apt 14 SPRINGFIELD, IL 62704")
    for dx in (0, slide_x):
        for dy in (0, slide_y):
            inside(found, (0.875 - dx) * INCH, (window_top - dy) * INCH,
                   (0.875 + 4.5 - dx) * INCH, (window_top + 1.125 - dy) * INCH)


def test_a_long_address_shrinks_to_fit_rather_than_leave_the_window(tmp_path: Path) -> None:
    long = ("Dr. Maximiliane Wolkenstein-Oberhausen\nHolzmanufaktur Wolkenstein GmbH\n"
            "c/o Abteilung Rechnungseingang\nHinterhaus, 3. Obergeschoss links\n"
            "Kurfürstendammstraße 123\n10719 BERLIN")
    pdf = write(tmp_path, document(recipient=long))
    inside(located(pdf, long.replace("\n", " ")), 20 * MM, 45 * MM, 105 * MM, 90 * MM)


def test_forty_lines_make_two_clean_pages(tmp_path: Path) -> None:
    pdf = write(tmp_path, document(lines=40))
    assert pages(pdf) == 2
    first, second = text(pdf, 1), text(pdf, 2)
    assert "continued on page 2" in first and "continued from page 1" in second
    assert "Description" in first and "Description" in second  # the header is repeated
    assert re.search(r"\bOak bowl 1\b", first) and "Oak bowl 40" in second
    for needed in ("Amount due", "Remittance slip", "Please pay"):
        assert needed in second and needed not in first
    # The totals sit above the slip, and the slip above the page number: nothing overlaps.
    ys: dict[str, float] = {}
    for word, _x0, y0, _x1, _y1 in words(pdf, 2):
        ys.setdefault(word, y0)  # the first (highest) of each
    assert ys["due"] < ys["Remittance"] < ys["Page"]


def test_the_totals_block_is_never_split_over_pages(tmp_path: Path) -> None:
    for count in range(20, 80, 3):
        pdf = write(tmp_path, document(lines=count), f"{count}.pdf")
        holding = [p for p in range(1, pages(pdf) + 1) if "Net" in text(pdf, p).split()]
        assert len(holding) == 1, count
        assert "Amount due" in text(pdf, holding[0]), count


def test_fonts_are_embedded_and_the_file_is_valid(tmp_path: Path) -> None:
    pdf = write(tmp_path, document(lines=40))
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    assert listing, "fonts are listed"
    assert all(row.split()[-5] == "yes" for row in listing), listing  # the "emb" column
    names = " ".join(listing)
    assert "Caveat" in names and "DejaVuSans" in names
    subprocess.run(["qpdf", "--check", str(pdf)], check=True, capture_output=True)


@pytest.mark.parametrize("name", ["Ñuño", "Zoë", "Müller", "Strauß", "Łukasz", "Erdős",
                                  "Δημήτρης", "Ǉubica"])
def test_every_letter_of_a_name_is_drawn_in_a_font_that_has_it(tmp_path: Path,
                                                                 name: str) -> None:
    for font, piece in fonts.runs(f"Dear {name},", fonts.HAND, fonts.HAND_FALLBACK):
        for char in piece.replace(" ", ""):
            assert ord(char) in fonts._glyphs(font), (char, font)
    pdf = write(tmp_path, document(note=f"Dear {name},\nthank you!"))
    assert f"Dear {name}," in text(pdf)


def test_a_letter_the_handwriting_lacks_falls_back_instead_of_a_box() -> None:
    missing = next(c for c in "ǈ✂ⅷ" if ord(c) not in fonts._glyphs(fonts.HAND))
    assert fonts.runs(f"Hi {missing}!", fonts.HAND, fonts.HAND_FALLBACK) == [
        (fonts.HAND, "Hi "), (fonts.HAND_FALLBACK, missing), (fonts.HAND, "!")]


def test_the_handwriting_varies_per_line_and_per_invoice_but_reprints_identically(
        tmp_path: Path) -> None:
    fonts.register()
    note = "Dear Margo,\nthank you!\nSee you soon,\nAnna"
    lines = strokes(note, "7:2026-0007", 400, 15)
    assert len({(s.rise, s.slant, s.size) for s in lines}) == 4  # every line its own
    assert lines == strokes.__wrapped__(note, "7:2026-0007", 400, 15)  # (not the kept one)
    assert lines != strokes(note, "8:2026-0008", 400, 15)
    doc = document()
    assert render_invoice(doc) == render_invoice(doc)


def test_drafts_void_invoices_and_credit_notes_say_what_they_are(tmp_path: Path) -> None:
    draft = text(write(tmp_path, document(number=None), "draft.pdf"))
    assert "DRAFT" in draft and "Invoice (draft)" in draft
    void = text(write(tmp_path, document(void=True), "void.pdf"))
    assert "VOID" in void and "Remittance slip" not in void
    credit = text(write(tmp_path, document(credit_note=True, credited_number="2026-0041",
                                           credit_reason="Scratched leg"), "credit.pdf"))
    assert "Credit note" in credit and "corrects invoice 2026-0041: Scratched leg" in credit
    assert "Remittance slip" not in credit


def test_the_note_can_go_on_a_card_page_of_its_own(tmp_path: Path) -> None:
    pdf = write(tmp_path, document(note_on_card=True))
    assert pages(pdf) == 2
    assert "Dear Łukasz" in text(pdf, 2) and "Dear Łukasz" not in text(pdf, 1)


def test_the_payment_sentence_wraps_inside_the_frame_and_prints_what_was_typed(
        tmp_path: Path) -> None:
    """The sentence under the totals is drawn by the invoice's own flowable: long bank
    details wrap at the right margin, and characters that are markup to a platypus
    Paragraph print as typed."""
    bank = "Bank <Süd> & Co.\nIBAN DE02 1005 0000 0123 4567 89\n" + "a long line " * 12
    pdf = write(tmp_path, document(bank_details=bank))
    page = words(pdf, 1)
    sentence = [w for w in page if w[2] > min(y0 for word, _x, y0, _x1, _y in page
                                              if word == "Please") - 1
                and w[2] < min(y0 for word, _x, y0, _x1, _y in page if word == "Dear")]
    lines = {round(w[2]) for w in sentence}
    assert len(lines) >= 3  # wrapped
    left, right = 25 * MM, (210 - 20) * MM  # DIN 5008's margins
    assert all(left - 1 <= w[1] and w[3] <= right + 1 for w in sentence), sentence
    flat = " ".join(w[0] for w in sentence)
    assert "Bank <Süd> & Co." in flat and "quoting 2026-0042." in flat
    credit = text(write(tmp_path, document(credit_note=True, credited_number="2026-0041",
                                           credit_reason="<b>not bold</b> & scratched"),
                        "credit.pdf"))
    assert "<b>not bold</b> & scratched." in credit


def test_a_long_note_is_wrapped_as_tightly_as_its_room_allows() -> None:
    fonts.register()
    note = ("Dear Margo, thank you so much for choosing the oak bowls again this winter; "
            "I hope the blue one suits the kitchen as well as you said it would. " * 3)
    lines = wrap(note, 300, 15)
    assert " ".join(lines) == " ".join(note.split())
    for line, following in itertools.pairwise(lines):
        assert _width(line, 15) <= 300  # it fits...
        assert _width(f"{line} {following.split()[0]}", 15) > 300  # ...and no more would
