"""The layers go one way: crawler/ never loads pipelines/, the local archive never loads Scrapy,
and only the CLI (crawler/cli/, the composer) builds on both."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The composer, and `python -m crawler` which runs it: the only parts of crawler/ that may
# load pipelines/.
COMPOSER = ("crawler.cli", "crawler.__main__")


def module_names(package: str) -> list[str]:
    """Every module of a package, by walking its files (an __init__.py is its package)."""
    names = []
    for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def loaded_after_importing(modules: list[str]) -> list[str]:
    """The modules a fresh interpreter holds once it has imported `modules`."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def of_packages(loaded: list[str], *packages: str) -> list[str]:
    return [name for name in loaded if name.split(".")[0] in packages]


def test_the_crawler_layer_never_loads_pipelines():
    modules = [name for name in module_names("crawler") if not name.startswith(COMPOSER)]
    assert "crawler.spiders.wayback" in modules and "crawler.items" in modules
    loaded = loaded_after_importing(modules)
    offending = of_packages(loaded, "pipelines")
    assert not offending, f"crawler/ (outside crawler/cli) loads {', '.join(offending)}"


def test_the_local_archive_loads_neither_scrapy_nor_pipelines():
    modules = module_names("crawler.archive")
    assert "crawler.archive.server" in modules
    loaded = loaded_after_importing(modules)
    offending = of_packages(loaded, "scrapy", "pipelines")
    assert not offending, f"crawler/archive/ loads {', '.join(offending)}"


def imported_names(path: Path) -> set[str]:
    """The modules a file imports, by name (`from a import b` counts as `a` and `a.b`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_pipeline_imports_the_cli():
    offending = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_names(path) if name.startswith("crawler.cli")
        )
        for path in sorted((ROOT / "pipelines").rglob("*.py"))
    }
    assert {path: names for path, names in offending.items() if names} == {}
