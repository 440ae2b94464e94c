"""Page-local live timers, with a gate so that polls never overlap.

A page's callbacks are driven by its own timers, so they stop when the page is left.
The server poll is requested by a clientside gate every second: a new request is sent
only when the poll interval has passed *and* the previous answer has arrived (or is
given up after 30 s) — an interval that fires while the last request is still running
is the classic way a Dash wall leaks memory (plotly/dash#2198).
"""

from __future__ import annotations

import dash
from dash import ClientsideFunction, Input, Output, State, dcc


def page_timers(tick_id: str, request_id: str, served_id: str, poll_seconds: float) -> list:
    """A one-second tick (faster when polls are: soak tests), the poll request and the last answered one."""
    return [dcc.Interval(id=tick_id, interval=min(1000, int(poll_seconds * 1000))),
            dcc.Store(id=request_id, data={"seq": 0, "at": 0, "every": int(poll_seconds * 1000)}),
            dcc.Store(id=served_id, data={"seq": 0})]


def register_poll_gate(tick_id: str, request_id: str, served_id: str) -> None:
    dash.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="pollGate"),
        Output(request_id, "data"), Input(tick_id, "n_intervals"), State(request_id, "data"),
        State(served_id, "data"), prevent_initial_call=True,
    )


def register_queue_feed(feed_id: str, open_id: str) -> None:
    """Open the page's event stream (assets/wallboard/live.js `queueFeed`) once its store `{"url", "meta"}` is on the
    page; the stream closes itself when the page is left, and the browser reconnects it when it drops."""
    dash.clientside_callback(
        ClientsideFunction(namespace="wallboard", function_name="queueFeed"),
        Output(open_id, "data"), Input(feed_id, "data"),
    )


def register_drill_navigation(sink_id: str, charts: tuple[str, ...] = (), grid: tuple[str, str] | None = None,
                              period: str | None = None, day: tuple[str, str] | None = None) -> None:
    """Clientside navigation of a drill-down page (assets/wallboard/drill.js), all writing one dummy store.

    charts: graphs whose bars carry their target URL in customdata; grid: (grid id, store holding
    a "/agent/{id}?…" template); period: the prefix of `create_period_controls`; day: (date input, base URL store).
    """
    def nav(function: str, *inputs) -> None:
        dash.clientside_callback(ClientsideFunction(namespace="drill", function_name=function),
                                 Output(sink_id, "data", allow_duplicate=True), *inputs, prevent_initial_call=True)

    for chart in charts:
        nav("openPoint", Input(chart, "clickData"))
    if grid:
        nav("openRow", Input(grid[0], "cellClicked"), State(grid[1], "data"))
    if period:
        nav("applyPeriod", Input(f"{period}-apply", "n_clicks"), State(f"{period}-from", "value"),
            State(f"{period}-to", "value"), State(f"{period}-by", "value"), State(f"{period}-base", "data"))
    if day:
        nav("applyDay", Input(day[0], "value"), State(day[1], "data"))
