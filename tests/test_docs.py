"""The README is the front door: it must match the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from evidence.cli import app
from evidence.docs import render_readme

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"


def test_readme_input_formats_match_the_contracts() -> None:
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "run: python -m evidence.docs"


def test_every_command_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"scar-evidence {name}" in text, name


def test_first_screen_shows_the_two_commands() -> None:
    head = "\n".join(README.read_text(encoding="utf-8").splitlines()[:20])
    assert "make demo" in head
    assert "make test" in head


def test_supported_pythons_are_the_same_in_readme_pyproject_and_the_finder() -> None:
    finder = (ROOT / "scripts" / "find-python.sh").read_text(encoding="utf-8")
    found = re.search(r"^SUPPORTED=\(([^)]*)\)", finder, flags=re.MULTILINE)
    assert found, "scripts/find-python.sh lists SUPPORTED=(...)"
    supported = found.group(1).split()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prefix = "Programming Language :: Python :: "
    classified = [c.removeprefix(prefix) for c in project["classifiers"] if c.startswith(prefix)]
    assert classified == supported
    assert project["requires-python"] == f">={supported[0]}"
    named = f"Python {', '.join(supported[:-1])} or {supported[-1]}"
    head = "\n".join(README.read_text(encoding="utf-8").splitlines()[:20])
    assert f"Needs {named}" in head
