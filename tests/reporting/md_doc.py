"""Read GFM tables back out of the Markdown report, honouring escaped pipes."""

from __future__ import annotations

import re

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_ESCAPE = re.compile(r"\\(.)")


def markdown_tables(markdown: str) -> list[list[list[str]]]:
    """Every table as rows of unescaped cell texts (header row first, separator dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [_ESCAPE.sub(r"\1", c.strip()) for c in _UNESCAPED_PIPE.split(line)[1:-1]]
        if all(set(c) <= set("-:") for c in cells):
            continue
        if current is None:
            current = []
            tables.append(current)
        current.append(cells)
    return tables


def table_with_header(markdown: str, first_header: str) -> list[list[str]]:
    """The body rows of the first table whose first header cell is ``first_header``."""
    for table in markdown_tables(markdown):
        if table[0][0] == first_header:
            return table[1:]
    raise AssertionError(f"no table headed {first_header!r}")


def section(markdown: str, heading: str) -> str:
    """The text under ``## <heading>`` up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    if match is None:
        raise AssertionError(f"no section {heading!r}")
    return match.group(1)
