"""`/data-quality` — for administrators: is the live data fresh, why not, and which source rows are bad.

Reads only the cache (the poller's status, the snapshot's data-quality counts); never
the databases, so it answers even while they are down.  Access control arrives with
logins (a later issue): the page will then be admin-only.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Input, Output, State, dcc, html

from wallboard.auth.web import can_view_page
from wallboard.components.navigation import create_forbidden
from wallboard.i18n import resolve, t
from wallboard.live.reader import SnapshotReader
from wallboard.live.services import services
from wallboard.urls import DATA_QUALITY_PATH

dash.register_page(__name__, path=DATA_QUALITY_PATH, name="data-quality", title="Data quality", order=7,
                   id_prefix="dq-", theme="light", roles=("admin",), scope="admin")

PARAMS = "dq-params"
REFRESH = "dq-refresh"
BODY = "dq-body"
REFRESH_SECONDS = 10

CHECKS = ("calls.negative_interval", "calls.future_time", "calls.absurd_duration", "calls.duplicate_id",
          "calls.missing_site", "calls.missing_skill_group", "calls.answered_without_queue",
          "calls.answered_without_agent", "agent_states.unknown_state", "agent_states.missing_site",
          "agent_states.future_time", "surveys.score_out_of_range", "surveys.future_time",
          "complaints.future_time", "complaints.negative_interval")


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = resolve(lang, services().config.language)
    if not can_view_page(DATA_QUALITY_PATH):  # admins only: the checks name tables, hosts and files
        return create_forbidden(lang)
    return html.Div(className="doc dq", children=[
        dcc.Store(id=PARAMS, data={"lang": lang}),
        dcc.Interval(id=REFRESH, interval=REFRESH_SECONDS * 1000),
        html.H1(t("dq.title", lang)),
        html.P(t("dq.admin_note", lang), className="muted dq-note"),
        html.Div(id=BODY, children=create_content(lang)),
    ])


@dash.callback(Output(BODY, "children"), Input(REFRESH, "n_intervals"), State(PARAMS, "data"),
               prevent_initial_call=True)
def refresh(_n: int | None, params: dict) -> list:
    return create_content(params["lang"])


def _time(iso: str | None) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def create_content(lang: str) -> list:
    """The page's cards from the cache: polling status, bad-row counts, recent imports."""
    svc = services()
    live = svc.reader()
    status = svc.poll_status()
    quality = live.get("data_quality", {})
    sections = [html.Div(className="doc-grid-2", children=[_polling(live, status, svc, lang),
                                                           _unknown(quality, lang)]),
                _checks(quality, lang), _imports(quality, lang),
                _sources(svc, lang), _history(svc, lang), _alert_channels(svc, lang), _calendars(svc.config, lang)]
    return [s for s in sections if s is not None]  # no sources configured: no card


def _row(label: str, value, state: str | None = None) -> html.Tr:
    return html.Tr([html.Th(label), html.Td(value, className="dq-value", **({"data-state": state} if state else {}))])


def _polling(live: SnapshotReader, status: dict, svc, lang: str) -> html.Section:
    computed, age, stale = live.computed_at, live.age_seconds(), live.is_stale()
    lag = live.get("replica_lag_seconds")
    cache = type(svc.cache.cache).__name__
    note = getattr(svc.cache, "config", {}).get("WALLBOARD_CACHE_NOTE")
    error = status.get("last_error")
    return html.Section(className="card-panel dq-poll", children=[
        html.H2(t("dq.poll_title", lang)),
        html.Table(className="plain dq-facts", children=html.Tbody([
            _row(t("dq.last_good", lang), _time(computed) if computed else t("dq.never", lang),
                 "stale" if stale else "fresh"),
            _row(t("dq.age", lang), t("dq.seconds", lang, n=f"{age:,.1f}") if age is not None else "—",
                 "stale" if stale else "fresh"),
            _row(t("dq.last_error", lang), html.Span(error or t("dq.no_error", lang), className="dq-error"),
                 "alert" if error else "ok"),
            _row(t("dq.compute", lang), t("dq.seconds", lang, n=status.get("compute_seconds", "—"))),
            _row(t("dq.replica_lag", lang), t("dq.unknown", lang) if lag is None else t("dq.seconds", lang, n=lag),
                 "warn" if lag else None),
            _row(t("dq.cache", lang), f"{cache}" + (f" — {note}" if note else ""), "warn" if note else None),
        ])),
    ])


def _unknown(quality: dict, lang: str) -> html.Section:
    def listing(values: dict) -> html.Ul | html.P:
        if not values:
            return html.P(t("none", lang), className="muted")
        return html.Ul([html.Li(f"{key}: {n:,}") for key, n in sorted(values.items())], className="dq-list")
    return html.Section(className="card-panel", children=[
        html.H2(t("dq.unknown_sites", lang)), listing(quality.get("unknown_sites") or {}),
        html.H2(t("dq.unknown_groups", lang)), listing(quality.get("unknown_skill_groups") or {}),
        html.P(t("dq.unknown_handling", lang), className="muted"),
    ])


def _checks(quality: dict, lang: str) -> html.Section:
    counts = quality.get("counts")
    if counts is None:
        return html.Section(className="card-panel", children=[html.P(t("dq.not_checked", lang), className="muted")])
    rows = [html.Tr([html.Td(t(f"dq.c.{key}", lang)), html.Td(f"{counts[key]:,}", className="num"),
                     html.Td(t(f"dq.h.{key}", lang), className="dq-handling")],
                    className="dq-bad" if counts[key] else None, **{"data-check": key})
            for key in CHECKS if key in counts]
    errors = quality.get("errors") or []
    return html.Section(className="card-panel", children=[
        html.H2(t("dq.checks_title", lang, hours=f"{quality.get('window_hours', 24):g}")),
        html.P(t("dq.checked_at", lang, time=_time(quality.get("checked_at")), seconds=quality.get("check_seconds")),
               className="muted"),
        html.Table(className="plain dq-checks", children=[
            html.Thead(html.Tr([html.Th(t("dq.check", lang)), html.Th(t("dq.rows", lang), className="num"),
                                html.Th(t("dq.handling", lang))])),
            html.Tbody(rows)]),
        *([html.H2(t("dq.check_errors", lang)), html.Ul([html.Li(e) for e in errors], className="dq-list dq-error")]
          if errors else []),
    ])


def _imports(quality: dict, lang: str) -> html.Section:
    imports = quality.get("imports") or []
    columns = ("kind", "file", "finished", "imported", "updated", "rejected", "flagged")
    body = [html.Tr([html.Td(i["kind"]), html.Td(i["file"]), html.Td(_time(i["finished_at"])),
                     *[html.Td(f"{i[c]:,}", className="num") for c in columns[3:]]],
                    className="dq-bad" if i["rejected"] or i["flagged"] else None) for i in imports]
    return html.Section(className="card-panel", children=[
        html.H2(t("dq.imports_title", lang)),
        html.Table(className="plain", children=[
            html.Thead(html.Tr([html.Th(t(f"dq.{c}", lang), className="num" if i > 2 else None)
                                for i, c in enumerate(columns)])),
            html.Tbody(body)]) if imports else html.P(t("dq.imports_none", lang), className="muted"),
    ])


def _alert_channels(svc, lang: str) -> html.Section:
    """Each alert channel URL (masked): messages waiting, sent and given up in the last day, and the last error."""
    from wallboard.alerts.channels import masked

    cfg = svc.config
    health = {(h.channel, h.url_index): h for h in svc.alerts().get("channels", [])}
    rows = []
    for name, urls in cfg.alerts.channels.items():
        for i, url_ in enumerate(urls):
            h = health.get((name, i))
            error = h.last_error if h and (h.pending or h.failed) else None
            state = "alert" if h and h.failed else "warn" if error else "ok"
            rows.append(html.Tr(className="dq-bad" if state != "ok" else None,
                                **{"data-channel": f"{name}[{i}]", "data-state": state}, children=[
                html.Td([html.Strong(name), html.Br(), html.Span(masked(url_), className="mono muted")]),
                *[html.Td(f"{getattr(h, k) if h else 0:,}", className="num") for k in ("pending", "sent", "failed")],
                html.Td(error or t("dq.no_error", lang), className="dq-error" if error else "muted")]))
    return html.Section(className="card-panel dq-alerts", children=[
        html.H2(t("dq.alerts_title", lang)),
        html.Table(className="plain", children=[
            html.Thead(html.Tr([html.Th(t(k, lang), className="num" if k in ("dq.pending", "dq.sent", "dq.failed")
                                        else None)
                                for k in ("dq.channel", "dq.pending", "dq.sent", "dq.failed", "dq.last_error")])),
            html.Tbody(rows)]) if rows else html.P(t("dq.alerts_none", lang), className="muted"),
    ])


def _sources(svc, lang: str) -> html.Section | None:
    """Each live source (CONTRACT section 7): events read, rows written, rejected, how far behind, last error."""
    statuses = svc.source_statuses()
    if not statuses:
        return None
    rows = []
    for s in statuses:
        error, started = s.get("last_error"), "updated_at" in s
        state = "alert" if error else "warn" if not started or s.get("rejected") or not s.get("caught_up") else "ok"
        lag = t("dq.source_caught_up", lang) if s.get("caught_up") else \
            t("dq.seconds", lang, n=s["lag_seconds"]) if s.get("lag_seconds") is not None else "—"
        rows.append(html.Tr(className="dq-bad" if state == "alert" else None,
                            **{"data-source": s["source"], "data-state": state}, children=[
            html.Td([html.Strong(s["source"]), html.Br(),
                     html.Span(f"{s['kind']} · {s.get('where') or ''}", className="mono muted")]),
            *[html.Td(f"{s.get(k) or 0:,}", className="num") for k in ("events", "rows", "rejected")],
            html.Td(_time(s.get("last_event_at"))), html.Td(lag if started else t("dq.source_waiting", lang)),
            html.Td(" · ".join(t(f"dq.source_{k}", lang, n=f"{n:,}") for k, n in (s.get("quality") or {}).items()
                               if n) or "—", className="muted"),
            html.Td(error or s.get("note") or t("dq.no_error", lang), className="dq-error" if error else "muted")]))
    heads = ("dq.source", "dq.source_events", "dq.source_rows", "dq.source_rejected", "dq.source_last_event",
             "dq.source_lag", "dq.source_odd", "dq.last_error")
    return html.Section(className="card-panel dq-sources", children=[
        html.H2(t("dq.sources_title", lang)),
        html.Table(className="plain", children=[
            html.Thead(html.Tr([html.Th(t(k, lang), className="num" if k in heads[1:4] else None) for k in heads])),
            html.Tbody(rows)]),
        html.P(t("dq.sources_help", lang), className="muted"),
    ])


def _calendars(cfg, lang: str) -> html.Section:
    """Holiday calendars in use whose this-year or next-year schedule is not official (deadlines provisional)."""
    from wallboard.maths.working_days import is_official_year

    this_year = datetime.now(UTC).year
    codes = sorted({s.holidays for s in cfg.sites} if cfg.sites else {cfg.site("").holidays})
    missing = [(code, year) for code in codes for year in (this_year, this_year + 1)
               if not is_official_year(year, code, cfg.calendar(code))]
    return html.Section(className="card-panel dq-calendars", children=[
        html.H2(t("dq.calendars_title", lang)),
        html.Ul([html.Li(t("dq.calendar_unofficial", lang, code=code, year=year), className="dq-calendar",
                         **{"data-calendar": f"{code}:{year}"}) for code, year in missing], className="dq-list")
        if missing else html.P(t("dq.calendars_ok", lang), className="muted"),
    ])


def _history(svc, lang: str) -> html.Section:
    """The history aggregates: the range they cover, the keeper's last pass and what its checks repaired."""
    from wallboard.live.history import STATUS_KEY

    status = svc.cache.get(STATUS_KEY) or {}
    if not status:
        return html.Section(className="card-panel dq-history", children=[
            html.H2(t("dq.history_title", lang)), html.P(t("dq.history_none", lang), className="muted")])
    repaired = status.get("repaired_total", 0)
    error = status.get("last_error")
    return html.Section(className="card-panel dq-history", children=[
        html.H2(t("dq.history_title", lang)),
        html.Table(className="plain dq-facts", children=html.Tbody([
            _row(t("dq.history_covered", lang),
                 f"{_time(status.get('covered_from'))} – {_time(status.get('covered_to'))}"),
            _row(t("dq.history_pass", lang), f"{_time(status.get('last_pass'))} · "
                 + t("dq.seconds", lang, n=status.get("pass_seconds", "—"))),
            _row(t("dq.history_check", lang), t("dq.history_check_value", lang, day=status.get("last_check_day", "—"),
                                                 n=status.get("last_check_repaired", 0), total=repaired),
                 "warn" if repaired else "ok"),
            _row(t("dq.last_error", lang), html.Span(error or t("dq.no_error", lang), className="dq-error"),
                 "alert" if error else "ok"),
        ])),
        html.P(t("dq.history_help", lang), className="muted"),
    ])
