"""Headless Chromium for tests and benchmarks: Debian's, never a downloaded one."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("WALLBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-quic", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("WALLBOARD_ARTIFACTS", "test-artifacts"))
