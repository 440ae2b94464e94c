"""`/layouts` — for administrators: every `[layouts.<name>]` of the config (CONTRACT section 9), what it shows and
how its wall looks at 1080p and 4K proportions (the wall itself, framed and scaled down).

Reads the configuration only; each preview is a real wall (`/?layout=NAME&kiosk=1`), polling like any screen.
"""

from __future__ import annotations

import dash
from dash import html

from wallboard.auth.web import can_view_page
from wallboard.components.navigation import create_forbidden
from wallboard.config import WallLayout
from wallboard.i18n import resolve, t
from wallboard.live.services import services
from wallboard.urls import LAYOUTS_PATH, WALL_PATH, url

dash.register_page(__name__, path=LAYOUTS_PATH, name="layouts", title="Layouts", order=8, nav="nav.layouts",
                   id_prefix="lay-", theme="light", roles=("admin",), scope="admin")

SCREENS = (("1080p", 1920, 1080), ("4K", 3840, 2160))
PREVIEW_WIDTH = 480  # px on the admin's screen, whatever the screen previewed


def layout(lang: str | None = None, **_query) -> html.Div:
    cfg = services().config
    lang = resolve(lang, cfg.language)
    if not can_view_page(LAYOUTS_PATH):  # admins only: a layout names sites and teams
        return create_forbidden(lang)
    layouts = list(cfg.layouts.values())
    return html.Div(className="doc layouts-page", children=[
        html.H1(t("layouts.title", lang)),
        html.P(t("layouts.help" if layouts else "layouts.none", lang), className="muted"),
        *[_layout_card(x, lang) for x in layouts],
    ])


def _layout_card(layout: WallLayout, lang: str) -> html.Section:
    cfg = services().config
    wall = url(WALL_PATH, layout=layout.id, lang=lang)

    def names(values: tuple[str, ...], label) -> str:
        return " · ".join(label(v) for v in values) if values else t("layouts.all", lang)

    facts = [
        ("layouts.tiles", names(layout.tiles, lambda x: t(f"kpi.{x}", lang))),
        ("layouts.panels", names(layout.panels, lambda x: t(f"panel.{x}", lang))),
        ("layouts.sites", names(layout.sites, cfg.site_name(lang))),
        ("layouts.groups", names(layout.skill_groups, cfg.group_name(lang))),
    ]
    return html.Section(className="card-panel layout-card", **{"data-layout": layout.id}, children=[
        html.Div(className="doc-head", children=[
            html.H2([layout.label(lang), html.Span(f" · {layout.id}", className="muted")]),
            html.A([html.I(className="bi bi-display"), " ", t("layouts.open", lang)], href=wall,
                   className="doc-action"),
        ]),
        html.Dl(className="layout-facts", children=[x for key, value in facts
                                                    for x in (html.Dt(t(key, lang)), html.Dd(value))]),
        html.Div(className="layout-previews", children=[_preview(layout, name, w, h, lang) for name, w, h in SCREENS]),
    ])


def _preview(layout: WallLayout, name: str, width: int, height: int, lang: str) -> html.Figure:
    """The wall at a screen's size, scaled to PREVIEW_WIDTH: what that screen shows, in proportion."""
    scale = PREVIEW_WIDTH / width
    return html.Figure(className="layout-preview", **{"data-screen": name}, children=[
        html.Div(className="layout-frame", style={"width": f"{PREVIEW_WIDTH}px",
                                                  "height": f"{round(height * scale)}px"}, children=[
            html.Iframe(src=url(WALL_PATH, layout=layout.id, lang=lang, kiosk="1"), title=f"{layout.id} {name}",
                        style={"width": f"{width}px", "height": f"{height}px", "transform": f"scale({scale})",
                               "transformOrigin": "0 0", "border": "0"}),
        ]),
        html.Figcaption(f"{name} · {width}×{height}"),
    ])
