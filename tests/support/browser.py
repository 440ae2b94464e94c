"""Headless Chromium for tests and benchmarks: Debian's, never a downloaded one."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("WALLBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-quic", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("WALLBOARD_ARTIFACTS", "test-artifacts"))


def sign_in(page, base: str, name: str, password: str, path: str = "/") -> None:
    """Open `path` as a signed-out browser (the login page comes), sign in as `name`; the page then loads `path`."""
    page.goto(base + path)
    page.wait_for_selector("#password", timeout=20_000)
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
