"""A real server under attack: accounts an attacker meets, and a browser-like client that crafts requests.

Shared by the attack suite (tests/security/) and its fixtures.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import requests

from support.callbacks import callback_body, router_body
from support.databases import server_database
from wallboard.auth import accounts
from wallboard.data_access.engines import make_engine

PASSWORD = "correct horse battery"
CALLBACKS = "/_dash-update-component"


@dataclass
class Target:
    """A running server and what the tests need to attack it."""

    base: str
    backend: str
    app_url: str
    calls_url: str
    folder: Path
    log: Path
    tokens: dict[str, str]
    deps: list[dict] = field(default_factory=list)

    def session(self, who: str | None = None, address: str | None = None) -> requests.Session:
        """A browser: signed in as a user ("boss", "bj"), opened as a kiosk ("kiosk-bj", "kiosk-all",
        "kiosk-page"), or anonymous."""
        s = requests.Session()
        if who in self.tokens:
            r = s.get(f"{self.base}/kiosk/{self.tokens[who]}", allow_redirects=False, timeout=30)
            assert r.status_code == 302, r.text
        elif who is not None:
            r = self.login(s, who, PASSWORD)
            assert r.status_code == 302, (who, r.status_code)
        return s

    def csrf(self, s: requests.Session) -> str:
        page = s.get(f"{self.base}/login", timeout=30).text
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def login(self, s: requests.Session, name: str, password: str, next_path: str = "/",
              headers: dict | None = None):
        data = {"name": name, "password": password, "csrf": self.csrf(s), "next": next_path}
        return s.post(f"{self.base}/login", data=data, headers=headers, allow_redirects=False, timeout=60)

    def callback(self, s: requests.Session, output_contains: str, values: dict) -> requests.Response:
        return s.post(self.base + CALLBACKS, json=callback_body(self.deps, output_contains, values), timeout=60)

    def route(self, s: requests.Session, path: str, search: str = "", input_id: str | None = None):
        return s.post(self.base + CALLBACKS, json=router_body(self.deps, path, search, input_id), timeout=60)

    def agent_of(self, site: str) -> str:
        """An agent of a site, from the calls database."""
        from sqlalchemy import select

        from wallboard.data_access.schema import agents
        engine = make_engine(self.calls_url)
        with engine.connect() as conn:
            agent = conn.execute(select(agents.c.agent_id).where(agents.c.site == site).limit(1)).scalar_one()
        engine.dispose()
        return agent

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def app_database(backend: str, folder: Path):
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'app.db'}"
    else:
        with server_database(backend) as url:
            yield url


def add_accounts(app_url: str) -> dict[str, str]:
    engine = make_engine(app_url)
    accounts.init_app_db(engine)
    accounts.add_user(engine, "boss", PASSWORD, "admin")
    accounts.add_user(engine, "bj", PASSWORD, "manager", ("BJ",))
    accounts.add_user(engine, "madmin", PASSWORD, "admin")
    tokens = {"kiosk-bj": accounts.add_kiosk(engine, "floor-bj", ("BJ",), ("/", "/complaints"))[1],
              "kiosk-all": accounts.add_kiosk(engine, "floor-all", (), ("/", "/complaints"))[1],
              "kiosk-page": accounts.add_kiosk(engine, "site-bj-only", (), ("/site/BJ",))[1],
              "kiosk-team": accounts.add_kiosk(engine, "team-bj", ("BJ",), ("/",), "bj-team")[1]}
    engine.dispose()
    return tokens
