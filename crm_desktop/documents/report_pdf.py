"""A report as a PDF in the invoices' house style: the shop's name over a grey rule, the
report's title and period, the headline figures in a row of boxes, each chart drawn with
ReportLab's own charts (its numbers are in the table below it), then every table, its header
repeated on each page. A4 or Letter, as the shop's paper; every font embedded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import Color, HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
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
from crm_desktop.documents.report_document import Chart, ChartKind, Figure, Kind, Report, Table
from crm_desktop.documents.report_output import text_of
from crm_desktop.formatting import Formatter

GREY = Color(0.42, 0.42, 0.42)
LIGHT = Color(0.93, 0.93, 0.93)
RULE = Color(0.75, 0.75, 0.75)
SHADE = Color(0.97, 0.97, 0.97)
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
        author=shop_name, creator="CRM Desktop")
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
    per_row = 4
    cells: list[list[Any]] = []
    for start in range(0, len(figures), per_row):
        row: list[Any] = []
        for figure in figures[start:start + per_row]:
            label = figure.label + (f" ({figure.note})" if figure.note else "")
            row.append([Paragraph(escape(text_of(figure.value, figure.kind, f)),
                                  styles["figure"]),
                        Paragraph(escape(label), styles["label"])])
        row += [""] * (per_row - len(row))
        cells.append(row)
    grid = LongTable(cells, colWidths=[width / per_row] * per_row)
    grid.setStyle(TableStyle([
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
    bars = VerticalBarChart()
    bars.x, bars.y = 14 * mm, 12 * mm
    bars.width, bars.height = width - 20 * mm, height - 22 * mm
    data = [[float(v) for v in series.values] for series in chart.series]
    bars.data = data or [[0]]
    bars.categoryAxis.categoryNames = [_category(c, f) for c in chart.categories]
    bars.categoryAxis.labels.fontName = fonts.BODY
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.labels.fontName = fonts.BODY
    bars.valueAxis.labels.fontSize = 7
    top = max((max(values, default=0) for values in data), default=0)
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = max(top * 1.1, 1 if chart.money else 4)
    if chart.money:
        bars.valueAxis.labelTextFormat = lambda v: _short_money(v, f)
    else:
        bars.valueAxis.labelTextFormat = "%d"
        bars.valueAxis.valueStep = max(1, round(bars.valueAxis.valueMax / 5))
    bars.valueAxis.strokeColor = RULE
    bars.valueAxis.gridStrokeColor = LIGHT
    bars.valueAxis.visibleGrid = True
    bars.categoryAxis.strokeColor = RULE
    if chart.kind is ChartKind.STACKED:
        bars.categoryAxis.style = "stacked"
        bars.valueAxis.valueMax = max(
            max((sum(float(s.values[i]) for s in chart.series)
                 for i in range(len(chart.categories))), default=0) * 1.1, 4)
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


def _short_money(value: float, f: Formatter) -> str:
    """Axis labels: whole amounts, no cents."""
    return f.money(Decimal(round(value))).replace(".00", "").replace(",00", "")


def _table(table: Table, f: Formatter, styles: dict[str, ParagraphStyle],
           width: float) -> list[Any]:
    kinds = [c.kind for c in table.columns]
    right = [k not in (Kind.TEXT, Kind.MONTH, Kind.DATE) for k in kinds]
    header = [Paragraph(f"<b>{escape(c.title)}</b>", styles["right" if r else "body"])
              for c, r in zip(table.columns, right, strict=True)]

    def cells(values: Sequence[object]) -> list[Any]:
        return [Paragraph(escape(text_of(v, k, f)), styles["right" if r else "body"])  # type: ignore[arg-type]
                for v, k, r in zip(values, kinds, right, strict=True)]

    rows = [cells(row.cells) for row in table.rows]
    total = cells(table.total.cells) if table.total else None
    widths = _widths(kinds, width)
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


def _widths(kinds: Sequence[Kind], width: float) -> list[float]:
    """Text columns share what the number columns leave."""
    number = 24 * mm
    texts = sum(k is Kind.TEXT for k in kinds)
    numbers = len(kinds) - texts
    if not texts:
        return [width / len(kinds)] * len(kinds)
    number = min(number, width * 0.6 / max(numbers, 1))
    text = (width - number * numbers) / texts
    return [text if k is Kind.TEXT else number for k in kinds]
