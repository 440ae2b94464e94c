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
