"""The README is the front door: it must match the code."""

from __future__ import annotations

from pathlib import Path

from evidence.cli import app
from evidence.docs import render_readme

README = Path(__file__).parents[1] / "README.md"


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
