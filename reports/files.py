"""The weekly review as files: XLSX (a sheet per section), tidy CSV and A4-landscape PDF of the same sections.

`build_report(review, fmt, config, lang)` returns the bytes; the CLI writes them to `--out`
and the page's export buttons send the same bytes.  The output is deterministic for a
review (fixed document dates, no random ids), so the two can be compared byte for byte.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd

from wallboard.config import Config
from wallboard.exports import csv_cell, is_formula_like
from wallboard.i18n import label, t
from wallboard.reports.weekly_review import Column, Section, WeeklyReview

FORMATS = ("xlsx", "csv", "pdf")
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv", "pdf": "application/pdf"}
XLSX_FORMATS = {"count": "#,##0", "percent": "0.0%", "seconds": "0.0", "score": "0.00", "date": "yyyy-mm-dd",
                "hour": "yyyy-mm-dd hh:00"}
XLSX_DELTA_FORMATS = {"count": "+#,##0;-#,##0;0", "percent": "+0.0%;-0.0%;0.0%", "seconds": "+0.0;-0.0;0.0",
                      "score": "+0.00;-0.00;0.00"}
TEXT_KINDS = ("text", "site", "stage", "kpi", "measure", "dimension", "group", "judgement", "note", "flag",
              "date", "hour")
PDF_ROWS = (("kpis",), ("by_day", "complaints"), ("complaint_stages", "complaints_by", "csat_by_site"),
            ("busiest_hours",))


def file_name(review: WeeklyReview, fmt: str) -> str:
    return f"weekly-review-{review.week}.{fmt}"


def build_report(review: WeeklyReview, fmt: str, config: Config, lang: str = "zh") -> bytes:
    """The review in `fmt` (xlsx, csv or pdf); labels in `lang` (the CSV keeps ids and raw values)."""
    if fmt == "xlsx":
        return _xlsx(review, config, lang)
    if fmt == "csv":
        return _csv(review)
    if fmt == "pdf":
        return _pdf(review, config, lang)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


# ------------------------------------------------------------------ shared

def kind_of(column: Column, row: dict) -> str:
    """A cell's unit: its column's, or for the KPI table the row's own."""
    if column.kind in ("row", "row_delta"):
        return row["kind"]
    if column.kind == "group":
        return {"site": "site", "category": "category"}.get(row.get("dimension"), "text")
    return column.kind


def cell_text(column: Column, row: dict, config: Config, lang: str) -> str:
    """How a cell reads on the page and in the PDF (the XLSX keeps numbers as numbers)."""
    value, kind = row.get(column.field), kind_of(column, row)
    if value is None or value == "":
        return "—" if kind not in ("flag", "note", "judgement") else ""
    if column.kind == "row_delta":
        sign = arrow(value, kind)
        return f"= {_delta(0.0, kind, lang).lstrip('+')}" if sign == "=" else f"{sign} {_delta(value, kind, lang)}"
    return {
        "count": lambda v: f"{v:,.0f}",
        "percent": lambda v: f"{100 * v:.1f}%",
        "seconds": lambda v: f"{v:.1f}s",
        "score": lambda v: f"{v:.2f}",
        "site": lambda v: config.site(v).label(lang),
        "stage": lambda v: label("stage", v, lang),
        "category": lambda v: label("category", v, lang),
        "kpi": lambda v: t(f"review.kpi.{v}", lang),
        "measure": lambda v: t(f"review.measure.{v}", lang),
        "dimension": lambda v: t(f"review.dim.{v}", lang),
        "judgement": lambda v: t(f"review.judge.{v}", lang),
        "note": lambda v: t(f"review.note.{v}", lang),
        "flag": lambda v: t("review.note.low_sample", lang) if v else "",
        "date": lambda v: _date(v, lang),
        "hour": lambda v: _hour(v, lang),
    }.get(kind, str)(value)


def _delta(value: float, kind: str, lang: str) -> str:
    if kind == "percent":
        return f"{100 * value:+.1f} {t('review.unit.pp', lang)}"
    if kind == "seconds":
        return f"{value:+.1f}s"
    return f"{value:+,.0f}" if kind == "count" else f"{value:+.2f}"


def arrow(change: float | None, kind: str) -> str:
    """▲ up, ▼ down, = unchanged (within half the last shown digit)."""
    from wallboard.reports.weekly_review import SAME_WITHIN

    if change is None or abs(change) < SAME_WITHIN.get(kind, 1e-9):
        return "="
    return "▲" if change > 0 else "▼"


def _date(value: str, lang: str) -> str:
    day = date.fromisoformat(value)
    return f"{value} {t(f'review.weekday.{day.weekday()}', lang)}"


def _hour(value: str, lang: str) -> str:
    day, hour = value.split("T")
    return f"{_date(day, lang)} {int(hour):02d}:00–{int(hour) + 1:02d}:00"


def header(column: Column, lang: str) -> str:
    return t(f"review.col.{column.field}", lang)


def title(section: Section, lang: str) -> str:
    return t(f"review.section.{section.id}", lang)


def info_rows(review: WeeklyReview, lang: str) -> list[tuple[str, str]]:
    zone = t("review.info.per_site", lang) if review.timezone == "per-site" else review.timezone
    rows = [(t("review.info.week", lang), review.week),
            (t("review.info.from", lang), review.start[:16].replace("T", " ")),
            (t("review.info.to", lang), review.end[:16].replace("T", " ")), (t("review.info.timezone", lang), zone)]
    if review.partial:
        rows.append((t("review.info.partial", lang), t("review.info.partial_yes", lang)))
    return rows


# ------------------------------------------------------------------ CSV

def _csv(review: WeeklyReview) -> bytes:
    """Tidy: one line per cell, `section,row,field,value`; raw values (rates as fractions), ids not labels."""
    cells = [("report", 1, name, value) for name, value in (
        ("week", review.week), ("from", review.start), ("to", review.end), ("timezone", review.timezone),
        ("partial", int(review.partial)))]
    for section in review.sections:
        for i, row in enumerate(section.rows, start=1):
            for column in section.columns:
                value = row.get(column.field)
                cells.append((section.id, i, column.field, int(value) if isinstance(value, bool) else csv_cell(value)))
    tidy = pd.DataFrame(cells, columns=["section", "row", "field", "value"], dtype=object)
    return tidy.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


# ------------------------------------------------------------------ XLSX

def _xlsx_value(column: Column, row: dict, config: Config, lang: str):
    value, kind = row.get(column.field), kind_of(column, row)
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "hour":
        return datetime.strptime(value, "%Y-%m-%dT%H")
    if kind in XLSX_FORMATS or isinstance(value, (int, float)) and kind not in ("flag",):
        return value
    return cell_text(column, row, config, lang)


def _xlsx(review: WeeklyReview, config: Config, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    moment = datetime.fromisoformat(review.start).replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = moment  # deterministic bytes
    wb.properties.creator = "wallboard report"
    wb.properties.title = f"{t('review.title', lang)} {review.week}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    info = wb.active
    info.title = _sheet_name(t("review.info.sheet", lang))
    info.append([t("review.title", lang), review.week])
    info["A1"].font = bold
    for name, value in info_rows(review, lang):
        info.append([name, value])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 22, 32
    _as_text(info)
    for section in review.sections:
        ws = wb.create_sheet(_sheet_name(title(section, lang)))
        ws.append([header(c, lang) for c in section.columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for row in section.rows:
            ws.append([_xlsx_value(c, row, config, lang) for c in section.columns])
            for cell, column in zip(ws[ws.max_row], section.columns, strict=True):
                kind = kind_of(column, row)
                fmt = (XLSX_DELTA_FORMATS if column.kind == "row_delta" else XLSX_FORMATS).get(kind)
                if fmt and cell.value is not None:
                    cell.number_format = fmt
        _as_text(ws)
        ws.freeze_panes = "B2"
        for i in range(1, len(section.columns) + 1):
            ws.column_dimensions[get_column_letter(i)].width = max(
                12, min(34, 2 + max(len(str(c.value or "")) * (2 if lang == "zh" and c.row == 1 else 1)
                                    for c in ws[get_column_letter(i)])))
    return _fixed_zip_times(_saved(wb), moment)


def _as_text(ws) -> None:
    """Text that a spreadsheet would run as a formula (an imported "=HYPERLINK(…)") is stored as text, shown as is."""
    for row in ws.iter_rows():
        for cell in row:
            if is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def _saved(wb) -> bytes:
    """The workbook's bytes with its own properties: `Workbook.save` would stamp `modified` with the clock."""
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    out = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()  # closes the archive
    return out.getvalue()


def _fixed_zip_times(data: bytes, moment: datetime) -> bytes:
    """The same archive with every member dated `moment`: a review's XLSX is the same bytes each time."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _sheet_name(text: str) -> str:
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31]


# ------------------------------------------------------------------ PDF

def _pdf(review: WeeklyReview, config: Config, lang: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from wallboard.reports.fonts import register_report_fonts

    fonts = register_report_fonts()  # embedded: Chinese shows in every viewer, with or without CJK fonts
    base, bold = fonts["regular"], fonts["bold"]
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=16, leading=20, spaceAfter=2 * mm)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=11, leading=14, spaceBefore=3 * mm, spaceAfter=1.5 * mm)
    small = ParagraphStyle("small", fontName=base, fontSize=8.5, leading=11, textColor=colors.HexColor("#5b6b7f"))
    good, bad = colors.HexColor("#1e7e45"), colors.HexColor("#c0392b")

    story = [Paragraph(f"{t('review.title', lang)} {review.week}", h1),
             Paragraph("   ".join(f"{k}: {v}" for k, v in info_rows(review, lang)[1:]), small)]
    blocks = {}
    for section in review.sections:
        head = [header(c, lang) for c in section.columns]
        body = [[cell_text(c, row, config, lang) for c in section.columns] for row in section.rows]
        data = [head] + (body or [[t("review.empty", lang)] + [""] * (len(head) - 1)])
        style = [("FONT", (0, 0), (-1, 0), bold, 8), ("FONT", (0, 1), (-1, -1), base, 8),
                 ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor("#5b6b7f")),
                 ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#8a99ab")),
                 ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#e3e8ef")),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        for j, column in enumerate(section.columns):
            if column.kind not in TEXT_KINDS:
                style.append(("ALIGN", (j, 0), (j, -1), "RIGHT"))
        for i in range(1, len(body) + 1):
            if section.id == "kpis":
                src = section.rows[i - 1]
                for field, judged in (("change_vs_last_week", "judgement"),
                                      ("change_vs_4_weeks", "judgement_4_weeks")):
                    j = [c.field for c in section.columns].index(field)
                    if src.get(judged) in ("better", "worse"):
                        style.append(("TEXTCOLOR", (j, i), (j, i), good if src[judged] == "better" else bad))
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(style))
        heading = title(section, lang)
        width = max(table.wrap(0, 0)[0], pdfmetrics.stringWidth(heading, h2.fontName, h2.fontSize)) + 8 * mm
        blocks[section.id] = (width, [Paragraph(heading, h2), table])
    for ids in PDF_ROWS:  # small tables side by side, so the review fits two A4 pages
        present = [blocks.pop(i) for i in ids if i in blocks]
        row = Table([[b[1] for b in present]], colWidths=[b[0] for b in present], hAlign="LEFT")
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(row)
    story += [KeepTogether(b[1]) for b in blocks.values()]  # any section not placed above
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(t("review.pdf_note", lang), small))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm, invariant=1,
                            title=f"{t('review.title', lang)} {review.week}", author="wallboard")
    doc.build(story, onFirstPage=_page_number(base), onLaterPages=_page_number(base))
    return out.getvalue()


def _page_number(font: str):
    def draw(canvas, doc) -> None:
        from reportlab.lib.units import mm

        canvas.setFont(font, 7)
        canvas.drawRightString(doc.pagesize[0] - 12 * mm, 6 * mm, str(canvas.getPageNumber()))
    return draw
