"""The route table: what each page declares on its `dash.register_page` call, and every list derived from it.

A page declares, beside its path, these extra keys (Dash keeps them in `dash.page_registry`):

* `nav`: the i18n key of its navigation entry (None: not in the navigation), `order` its place;
* `id_prefix`: the start of every component id of the page (a callback is authorised by its ids' page);
* `theme`: "dark" for wall screens (read across a room), "light" for laptop pages;
* `roles`: who may open it — "manager", "admin", and "kiosk" for pages a wall screen may be given;
* `scope`: "all_or_site" (all sites, or one with ?site=; a restricted account lands on its own),
  "one_site" (/site/<id>), "all_sites" (exists only for every site at once), "skill_group", "agent"
  (per-agent figures: never on a kiosk), "admin" (about the system, not a site);
* `kiosk_default`: a page a new wall screen shows when `kiosk add` names none.

This module reads the registry only when asked (Dash fills it when the app is created), so
importing it starts nothing and the access rules that use it stay free of Flask and Dash.
"""

from __future__ import annotations

from dataclasses import dataclass

THEME_COOKIE = "wallboard-theme"


@dataclass(frozen=True)
class Route:
    path: str  # "/weekly", or a template's fixed start: "/site/" for "/site/<site_id>"
    name: str
    id_prefix: str
    theme: str
    roles: tuple[str, ...]
    scope: str
    nav: str | None = None
    order: int = 0
    kiosk_default: bool = False


_TABLE: dict[tuple[str, ...], list[Route]] = {}  # by the registry's pages: built once, read on every request


def table() -> list[Route]:
    """Every declared route, in navigation order (pages without an id prefix, such as 404, are not routes)."""
    import dash

    pages = tuple(dash.page_registry)
    if pages not in _TABLE:
        _TABLE[pages] = _build(dash.page_registry.values())
    return _TABLE[pages]


def _build(registry) -> list[Route]:
    routes = []
    for page in registry:
        if "id_prefix" not in page:
            continue
        template = page.get("path_template")
        path = template[:template.index("<")] if template else page["path"]
        routes.append(Route(path=path, name=page["name"], id_prefix=page["id_prefix"], theme=page["theme"],
                            roles=tuple(page["roles"]), scope=page["scope"], nav=page.get("nav"),
                            order=page.get("order") or 0, kiosk_default=bool(page.get("kiosk_default"))))
    if not routes:
        raise RuntimeError("no routes: the route table is read after the Dash app (and its pages) exists")
    return sorted(routes, key=lambda r: (r.order, r.path))


def route_of(path: str) -> Route | None:
    """The route a path belongs to: "/site/BJ" → the "/site/" route; None for a path that is no page."""
    path = path or "/"
    for route in table():
        if route.path == path or (route.path.endswith("/") and len(route.path) > 1 and path.startswith(route.path)):
            return route
    trimmed = path.rstrip("/")
    return next((r for r in table() if trimmed and r.path == trimmed), None)


def page_route(path: str) -> str:
    """The route's path of a page path: "/site/BJ" → "/site/", "/weekly/" → "/weekly" (unknown paths as given)."""
    route = route_of(path)
    return route.path if route else (path.rstrip("/") or "/")


def route_for_id(component_id: str) -> Route | None:
    """The route whose page owns a component id (by its prefix, e.g. "site-tiles" → /site/)."""
    return next((r for r in table() if component_id.startswith(r.id_prefix)), None)


def nav_entries() -> list[tuple[str, str]]:
    """(path, i18n key) of the navigation, in order."""
    return [(r.path, r.nav) for r in table() if r.nav]


def kiosk_default_pages() -> tuple[str, ...]:
    return tuple(r.path for r in table() if r.kiosk_default)


def request_theme(pathname: str | None = None) -> str:
    """"dark" or "light": wall screens are dark; laptop pages follow the toggle's cookie, light by default."""
    from flask import has_request_context, request

    route = route_of(pathname) if pathname else None
    if route is not None and route.theme == "dark":
        return "dark"
    chosen = request.cookies.get(THEME_COOKIE) if has_request_context() else None
    return "dark" if chosen == "dark" else "light"
