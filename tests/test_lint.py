"""The code base stays ruff-clean (rules in pyproject.toml), checked with the tests."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_lint001_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", "wallboard", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_lint002_maths_imports_no_framework():
    """wallboard/maths is pure: it imports no Dash, Flask, SQLAlchemy or pandas (its README's rule)."""
    banned = {"dash", "flask", "sqlalchemy", "pandas", "dash_bootstrap_components", "plotly"}
    for path in (ROOT / "wallboard" / "maths").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in banned, f"{path.name} imports {name}"
                assert not name.startswith(("wallboard.data_access", "wallboard.components")), path.name


def test_lint003_nothing_imports_pages():
    """Arrows point one way: nothing outside pages/ imports a page module."""
    for path in (ROOT / "wallboard").rglob("*.py"):
        if "pages" in path.parts:
            continue
        assert "wallboard.pages" not in path.read_text(encoding="utf-8"), path


def test_lint004_no_cdn():
    """Wall screens are offline: nothing may reference a CDN."""
    cdns = ("cdn.jsdelivr", "cdnjs.", "unpkg.com", "fonts.googleapis", "fonts.gstatic", "cdn.plot.ly",
            "bootstrapcdn", "dbc.themes.", "dbc.icons.")
    for path in (ROOT / "wallboard").rglob("*"):
        if path.suffix in (".py", ".css", ".js", ".html"):
            text = path.read_text(encoding="utf-8", errors="ignore")
            assert not any(c in text for c in cdns), path
