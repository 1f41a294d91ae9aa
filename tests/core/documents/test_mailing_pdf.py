"""Labels and envelopes as the printer gets them: every address inside its own label (from
any label of a partly used sheet on), and on an envelope the recipient in the post's reading
zone, the sender at the top left and the stamp's place at the top right, whichever way the
printer takes the envelope."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_desktop.documents.mailing_pdf import (
    POSTAGE,
    fit_lines,
    recipient_box,
    render_envelopes,
    render_labels,
)
from crm_desktop.documents.post_document import ENVELOPE_SIZES, SHEETS, Envelope
from crm_desktop.paper import (
    ENVELOPE_FEEDS,
    FEED_CENTRE,
    FEED_EDGE,
    FEED_ENVELOPE,
    LABEL_SHEETS,
    PRINTED_ENVELOPES,
)
from tests.pdf_tools import inside, page_size, pages, text, words

MM = 72 / 25.4


def _address(number: int) -> str:
    return (f"Zoë Nuñez-{number:02d}\nMüller-Lüdenscheidt Straße {number}\n"
            f"{10000 + number} Øster Łódź")


def test_the_sheets_and_envelopes_are_those_the_settings_offer() -> None:
    assert set(SHEETS) == set(LABEL_SHEETS)
    assert set(ENVELOPE_SIZES) == set(PRINTED_ENVELOPES)
    for sheet in SHEETS.values():  # every label lies on the page
        x, top, width, height = sheet.label_box(sheet.per_sheet - 1)
        assert x + width <= sheet.page[0] and top + height <= sheet.page[1]


@pytest.mark.parametrize("sheet_name", sorted(LABEL_SHEETS))
def test_thirty_labels_from_label_five_each_inside_its_own_label(
        tmp_path: Path, sheet_name: str) -> None:
    sheet = SHEETS[sheet_name]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(render_labels([_address(n) for n in range(1, 31)], sheet, start_at=5))
    expected_pages = -(-(30 + 4) // sheet.per_sheet)
    assert pages(pdf) == expected_pages
    assert page_size(pdf) == pytest.approx(sheet.page, abs=0.5)
    slot, page = 4, 1
    for number in range(1, 31):
        if slot == sheet.per_sheet:
            slot, page = 0, page + 1
        x, top, width, height = sheet.label_box(slot)
        wanted = set(_address(number).split())
        # The words of this address are those inside this label: all of them, no more.
        here = [w for w in words(pdf, page)
                if x <= w[1] < x + width and top <= w[2] < top + height]
        assert {w[0] for w in here} == wanted, f"label {slot + 1} of page {page}"
        inside(here, x, top, x + width, top + height, f"label {slot + 1}")
        slot += 1
    # Labels 1 to 4 of the first sheet stay empty: it was partly used.
    first = words(pdf, 1)
    for slot in range(4):
        x, top, width, height = sheet.label_box(slot)
        assert not [w for w in first if x <= w[1] < x + width and top <= w[2] < top + height]


def test_an_address_too_long_for_its_label_is_made_smaller_then_cut_never_run_over(
        tmp_path: Path) -> None:
    sheet = SHEETS["L7160"]
    long_address = ("Margo Delacroix-Øster-Wolkenstein-Hohenzollern-Sigmaringen\n"
                    + "\n".join(f"Line {n} of a very long address indeed" for n in range(9)))
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render_labels([long_address, "Jim\n1 Main St"], sheet))
    x, top, width, height = sheet.label_box(0)
    first = [w for w in words(pdf, 1) if w[1] < x + width and w[2] < top + height]
    inside(first, x, top, x + width, top + height, "label 1")
    lines, size = fit_lines(long_address.splitlines(), "CrmBody", 50, 40, 10)
    assert size == 6 and lines[0].endswith("…")


def test_start_at_is_a_label_of_the_sheet() -> None:
    with pytest.raises(ValueError, match="1 to 21"):
        render_labels(["Jim"], SHEETS["L7160"], start_at=22)


@pytest.mark.parametrize("size_name", sorted(PRINTED_ENVELOPES))
def test_an_envelope_has_its_recipient_in_the_reading_zone_and_the_sender_top_left(
        tmp_path: Path, size_name: str) -> None:
    size = ENVELOPE_SIZES[size_name]
    pdf = tmp_path / "envelope.pdf"
    pdf.write_bytes(render_envelopes(
        [Envelope(_address(7), sender="Corner Shop\n1 High Street\nSpringfield",
                  postage="Postage paid\nLicence 1234")], size))
    assert page_size(pdf) == pytest.approx((size.width, size.height), abs=0.5)
    on_page = words(pdf, 1)
    x, top, width, height = recipient_box(size)
    recipient = [w for w in on_page if w[0] in _address(7).split()]
    assert {w[0] for w in recipient} == set(_address(7).split())
    inside(recipient, x, top, x + width, top + height, "the reading zone")
    sender = [w for w in on_page if w[0] in {"Corner", "Shop", "High", "Street"}]
    inside(sender, 0, 0, size.width * 0.5, size.height * 0.4, "the sender's corner")
    stamp = [w for w in on_page if w[0] in {"Postage", "paid", "Licence", "1234"}]
    assert len(stamp) == 4
    inside(stamp, size.width - 8 * MM - POSTAGE[0], 8 * MM, size.width - 8 * MM,
           8 * MM + POSTAGE[1], "the stamp's place")


@pytest.mark.parametrize("feed", [FEED_CENTRE, FEED_EDGE])
def test_on_a_paper_tray_the_envelope_lies_turned_in_the_middle_or_at_the_edge(
        tmp_path: Path, feed: str) -> None:
    size = ENVELOPE_SIZES["DL"]
    pdf = tmp_path / "tray.pdf"
    pdf.write_bytes(render_envelopes([Envelope("Jim Hawkins\n1 Main St\nBristol")], size,
                                     feed=feed))
    tray_width, tray_height = page_size(pdf)
    assert (tray_width, tray_height) == pytest.approx((210 * MM, 297 * MM), abs=0.5)
    found = [w for w in words(pdf, 1) if w[0] in {"Jim", "Hawkins", "Bristol"}]
    assert len(found) == 3
    left = (tray_width - size.height) / 2 if feed == FEED_CENTRE else 0
    # The envelope stands short side first at the top of the tray.
    inside(found, left, 0, left + size.height, size.width, "the envelope on the tray")
    assert "Stamp" in text(pdf)


def test_every_feed_is_known_and_an_unknown_one_refused() -> None:
    assert set(ENVELOPE_FEEDS) == {FEED_ENVELOPE, FEED_CENTRE, FEED_EDGE}
    with pytest.raises(ValueError, match="unknown feed"):
        render_envelopes([Envelope("Jim")], ENVELOPE_SIZES["C6"], feed="sideways")
