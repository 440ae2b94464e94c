"""Who may see what: the access rules in one place, free of Flask and Dash so that they are tested alone.

Roles: a kiosk (a wall screen) sees only its pages and its sites, and never a per-agent figure;
a manager sees the sites assigned to them, agents included; an admin sees everything. With no
account in the app database the app runs open (OPEN), as the demo does, and says so on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("kiosk", "manager", "admin")
MANAGER_PAGES = ("/", "/complaints", "/site/", "/skill/", "/agent/", "/satisfaction", "/weekly")
ALL_SITES_PAGES = ("/weekly",)  # pages that only exist for every site at once


@dataclass(frozen=True)
class Principal:
    role: str
    name: str | None = None
    sites: frozenset[str] | None = None  # None: every site
    pages: tuple[str, ...] | None = None  # kiosks: the paths it may show
    credential: str | None = None  # kiosks: the token digest its cookie must still match
    open: bool = False  # no accounts exist: nothing is enforced

    @property
    def all_sites(self) -> bool:
        return self.sites is None


OPEN = Principal(role="admin", open=True)
NOBODY = Principal(role="none", sites=frozenset())  # no principal: may see nothing


def page_route(path: str) -> str:
    """The route a path belongs to: "/site/BJ" → "/site/", "/weekly" → "/weekly"."""
    for prefix in ("/site/", "/skill/", "/agent/"):
        if path.startswith(prefix):
            return prefix
    return path.rstrip("/") or "/"


def can_use_route(p: Principal, route: str) -> bool:
    """Whether any page of a route ("/site/", "/weekly") may be opened (callbacks are checked by route)."""
    if p.role == "admin":
        return True
    if p.role == "manager":
        return route in MANAGER_PAGES
    if p.role == "kiosk":
        return route != "/agent/" and any(page_route(allowed) == route for allowed in (p.pages or ()))
    return False


def can_view_page(p: Principal, path: str) -> bool:
    """Whether the page at `path` may be shown at all (its sites are checked separately).

    A kiosk's pages are exact paths ("/", "/site/BJ"); a path ending in "/" allows the route.
    """
    if p.role == "kiosk":
        return page_route(path) != "/agent/" and any(
            path == allowed or (len(allowed) > 1 and allowed.endswith("/") and path.startswith(allowed))
            for allowed in (p.pages or ()))
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
    return can_view_page(p, path) and (page_route(path) not in ALL_SITES_PAGES or p.all_sites)


def visible_sites(p: Principal, sites: list[str]) -> list[str]:
    return list(sites) if p.all_sites else [s for s in sites if s in p.sites]


def default_site(p: Principal) -> str | None:
    """Where a restricted principal lands on an all-sites page: its first site."""
    return None if p.all_sites or not p.sites else sorted(p.sites)[0]
