"""The code base stays ruff-clean and keeps its architecture: the folder map and the arrows between folders.

The layers and who may import whom are docs/architecture.md's table; `ALLOWED` here is that table.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.source import ROOT, module_name, package_files

ROOT_MODULES = {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
BASE = {"config", "i18n", "ids", "urls", "routes", "exports"}  # plain values and rules every layer may use
ENTRY = {"app", "cli", "wsgi", "shell", "__init__"}  # the application's entry points and its shell
LAYERS = ("maths", "data_access", "live", "reports", "ingest", "demo", "auth", "alerts", "components", "pages")
ALLOWED = {
    "maths": set(),
    "base": {"maths"},
    "data_access": {"maths", "base"},
    "live": {"data_access", "maths", "base"},
    "reports": {"data_access", "maths", "base"},
    "ingest": {"data_access", "maths", "base"},
    "demo": {"data_access", "maths", "base"},
    "auth": {"live", "data_access", "maths", "base"},
    "alerts": {"components", "live", "data_access", "maths", "base"},
    "components": {"maths", "base"},
    "pages": {"components", "reports", "live", "auth", "alerts", "maths", "base"},
    "entry": {"base", "maths", "data_access", "live", "reports", "ingest", "demo", "auth", "alerts", "components"},
}
FRAMEWORKS = {"dash", "flask", "sqlalchemy", "pandas", "dash_bootstrap_components", "dash_ag_grid", "plotly",
              "werkzeug"}


def layer_of(module: str) -> str:
    """The layer of a `wallboard.…` module name."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    if top in LAYERS:
        return top
    if top in BASE:
        return "base"
    if top in ENTRY:
        return "entry"
    raise AssertionError(f"{module}: not in any layer of docs/architecture.md (add it to the map)")


def imports_of(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in a file, relative imports resolved."""
    out = []
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, []) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            out.append((node.lineno, module, [a.name for a in node.names]))
    return out


def is_module(name: str) -> bool:
    """Whether `wallboard.a.b` names a module or package of the project (rather than a name inside one)."""
    path = ROOT.joinpath(*name.split(".")[1:])
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def project_target(module: str, names: list[str]) -> list[str]:
    """The project modules an import reaches (`from wallboard.auth import accounts` reaches wallboard.auth.accounts)."""
    if module != "wallboard" and not module.startswith("wallboard."):
        return []
    targets = []
    for name in names or [""]:
        sub = f"{module}.{name}" if name else module
        targets.append(sub if name and is_module(sub) else module)
    return targets


def violations(files: list[Path]) -> list[str]:
    found = []
    for path in files:
        source = layer_of(module_name(path))
        for line, module, names in imports_of(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if module.split(".")[0] in ROOT_MODULES and module.split(".")[0] != "wallboard":
                found.append(f"{where}: bare import of the root module {module!r} (use wallboard.{module})")
                continue
            if source == "maths" and module.split(".")[0] in FRAMEWORKS:
                found.append(f"{where}: maths imports the framework {module}")
            for target in project_target(module, names):
                layer = layer_of(target)
                if layer != source and layer not in ALLOWED[source]:
                    found.append(f"{where}: {source} may not import {layer} ({target})")
    return found


def private_imports(files: list[Path]) -> list[str]:
    """`from wallboard.x import _name` and `module._name` on an imported project module."""
    found = []
    for path in files:
        label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wallboard"):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        found.append(f"{label}:{node.lineno}: imports the private {a.name}")
                    elif is_module(f"{node.module}.{a.name}"):
                        modules.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                modules.update(a.asname for a in node.names if a.name.startswith("wallboard") and a.asname)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{label}:{node.lineno}: uses the private {node.value.id}.{node.attr}")
    return found


def test_lint001_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_lint002_every_import_follows_the_layer_map():
    """pages → components, reports, live, auth; reports and live → data_access, maths; ingest and demo →
    data_access, maths; maths → nothing of the project; nothing imports pages; no bare root-module imports."""
    assert not violations(list(package_files()))


def test_lint003_the_layer_check_fails_on_a_planted_violation():
    """The check above can fail: a planted reports → pages import, maths → sqlalchemy and a bare `import config`."""
    planted = {"reports/planted.py": "from wallboard.pages import wall\n",
               "maths/planted.py": "import sqlalchemy\nfrom wallboard.config import Config\n",
               "data_access/planted.py": "import config\nfrom wallboard.live.poller import Poller\n"}
    paths = [ROOT / name for name in planted]
    try:
        for path, text in zip(paths, planted.values(), strict=True):
            path.write_text(text, encoding="utf-8")
        found = violations(paths)
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    assert any("reports may not import pages" in f for f in found), found
    assert any("maths imports the framework sqlalchemy" in f for f in found), found
    assert any("maths may not import base" in f for f in found), found
    assert any("bare import of the root module 'config'" in f for f in found), found
    assert any("data_access may not import live" in f for f in found), found


def test_lint004_no_module_imports_another_modules_private_names():
    """Package, tests and benchmarks: a leading underscore means "this module only"."""
    files = list(package_files()) + sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "bench").glob("*.py"))
    assert not private_imports(files)


def test_lint005_the_private_name_check_fails_on_a_planted_use(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from wallboard.live.snapshot import _tiles\nfrom wallboard.ingest import importers\n"
                       "importers._anything\n", encoding="utf-8")
    found = private_imports([planted])
    assert len(found) == 2, found


@pytest.mark.parametrize("folder", [*LAYERS])
def test_lint006_every_layer_folder_states_its_rule(folder):
    """Each layer folder has a README (one paragraph: its rule), shipped with the package."""
    readme = ROOT / folder / "README.md"
    assert readme.exists() and len(readme.read_text(encoding="utf-8").split()) >= 20, readme


def test_lint007_no_cdn():
    """Wall screens are offline: nothing may reference a CDN."""
    cdns = ("cdn.jsdelivr", "cdnjs.", "unpkg.com", "fonts.googleapis", "fonts.gstatic", "cdn.plot.ly",
            "bootstrapcdn", "dbc.themes.", "dbc.icons.")
    for pattern in ("*.py", "*.css", "*.js", "*.html"):
        for path in package_files(pattern):
            text = path.read_text(encoding="utf-8", errors="ignore")
            assert not any(c in text for c in cdns), path
