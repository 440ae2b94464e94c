"""The agent board: one cell per logged-in agent — state by colour and shape, time in state, the not-ready reason or
the current call's duration — problems first, paged like every long list (CONTRACT section 5 hooks `data-agent`,
`data-state`, `data-since`).

The cells carry their limits (`data-warn`, `data-alert`, seconds in state) so that the browser turns them warn or
alert as the time passes, between polls (assets/wallboard/live.js `tickAgents`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, html

from wallboard.components.formatting import seconds
from wallboard.components.paging import page_props, page_slice
from wallboard.i18n import t
from wallboard.maths.agent_limits import AgentLimits, agent_level, board_order

STATE_ICONS = {"available": "bi-check-circle-fill", "on_call": "bi-telephone-fill", "wrap_up": "bi-pencil-fill",
               "not_ready": "bi-pause-circle-fill"}


def _ids(prefix: str) -> tuple[str, str, str]:
    """The pattern types of a page's cells, times and call timers (ids start with the page's prefix: a callback is
    authorised by its ids' page)."""
    return f"{prefix}agent-cell", f"{prefix}agent-time", f"{prefix}agent-call"


def board_rows(agents: list[dict], limits: AgentLimits, now: datetime | None = None) -> list[dict]:
    """The logged-in agents in the board's order (problems first), each with its seconds in state, limit and level
    now."""
    now = now or datetime.now(UTC)
    rows = []
    for a in agents:
        if a["state"] not in STATE_ICONS:
            continue  # logged out (or a state no tile counts)
        in_state = max(0.0, (now - datetime.fromisoformat(a["since"])).total_seconds())
        limit = limits.limit_for(a["state"], a.get("reason"))
        rows.append({**a, "in_state": in_state, "limit": limit, "level": agent_level(in_state, limit),
                     "order": board_order(in_state, a["state"], limit)})
    return sorted(rows, key=lambda r: (*r["order"], r["agent_name"] or r["agent_id"], r["agent_id"]))


def create_agent_board(agents: list[dict], limits: AgentLimits, lang: str, id_prefix: str, per_page: int,
                       at_seconds: float, now: datetime | None = None) -> html.Div:
    """The board of `agents` (snapshot rows of one scope): the page of `per_page` cells shown at `at_seconds`, with
    a count of problems in its head. `data-page` when there is more than one page."""
    cell_type, time_type, call_type = _ids(id_prefix)
    rows = board_rows(agents, limits, now)
    problems = {lvl: sum(r["level"] == lvl for r in rows) for lvl in ("alert", "warn")}
    shown, k, n = page_slice(rows, per_page, at_seconds)
    cells = []
    for i, r in enumerate(shown):
        limit = r["limit"]
        name = r["agent_name"] or r["agent_id"]
        detail: list = []
        if r["state"] == "not_ready":
            detail = [html.Span(r.get("reason") or t("state.not_ready", lang), className="agent-reason")]
        elif r["state"] == "on_call" and r.get("call_since"):
            detail = [html.Span(seconds(_since(r["call_since"], now)), className="agent-call",
                                id={"type": call_type, "index": i}, **{"data-since": r["call_since"]})]
        else:
            detail = [html.Span(t(f"state.{r['state']}", lang), className="agent-state-label")]
        cells.append(html.Div(
            id={"type": cell_type, "index": i}, className=f"agent-cell state-{r['state']}",
            title=f"{name} · {r['agent_id']}",
            **{"data-agent": r["agent_id"], "data-state": r["state"], "data-since": r["since"],
               "data-level": r["level"], "data-warn": f"{limit.warn:g}" if limit else "",
               "data-alert": f"{limit.alert:g}" if limit else ""},
            children=[
                html.I(className=f"bi {STATE_ICONS[r['state']]} agent-icon", **{"aria-label": t(f"state.{r['state']}",
                                                                                                   lang)}),
                html.Span(name, className="agent-name"),
                html.Span(seconds(r["in_state"]), className="agent-time", id={"type": time_type, "index": i}),
                html.Div(detail, className="agent-detail"),
            ]))
    head = t("agents.board_head", lang, n=len(rows), alert=problems["alert"], warn=problems["warn"])
    return html.Div(className="agent-board", **page_props((k, n) if n > 1 else None), children=[
        html.Div(head, className="agent-board-head"),
        html.Div(cells, className="agent-cells") if cells else html.P(t("agents.none", lang), className="muted"),
        *([html.Div(t("list.page", lang, k=k, n=n), className="page-caption")] if n > 1 else []),
    ])


def _since(iso: str, now: datetime | None) -> float:
    return max(0.0, ((now or datetime.now(UTC)) - datetime.fromisoformat(iso)).total_seconds())


def register_agent_ticks(tick_id: str, id_prefix: str) -> None:
    """Every second in the browser: each cell's time in state and call timer, and its level from its limits."""
    cell_type, time_type, call_type = _ids(id_prefix)
    dash.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="tickAgents"),
        Output({"type": cell_type, "index": ALL}, "data-level"),
        Output({"type": time_type, "index": ALL}, "children"),
        Output({"type": call_type, "index": ALL}, "children"),
        Input(tick_id, "n_intervals"),
        State({"type": cell_type, "index": ALL}, "data-since"),
        State({"type": cell_type, "index": ALL}, "data-warn"),
        State({"type": cell_type, "index": ALL}, "data-alert"),
        State({"type": call_type, "index": ALL}, "data-since"),
        prevent_initial_call=True,
    )
