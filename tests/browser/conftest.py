"""A live demo server and headless Chromium (Debian's, never a downloaded one) for browser tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from support.databases import IN_CI
from support.servers import free_port, wait_http


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """Where the demo server keeps its SQLite database (demo.db)."""
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory, demo_data_dir):
    """`wallboard demo` with two days of history, polling every second."""
    port = free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "demo", "--port", str(port),
                                 "--data-dir", str(demo_data_dir), "--history-days", "2",
                                 "--poll-seconds", "1"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/", 90, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} not found: browser tests must run in CI")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageWatch:
    """A page plus what it logged and requested, for the no-console-error and offline checks."""

    def __init__(self, browser, width: int, height: int) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in (
            "error", "warning") else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def watch(browser):
    watches = []

    def make(width: int = 1920, height: int = 1080) -> PageWatch:
        w = PageWatch(browser, width, height)
        watches.append(w)
        return w
    yield make
    for w in watches:
        w.page.close()
