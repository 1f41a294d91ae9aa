"""Invoice PDFs: the time per invoice against a bare ReportLab script drawing the same content
with the same fonts, and the time for 1,000 invoices from the database.

    python bench/invoices.py [--count 1000]

Goals (issue #5): at most 1.5 × the bare script per invoice; 1,000 invoices within 10 s.
The database is a fresh temporary SQLite file filled with demo data.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal
from functools import partial
from io import BytesIO
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session
from timing import percentiles  # bench/timing.py, beside this script

from crm_desktop.demo_data import generate
from crm_desktop.documents import fonts
from crm_desktop.documents.envelopes import layout
from crm_desktop.documents.handwriting import INK
from crm_desktop.documents.invoice_document import DocumentLine, InvoiceDocument
from crm_desktop.documents.invoice_pdf import render_invoice
from crm_desktop.models import Customer, Invoice
from crm_desktop.services.admin.settings_service import SettingsService
from crm_desktop.services.invoices.invoice_service import (
    InvoiceService,
    Issuer,
    billing_address,
    default_note,
)
from crm_desktop.storage.database import Database
from crm_desktop.storage.schema import upgrade


def sample(lines: int) -> InvoiceDocument:
    items = tuple(DocumentLine(f"Hand-turned oak bowl no. {i}", Decimal(1 + i % 3),
                               Decimal("24.50"), Decimal(0), Decimal(19),
                               Decimal("24.50") * (1 + i % 3)) for i in range(lines))
    net = sum((i.net for i in items), Decimal(0))
    tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    return InvoiceDocument(
        credit_note=False, number="2026-0042", void=False, issued_on=date(2026, 11, 25),
        due_on=date(2026, 12, 9), customer_number="C-00042",
        recipient="Zoë Łukasiewicz\nHauptstraße 5\n10115 BERLIN", lines=items,
        tax_by_rate=((Decimal(19), net, tax),), net_total=net, tax_total=tax,
        gross_total=net + tax, paid_total=Decimal(0), credited_total=Decimal(0),
        currency="EUR", locale="de_DE",
        note="Dear Zoë,\nthank you so much for your order!\nI do hope you enjoy the bowls.\n"
             "Warm wishes, Anna",
        seed="42", shop_name="Oak & Thread", shop_address="Lindenweg 3\n10999 Berlin",
        bank_details="Berliner Sparkasse\nIBAN DE02 1005 0000 0123 4567 89")


def bare(doc: InvoiceDocument) -> bytes:
    """The same content drawn straight on a canvas, in the same fonts and places: every
    cell of every line, the particulars, totals, instructions, note, slip, footers and page
    numbers, without platypus's flowing, wrapping and keep-together. The floor to compare
    with."""
    fonts.register()
    out = BytesIO()
    g = layout(doc.envelope)
    width, height = g.page
    c = Canvas(out, pagesize=g.page, invariant=True, initialFontName=fonts.BODY)
    pages = 1 + max(0, len(doc.lines) - 30) // 45 + (1 if len(doc.lines) > 30 else 0)

    def furniture(page: int) -> None:
        c.setFont(fonts.BODY, 7)
        c.drawString(g.left, 10 * mm, "Oak & Thread · Lindenweg 3 · 10999 Berlin")
        c.drawString(g.left, 6 * mm, "Berliner Sparkasse · IBAN DE02 1005 0000 0123 4567 89")
        c.drawRightString(width - 15 * mm, 8 * mm, f"Page {page} of {pages}")

    c.setFont(fonts.BODY_BOLD, 14)
    c.drawString(g.left, height - 18 * mm, doc.shop_name)
    c.setFont(fonts.BODY, 8)
    c.drawString(g.left, height - 23 * mm, "Lindenweg 3  ·  10999 Berlin")
    c.setFont(fonts.BODY, 6.5)
    c.drawString(g.address.x, height - 48 * mm, f"{doc.shop_name}, Lindenweg 3, 10999 Berlin")
    c.setFont(fonts.BODY, 10)
    for i, address_line in enumerate(doc.recipient.splitlines()):
        c.drawString(g.address.x, height - g.address.top - 10 - i * 11.8, address_line)
    for i, (label, value) in enumerate((("Invoice no.", doc.number or ""),
                                        ("Date", "25. November 2026"),
                                        ("Customer no.", doc.customer_number),
                                        ("Payment due", "9. Dezember 2026"))):
        c.setFont(fonts.BODY, 8.5)
        c.drawString(g.info.x, height - g.info.top - 12 - i * 13, label)
        c.drawString(g.info.x + 30 * mm, height - g.info.top - 12 - i * 13, value)
    for fold in g.folds:
        c.line(4 * mm, height - fold, 9 * mm, height - fold)
    c.setFont(fonts.BODY_BOLD, 15)
    c.drawString(g.left, height - g.body_top - 15, "Invoice")
    y = height - g.body_top - 40
    page = 1
    columns = (8 * mm, 120 * mm, 134 * mm, 148 * mm, 160 * mm, 165 * mm)
    header = ("#", "Description", "Qty", "Unit price", "Tax", "Amount")
    c.setFont(fonts.BODY_BOLD, 8.5)
    for x, title in zip(columns, header, strict=True):
        c.drawRightString(g.left + x, y, title)
    for index, item in enumerate(doc.lines, start=1):
        y -= 15
        if y < 30 * mm:
            furniture(page)
            c.showPage()
            page += 1
            y = height - 30 * mm
            c.setFont(fonts.BODY_BOLD, 8.5)
            for x, title in zip(columns, header, strict=True):
                c.drawRightString(g.left + x, y, title)
            y -= 15
        c.setFont(fonts.BODY, 8.5)
        cells: tuple[str, ...] = (str(index), item.description, f"{item.quantity.normalize()}",
                 f"{item.unit_price} €", f"{item.tax_rate.normalize()} %", f"{item.net} €")
        for x, text in zip(columns, cells, strict=True):
            c.drawRightString(g.left + x, y, text)
    for label, amount in (("Net", doc.net_total), ("Tax 19 % on …", doc.tax_total),
                         ("Total", doc.gross_total), ("Amount due", doc.amount_due)):
        y -= 14
        c.drawRightString(width - 50 * mm, y, label)
        c.drawRightString(width - g.right, y, f"{amount} €")
    c.drawString(g.left, y - 20, f"Please pay {doc.amount_due} € by 9. Dezember 2026 to "
                                 "Berliner Sparkasse, IBAN DE02 1005 0000 0123")
    c.drawString(g.left, y - 32, f"4567 89, quoting {doc.number}.")
    c.setFillColor(INK)
    for i, line in enumerate(doc.note.splitlines()):
        rng = random.Random(f"{doc.seed}/{i}")
        c.saveState()
        c.translate(g.left + 10, y - 60 - i * 18)
        c.rotate(rng.uniform(-0.8, 0.8))
        c.skew(0, rng.uniform(-4, 2))
        c.setFont(fonts.HAND, 15 * rng.uniform(0.95, 1.05))
        c.drawString(0, 0, line)
        c.restoreState()
    c.setFillColorRGB(0, 0, 0)
    c.setDash(3, 2)
    c.line(8 * mm, 60 * mm, width - 8 * mm, 60 * mm)
    c.setFont(fonts.BODY, 8.5)
    for i, text in enumerate(("Remittance slip", "Customer no.", doc.customer_number,
                              "Invoice no.", doc.number or "", "Amount due",
                              f"{doc.amount_due} €", "Due by", "Send to", doc.shop_name,
                              "Lindenweg 3", "10999 Berlin", "Berliner Sparkasse",
                              "IBAN DE02 1005 0000 0123 4567 89")):
        c.drawString(g.left + (90 * mm if i > 7 else 0), 52 * mm - (i % 8) * 13, text)
    c.drawRightString(width - 15 * mm, 8 * mm, f"Page {page} of {pages}")
    c.showPage()
    c.save()
    return out.getvalue()


def as_issued(database: Database, count: int) -> list[int]:
    """The first ``count`` demo invoices, given what issuing gives every real one and the
    demo shop leaves out: the issuer's snapshot, the window address and the thank-you note
    (so each PDF draws a note, and reads no settings)."""
    settings = SettingsService(database).business()
    issuer = json.dumps(asdict(Issuer.from_settings(settings)))
    with Session(database.engine) as session, session.begin():
        chosen = session.scalars(select(Invoice).order_by(Invoice.id).limit(count)).all()
        for invoice in chosen:
            customer = session.get(Customer, invoice.customer_id)
            assert customer is not None
            invoice.issuer = issuer
            invoice.billing_address = billing_address(session, customer, settings, strict=False)
            invoice.thank_you_note = default_note(session, invoice, customer, settings)
        return [invoice.id for invoice in chosen]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    fonts.register()
    print("Per invoice (p50 / p95 of 20 runs)")
    for lines in (3, 40):
        doc = sample(lines)
        ours = percentiles(partial(render_invoice, doc))
        floor = percentiles(partial(bare, doc))
        print(f"  {lines:>2} lines: ours {ours[0]:6.1f} / {ours[1]:6.1f} ms   "
              f"bare ReportLab {floor[0]:6.1f} / {floor[1]:6.1f} ms   "
              f"ratio {ours[0] / floor[0]:.2f}×")
    with_card = replace(sample(3), note_on_card=True)
    p50, _ = percentiles(lambda: render_invoice(with_card))
    print(f"  note on its own card page: {p50:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        upgrade(database)
        result = generate(database, int(args.count * 1.25), history_per_customer=1, seed=5)
        invoices = InvoiceService(database)
        ids = as_issued(database, args.count)
        print(f"\n{len(ids):,} issued invoices (each with its issuer, address and thank-you "
              f"note) from a database of {result.customers:,} customers")
        started = time.perf_counter()
        size = 0
        for invoice_id in ids:
            size += len(invoices.pdf(invoice_id))
        elapsed = time.perf_counter() - started
        print(f"  read and rendered in {elapsed:.2f} s ({elapsed / len(ids) * 1000:.1f} ms "
              f"each, {size / len(ids) / 1024:.0f} KB each)")
        database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
