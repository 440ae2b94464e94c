"""Builders for the complaint deadline board: stage progress, the list, counts, the timeline."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from dash import html

from wallboard.components.formatting import countdown, percent, seconds_since
from wallboard.components.paging import create_page_caption, page_props
from wallboard.i18n import label, t
from wallboard.maths.deadlines import STAGES

STATUS_ICONS = {"met": "bi-check-circle-fill", "missed": "bi-check-circle", "open": "bi-circle",
                "due_soon": "bi-exclamation-triangle-fill", "overdue": "bi-x-octagon-fill"}
ROW_TYPE = "complaint-row"
COUNTDOWN_TYPE = "complaint-countdown"


def create_stage_progress(stages: list[dict], lang: str) -> html.Div:
    """One pill per applicable stage, coloured and shaped by its status."""
    return html.Div(className="stage-progress", children=[
        html.Span(className=f"stage-pill bi {STATUS_ICONS[s['status']]}", **{"data-status": s["status"]},
                  title=f"{t('stage.' + s['stage'], lang)}: {t('status.' + s['status'], lang)}")
        for s in stages])


def create_provisional_mark(lang: str) -> html.Span:
    """Beside a deadline counted on a calendar year without an official schedule: it may still move."""
    return html.Span(f" ({t('calendar.provisional_short', lang)})", className="stage-provisional",
                     title=t("calendar.provisional", lang), **{"data-provisional": "true"})


def _next_stage_cell(r: dict, lang: str) -> list:
    if not r["next_stage"]:
        return ["—"]
    stage = next((s for s in r["stages"] if s["stage"] == r["next_stage"]), {})
    return [t(f"stage.{r['next_stage']}", lang), *([create_provisional_mark(lang)] if stage.get("provisional") else [])]


def create_complaint_table(rows: list[dict], lang: str, site_name, page: tuple[int, int] = (1, 1)) -> html.Table:
    """The open complaints (one page of them: `page` = (k, n), carried as `data-page`)."""
    head = ["complaints.id", "groups.site", "complaints.severity", "complaints.category", "complaints.progress",
            "complaints.next_stage", "complaints.remaining"]
    body = [html.Tr(id={"type": ROW_TYPE, "index": r["complaint_id"]}, n_clicks=0, className="clickable",
                    **{"data-status": r["status"]}, children=[
                        html.Td(r["complaint_id"], className="mono"), html.Td(site_name(r["site"])),
                        html.Td(r["severity"]), html.Td(label("category", r["category"], lang)),
                        html.Td(create_stage_progress(r["stages"], lang)),
                        html.Td(_next_stage_cell(r, lang)),
                        html.Td(countdown(-seconds_since(r["next_due_at"])) if r["next_due_at"] else "",
                                className="num countdown", id={"type": COUNTDOWN_TYPE, "index": r["complaint_id"]},
                                **{"data-due": r["next_due_at"] or ""}),
                    ]) for r in rows]
    return html.Table(className="board-table", **page_props(page), children=[
        html.Thead(html.Tr([html.Th(t(h, lang)) for h in head])), html.Tbody(body),
        *create_page_caption(page, lang)])


def create_counts(title: str, counts: Counter, labels: dict[str, str], order: list[str] | None = None) -> html.Div:
    """A small labelled bar list (count per site, severity or category)."""
    keys = order or [k for k, _ in counts.most_common()]
    top = max(counts.values(), default=0) or 1
    return html.Div(className="count-list", children=[html.H3(title), *[
        html.Div(className="count-row", children=[
            html.Span(labels.get(k, k), className="count-label"),
            html.Span(className="count-bar", style={"width": f"{100 * counts.get(k, 0) / top:.0f}%"}),
            html.Span(str(counts.get(k, 0)), className="count-value num"),
        ]) for k in keys]])


def create_on_time(rates: dict[str, dict[str, int]], lang: str) -> html.Table:
    rows = []
    for stage in STAGES:
        met, missed = rates.get(stage, {}).get("met", 0), rates.get(stage, {}).get("missed", 0)
        share = met / (met + missed) if met + missed else None
        rows.append(html.Tr([html.Td(t(f"stage.{stage}", lang)), html.Td(percent(share, 0), className="num"),
                             html.Td(f"{met}/{met + missed}", className="num muted")]))
    return html.Table(className="board-table compact", children=[
        html.Thead(html.Tr([html.Th(t("complaints.stage", lang)), html.Th(t("complaints.on_time", lang)),
                            html.Th("")])), html.Tbody(rows)])


def create_timeline(row: dict, lang: str, fmt_time) -> html.Div:
    """A complaint's stages in order: due, done, status."""
    return html.Div(className="timeline", children=[
        html.Div(className="timeline-step", **{"data-status": s["status"]}, children=[
            html.I(className=f"bi {STATUS_ICONS[s['status']]}"),
            html.Strong(t(f"stage.{s['stage']}", lang)),
            html.Span([f"{t('complaints.due', lang)} {fmt_time(s['due_at'])}",
                       *([create_provisional_mark(lang)] if s.get("provisional") else [])]),
            html.Span(f"{t('complaints.done', lang)} {fmt_time(s['done_at'])}"),
            html.Span(t(f"status.{s['status']}", lang), className="timeline-status"),
        ]) for s in row["stages"]])


def format_local(iso: str | None) -> str:
    """'2026-03-02 10:00' in the time's own zone (the site's), or a dash."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M") if iso else "—"


def tally(rows: list[dict], field: str) -> Counter:
    return Counter(r[field] for r in rows)
