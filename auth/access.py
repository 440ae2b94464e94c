"""Who may see what: the access rules in one place, free of Flask and Dash so that they are tested alone.

Roles: a kiosk (a wall screen) sees only its pages and its sites, and never a per-agent figure;
a manager sees the sites assigned to them, agents included; an admin sees everything. With no
account in the app database the app runs open (OPEN), as the demo does, and says so on screen.
Which roles each page admits, and its scope, are declared on the page's `register_page`
(routes.py); the rules here apply them.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallboard.routes import kiosk_default_pages, page_route, route_of

ROLES = ("kiosk", "manager", "admin")


@dataclass(frozen=True)
class Principal:
    role: str
    name: str | None = None
    sites: frozenset[str] | None = None  # None: every site
    pages: tuple[str, ...] | None = None  # kiosks: the paths it may show
    credential: str | None = None  # kiosks: the token digest its cookie must still match
    open: bool = False  # no accounts exist: nothing is enforced
    layout: str | None = None  # kiosks: the wall layout it shows, whatever the address asks for

    @property
    def all_sites(self) -> bool:
        return self.sites is None


OPEN = Principal(role="admin", open=True)
NOBODY = Principal(role="none", sites=frozenset())  # no principal: may see nothing


def _kiosk_pages(p: Principal) -> tuple[str, ...]:
    """The pages a wall screen was given, else the pages declared `kiosk_default`."""
    return p.pages or kiosk_default_pages()


def _admits(route: str, role: str) -> bool:
    declared = route_of(route)
    return declared is not None and declared.path == route and role in declared.roles


def can_use_route(p: Principal, route: str) -> bool:
    """Whether any page of a route ("/site/", "/weekly") may be opened (callbacks are checked by route)."""
    if p.role == "admin":
        return True
    if p.role == "manager":
        return _admits(route, "manager")
    if p.role == "kiosk":
        return _admits(route, "kiosk") and any(page_route(allowed) == route for allowed in _kiosk_pages(p))
    return False


def can_view_page(p: Principal, path: str) -> bool:
    """Whether the page at `path` may be shown at all (its sites are checked separately).

    A kiosk's pages are exact paths ("/", "/site/BJ"); a path ending in "/" allows the route.
    """
    if p.role == "kiosk":
        return _admits(page_route(path), "kiosk") and any(
            path == allowed or (len(allowed) > 1 and allowed.endswith("/") and path.startswith(allowed))
            for allowed in _kiosk_pages(p))
    return can_use_route(p, page_route(path))


def can_view_site(p: Principal, site: str | None) -> bool:
    """One site's figures; `None` means the figures of all sites together."""
    if p.all_sites:
        return True
    return site is not None and site in p.sites


def can_view_agents(p: Principal, site: str | None) -> bool:
    """Per-agent figures (names, states, handle times, scores) of a site: managers and admins of that site."""
    return p.role in ("manager", "admin") and can_view_site(p, site)


def can_open(p: Principal, path: str) -> bool:
    """Whether a navigation link to `path` leads somewhere the principal may see (hidden otherwise)."""
    route = route_of(path)
    return can_view_page(p, path) and (route is None or route.scope != "all_sites" or p.all_sites)


def visible_sites(p: Principal, sites: list[str]) -> list[str]:
    return list(sites) if p.all_sites else [s for s in sites if s in p.sites]


def default_site(p: Principal) -> str | None:
    """Where a restricted principal lands on an all-sites page: its first site."""
    return None if p.all_sites or not p.sites else sorted(p.sites)[0]
