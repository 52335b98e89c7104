"""The project's own tooling as tests: ruff (lint, format) on everything, mypy on pure modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_ruff(command):
    result = subprocess.run([tool("ruff"), *command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_the_pure_modules():
    result = subprocess.run([tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_command_is_documented_in_the_readme():
    from crawler.cli import cli

    readme = (ROOT / "README.md").read_text()
    names = []
    for name, command in cli.commands.items():
        subcommands = getattr(command, "commands", None)
        names += (
            [f"policytrail {name} {sub}" for sub in subcommands]
            if subcommands
            else [f"policytrail {name}"]
        )
    missing = [name for name in names if name not in readme]
    assert not missing, f"not in README.md: {missing}"


def test_every_command_has_an_example_in_its_help():
    from click import Context

    from crawler.cli import cli

    def walk(group, prefix):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, f"{prefix} {name}")
            else:
                yield f"{prefix} {name}", command

    lacking = [
        name
        for name, command in walk(cli, "policytrail")
        if "Example" not in command.get_help(Context(command, info_name=name))
    ]
    assert not lacking, f"no example in --help: {lacking}"
