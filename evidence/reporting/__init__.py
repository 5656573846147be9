"""evidence/reporting: a ReportContext in, an HTML and a Markdown report out.

``render_html``/``render_markdown`` return strings, ``write_report`` writes both files,
``render_forest_svg`` draws one forest plot. They are imported lazily so that importing the
package (e.g. for ``context``) does not pay for jinja2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidence.reporting.forest import render_forest_svg
    from evidence.reporting.render import ReportPaths, render_html, render_markdown, write_report

__all__ = ["ReportPaths", "render_forest_svg", "render_html", "render_markdown", "write_report"]

_HOMES = {
    "render_forest_svg": "evidence.reporting.forest",
    "render_html": "evidence.reporting.render",
    "render_markdown": "evidence.reporting.render",
    "write_report": "evidence.reporting.render",
    "ReportPaths": "evidence.reporting.render",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
