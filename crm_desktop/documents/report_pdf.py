"""A report as a PDF in the invoices' house style: the shop's name over a grey rule, the
report's title and period, the headline figures in a row of boxes, each chart drawn with
ReportLab's own charts (its numbers are in the table below it), then every table, its header
repeated on each page. A4 or Letter, as the shop's paper; every font embedded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from crm_desktop.documents import fonts
from crm_desktop.documents.letterhead import GREY, LIGHT, RULE, SHADE
from crm_desktop.documents.report_document import (
    Chart,
    ChartKind,
    Figure,
    Kind,
    Report,
    Table,
    Value,
)
from crm_desktop.documents.report_output import text_of
from crm_desktop.formatting import Formatter

# Colour-blind-safe (Okabe–Ito), in the order the series come.
SERIES_COLOURS = [HexColor(c) for c in ("#0072B2", "#E69F00", "#009E73", "#D55E00",
                                        "#CC79A7", "#56B4E9")]
MARGIN = 16 * mm
ROWS_PER_CHUNK = 80  # ReportLab splits a long table in O(n²): long ones go in chunks


def render(report: Report, formatter: Formatter, *, shop_name: str, printed_on: date,
           page_size: tuple[float, float] = A4) -> bytes:
    fonts.register()
    styles = _styles()
    width = page_size[0] - 2 * MARGIN
    story: list[Any] = [
        Paragraph(escape(report.title), styles["title"]),
        Paragraph(escape(_period(report, formatter)), styles["small"]),
        Spacer(1, 4 * mm),
    ]
    if report.figures:
        story += [_figures(report.figures, formatter, styles, width), Spacer(1, 5 * mm)]
    for chart in report.charts:
        story += [KeepTogether([Paragraph(escape(chart.title), styles["heading"]),
                                _chart(chart, formatter, width)]), Spacer(1, 2 * mm)]
    for table in report.tables:
        story += _table(table, formatter, styles, width)
    for note in report.notes:
        story.append(Paragraph(escape(note), styles["small"]))

    def page(c: Canvas, doc: Any) -> None:
        c.saveState()
        top = page_size[1] - 10 * mm
        c.setFont(fonts.BODY_BOLD, 9)
        c.drawString(MARGIN, top, shop_name)
        c.setFont(fonts.BODY, 8)
        c.setFillColor(GREY)
        c.drawRightString(page_size[0] - MARGIN, top, report.title)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(MARGIN, top - 2 * mm, page_size[0] - MARGIN, top - 2 * mm)
        c.drawString(MARGIN, 9 * mm, f"Printed {formatter.date(printed_on)}")
        c.drawRightString(page_size[0] - MARGIN, 9 * mm, f"Page {doc.page}")
        c.restoreState()

    out = BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=page_size, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm, bottomMargin=MARGIN, title=f"{report.title} — {shop_name}",
        author=shop_name, creator="CRM Desktop",
        # Else the canvas starts in Helvetica: listed, but not embedded.
        initialFontName=fonts.BODY, initialFontSize=9)
    document.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.BODY, fontSize=8.5, leading=10.5)
    return {
        "body": body,
        "right": ParagraphStyle("right", parent=body, alignment=2),
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5,
                                textColor=GREY, spaceBefore=1 * mm),
        "title": ParagraphStyle("title", parent=body, fontName=fonts.BODY_BOLD, fontSize=17,
                                leading=21),
        "heading": ParagraphStyle("heading", parent=body, fontName=fonts.BODY_BOLD,
                                  fontSize=10.5, leading=13, spaceBefore=4 * mm,
                                  spaceAfter=1.5 * mm),
        "figure": ParagraphStyle("figure", parent=body, fontName=fonts.BODY_BOLD, fontSize=13,
                                 leading=16),
        "label": ParagraphStyle("label", parent=body, fontSize=7.5, leading=9,
                                textColor=GREY),
    }


def _period(report: Report, f: Formatter) -> str:
    period = report.period
    if period.start == period.end:
        return f"As of {f.date(period.start)}"
    name = f"{period.label}: " if period.label else ""
    return f"{name}{f.date(period.start)} – {f.date(period.end)}"


def _figures(figures: Sequence[Figure], f: Formatter, styles: dict[str, ParagraphStyle],
             width: float) -> LongTable:
    per_row = min(4, len(figures))
    cells: list[list[Any]] = []
    for start in range(0, len(figures), per_row):
        row: list[Any] = []
        for figure in figures[start:start + per_row]:
            label = figure.label + (f" ({figure.note})" if figure.note else "")
            text = text_of(figure.value, figure.kind, f)
            # A long amount is set smaller rather than broken over two lines.
            size = min(13.0, (width / per_row - 12) / max(
                stringWidth(text, fonts.BODY_BOLD, 13), 1) * 13)
            style = ParagraphStyle("fitted", parent=styles["figure"], fontSize=size,
                                   leading=max(size * 1.2, 12))
            row.append([Paragraph(escape(text), style),
                        Paragraph(escape(label), styles["label"])])
        row += [""] * (per_row - len(row))
        cells.append(row)
    grid = LongTable(cells, colWidths=[width / per_row] * per_row)
    grid.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), fonts.BODY),  # (the empty cells: else Helvetica)
        ("BACKGROUND", (0, 0), (-1, -1), SHADE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return grid


def _category(value: object, f: Formatter) -> str:
    if isinstance(value, date):
        return f.month_initial(value)
    return str(value)


def _chart(chart: Chart, f: Formatter, width: float) -> Drawing:
    height = 62 * mm
    drawing = Drawing(width, height)
    drawing.initialFontName = fonts.BODY  # (else it starts in Helvetica, not embedded)
    bars = VerticalBarChart()
    bars.x, bars.y = 14 * mm, 12 * mm
    bars.width, bars.height = width - 20 * mm, height - 22 * mm
    top = max((float(v) for series in chart.series for v in series.values), default=0.0)
    if chart.kind is ChartKind.STACKED:
        top = max((sum(float(s.values[i]) for s in chart.series)
                   for i in range(len(chart.categories))), default=0.0)
    # Big amounts read in thousands, as on the screen.
    scale = 1000.0 if chart.money and top >= 10_000 else 1.0
    data = [[float(v) / scale for v in series.values] for series in chart.series]
    bars.data = data or [[0]]
    bars.categoryAxis.categoryNames = [_category(c, f) for c in chart.categories]
    bars.categoryAxis.labels.fontName = fonts.BODY
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.labels.fontName = fonts.BODY
    bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = max(top / scale * 1.1, 4)
    bars.valueAxis.labelTextFormat = lambda v: f.number(round(v))
    if not chart.money or top / scale < 10:
        bars.valueAxis.valueStep = max(1, round(bars.valueAxis.valueMax / 5))
    if scale > 1:
        drawing.add(String(0, height - 4 * mm, f"thousands ({f.currency})",
                           fontName=fonts.BODY, fontSize=7, fillColor=GREY))
    bars.valueAxis.strokeColor = RULE
    bars.valueAxis.gridStrokeColor = LIGHT
    bars.valueAxis.visibleGrid = True
    bars.categoryAxis.strokeColor = RULE
    if chart.kind is ChartKind.STACKED:
        bars.categoryAxis.style = "stacked"
    bars.barSpacing = 1
    bars.groupSpacing = 6
    for i in range(len(data)):
        bars.bars[i].fillColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        bars.bars[i].strokeColor = None
    drawing.add(bars)
    if len(chart.series) > 1:
        legend = Legend()
        legend.x, legend.y = 14 * mm, 4 * mm
        legend.fontName, legend.fontSize = fonts.BODY, 7
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 40 * mm
        legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], s.name)
                                 for i, s in enumerate(chart.series)]
        drawing.add(legend)
    elif not chart.series or not chart.categories:
        drawing.add(String(width / 2, height / 2, "Nothing to show for this period",
                           fontName=fonts.BODY, fontSize=8, fillColor=GREY,
                           textAnchor="middle"))
    return drawing


def _table(table: Table, f: Formatter, styles: dict[str, ParagraphStyle],
           width: float) -> list[Any]:
    kinds = [c.kind for c in table.columns]
    right = [k not in (Kind.TEXT, Kind.MONTH, Kind.DATE) for k in kinds]
    header = [Paragraph(f"<b>{escape(c.title)}</b>", styles["right" if r else "body"])
              for c, r in zip(table.columns, right, strict=True)]

    def cells(values: Sequence[Value]) -> list[Any]:
        return [Paragraph(escape(text_of(v, k, f)), styles["right" if r else "body"])
                for v, k, r in zip(values, kinds, right, strict=True)]

    rows = [cells(row.cells) for row in table.rows]
    total = cells(table.total.cells) if table.total else None
    every = (*table.rows, *((table.total,) if table.total else ()))
    texts = [[text_of(r.cells[i], kinds[i], f) for r in every] for i in range(len(kinds))]
    widest = [max((stringWidth(t, fonts.BODY_BOLD, 8.5)
                   for t in (table.columns[i].title, *texts[i])), default=0)
              for i in range(len(kinds))]
    # Text columns share what is left by how much they usually hold (a name next to a
    # long sentence still gets room for a name).
    weights = [math.sqrt(min(max(sum(map(len, column)) / max(len(column), 1), 8), 120))
               for column in texts]
    widths = _widths(kinds, widest, weights, width)
    flowables: list[Any] = [Paragraph(escape(table.title), styles["heading"])]
    if not rows:
        flowables.append(Paragraph("Nothing in this period.", styles["small"]))
        return flowables
    for start in range(0, len(rows), ROWS_PER_CHUNK):
        chunk = rows[start:start + ROWS_PER_CHUNK]
        last = start + ROWS_PER_CHUNK >= len(rows)
        body = [header, *chunk, *([total] if total and last else [])]
        grid = LongTable(body, colWidths=widths, repeatRows=1)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), fonts.BODY),  # (else the table's own Helvetica)
            ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, GREY),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        if total and last:
            style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, black),
                      ("BACKGROUND", (0, -1), (-1, -1), SHADE)]
        grid.setStyle(TableStyle(style))
        flowables.append(grid)
    if table.note:
        flowables.append(Paragraph(escape(table.note), styles["small"]))
    return flowables


def _widths(kinds: Sequence[Kind], widest: Sequence[float], weights: Sequence[float],
            width: float) -> list[float]:
    """Number and date columns as wide as their widest value (header included); text
    columns share what is left by their weights."""
    padding = 12
    fixed = [min(max(w + padding, 14 * mm), 42 * mm) if k is not Kind.TEXT else 0.0
             for k, w in zip(kinds, widest, strict=True)]
    text_weight = sum(w for k, w in zip(kinds, weights, strict=True) if k is Kind.TEXT)
    if not text_weight:
        return [width / len(kinds)] * len(kinds)
    left = max(width - sum(fixed), 30 * mm)
    return [left * w / text_weight if k is Kind.TEXT else n
            for k, w, n in zip(kinds, weights, fixed, strict=True)]
