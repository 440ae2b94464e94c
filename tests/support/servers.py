"""Servers started by tests: `wallboard serve` on a free port, waiting for an answer, /healthz, waiting for a
condition."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def health(base: str) -> dict:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # 503 when stale: the body still says why
        return json.load(e)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s: {what}")


@contextlib.contextmanager
def serve(target_args: list[str], folder: Path, env: dict | None = None, gunicorn: int = 0):
    """`wallboard serve` (or gunicorn with `gunicorn` workers) on a free port; yields (base URL, log path)."""
    port = free_port()
    log = folder / f"server-{port}.log"
    environment = {**os.environ, "WALLBOARD_DATA_DIR": str(folder), **(env or {})}
    if gunicorn:
        binary = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
        command = [binary, "-w", str(gunicorn), "-b", f"127.0.0.1:{port}", "wallboard.wsgi:server"]
    else:
        command = [sys.executable, "-m", "wallboard.cli", "serve", *target_args, "--port", str(port),
                   "--poll-seconds", "1"]
    with open(log, "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz", 90, proc)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
