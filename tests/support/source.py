"""The project's own source files: the repository root is the package `wallboard` (docs/architecture.md).

Everything under the root is the package except these folders, which are never installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_PACKAGE = {"tests", "bench", "docs", "build", ".venv", ".git", ".ci", "data", "test-artifacts"}


def package_files(pattern: str = "*.py") -> Iterator[Path]:
    """Files of the installed package (the root less tests/, bench/, docs/ and what tools leave there)."""
    for path in sorted(ROOT.rglob(pattern)):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_PACKAGE or relative.parts[0].startswith(".") or "__pycache__" in relative.parts:
            continue
        yield path


def module_name(path: Path) -> str:
    """`wallboard.live.poller` for live/poller.py, `wallboard` for __init__.py."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["wallboard", *parts])
