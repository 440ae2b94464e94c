"""`/alerts` — open and past alerts with their times, scope and value; acknowledging stops the reminders.

A manager sees the alerts of their sites, an admin all of them (an alert of the whole centre is for those
who may see every site). Reads the alert worker's lists, refreshed once per poll per process: the page
adds no database load however many are open; only an acknowledgement writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from wallboard.alerts import store
from wallboard.auth.web import can_view_page, can_view_site, current_principal
from wallboard.components.alert_banner import local_time, scope_label, value_text
from wallboard.components.navigation import create_forbidden
from wallboard.config import COMPLAINT_DUE, STALE
from wallboard.i18n import label, resolve, t
from wallboard.live.services import services
from wallboard.urls import ALERTS_PATH

dash.register_page(__name__, path=ALERTS_PATH, name="alerts", title="Alerts", order=5, nav="nav.alerts",
                   id_prefix="alr-", theme="light", roles=("manager", "admin"), scope="all_or_site")

PARAMS = "alr-params"
REFRESH = "alr-refresh"
BODY = "alr-body"
ACK = "alr-ack"
SHOWN = 500  # open alerts listed (the count above says how many there are)


def layout(site: str | None = None, lang: str | None = None, **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    if not can_view_page(ALERTS_PATH) or (site and not can_view_site(site)):
        return create_forbidden(lang)
    return html.Div(className="doc alerts-page", children=[
        dcc.Store(id=PARAMS, data={"lang": lang, "site": site}),
        dcc.Interval(id=REFRESH, interval=max(2.0, cfg.poll_seconds) * 1000),
        html.H1(t("alerts.title", lang)),
        html.P(t("alerts.ack_help", lang) if cfg.alerts.rules else t("alerts.none_configured", lang),
               className="muted"),
        html.Div(id=BODY, children=create_content(site, lang)),
    ])


@dash.callback(Output(BODY, "children"), Input(REFRESH, "n_intervals"),
               Input({"type": ACK, "id": ALL}, "n_clicks"), State(PARAMS, "data"), prevent_initial_call=True)
def refresh(_n, _clicks, params: dict) -> list:
    """Every poll, and on an acknowledgement: that alert (if the caller may see it) is acknowledged first."""
    site, lang = params.get("site"), params.get("lang", "zh")
    if site and not can_view_site(site):
        raise PreventUpdate
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and trigger.get("type") == ACK:
        if not any(ctx.triggered[i]["value"] for i in range(len(ctx.triggered))):
            raise PreventUpdate  # the buttons were (re)drawn, not clicked
        _acknowledge(trigger.get("id"))
    return create_content(site, lang)


def _acknowledge(alert_id) -> None:
    svc = services()
    alert = next((a for a in svc.alerts()["open"] if a.id == alert_id), None)
    if alert is None or not can_view_site(alert.site) or svc.app_db is None:
        return  # not open, or not the caller's to see: nothing to do, nothing said
    who = current_principal()
    store.acknowledge(svc.app_db, alert.id, (who.name if who and who.name else "open"), sites=None)
    if svc.alert_board:
        svc.alert_board.refresh_lists()


def _visible(alerts: list, site: str | None) -> list:
    return [a for a in alerts if can_view_site(a.site) and (site is None or a.site == site)]


def create_content(site: str | None, lang: str) -> list:
    lists = services().alerts()
    open_, past = _visible(lists["open"], site), _visible(lists["past"], site)
    return [
        html.Section(className="card-panel", children=[
            html.H2(f"{t('alerts.open', lang)} ({len(open_):,})"),
            _table(open_[:SHOWN], lang, is_open=True) if open_ else html.P(t("alerts.none_open", lang),
                                                                          className="muted", **{"data-empty": "open"}),
        ]),
        html.Section(className="card-panel", children=[
            html.H2(t("alerts.past", lang)),
            _table(past, lang, is_open=False) if past else html.P(t("alerts.none_past", lang), className="muted",
                                                                  **{"data-empty": "past"}),
        ]),
    ]


def _what(a, lang: str) -> str:
    if a.tile == COMPLAINT_DUE:
        complaint, _, stage = (a.subject or "|").partition("|")
        return t("alerts.complaint", lang, complaint=complaint, stage=label("stage", stage, lang))
    return t("alert.stale", lang) if a.tile == STALE else t(f"kpi.{a.tile}", lang)


def _table(alerts: list, lang: str, is_open: bool) -> html.Table:
    cfg = services().config
    zone = cfg.timezone
    heads = ["what", "scope", "level", "value", "since", "ack" if is_open else "closed"]
    rows = []
    for a in alerts:
        value = (f"{value_text(a.tile, a.value)} / {value_text(a.tile, a.threshold)}"
                 if a.tile != COMPLAINT_DUE else local_time_iso(a.detail, zone))
        if is_open:
            last = (t("alerts.acked", lang, who=a.acked_by, time=local_time(a.acked_at, zone)) if a.acked_at else
                    html.Button(t("alerts.ack", lang), id={"type": ACK, "id": a.id}, className="btn-ack",
                                n_clicks=0))
        else:
            last = local_time(a.closed_at, zone)
        rows.append(html.Tr(**{"data-alert": str(a.id), "data-state": "open" if is_open else "closed",
                               "data-level": a.level}, className=f"alert-row level-{a.level}", children=[
            html.Td(_what(a, lang)), html.Td(scope_label(a.scope, cfg, lang)),
            html.Td(t(f"level.{a.level}", lang), className="alert-level"), html.Td(value, className="num"),
            html.Td(local_time(a.since, zone)), html.Td(last)]))
    return html.Table(className="plain alerts-table", children=[
        html.Thead(html.Tr([html.Th(t(f"alerts.col.{h}", lang)) for h in heads])), html.Tbody(rows)])


def local_time_iso(iso: str | None, zone: str) -> str:
    """A complaint stage's due time as the wall writes it."""
    if not iso:
        return "—"
    return local_time(datetime.fromisoformat(iso).astimezone(UTC).replace(tzinfo=None), zone)
