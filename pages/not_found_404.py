"""Any unknown path: a plain page that says so, in the screen's language, with a way back."""

from __future__ import annotations

import dash
from dash import dcc, html

from wallboard.i18n import resolve, t
from wallboard.live.services import services
from wallboard.urls import WALL_PATH, url

dash.register_page(__name__, path="/404", name="not-found", title="404")


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = resolve(lang, services().config.language)
    return html.Div(className="not-found", children=[
        html.H1(t("error.not_found", lang)),
        dcc.Link(t("nav.wall", lang), href=url(WALL_PATH, lang=lang), className="btn btn-outline-light"),
    ])
