"""``report.pdf``: the HTML report printed by headless Chromium, or by WeasyPrint without it.

Chromium prints the page a reader opens (its layout engine, the report's ``@page`` rules);
WeasyPrint, pure Python, took 88 s and 1.3 GB for a 6 MB report of 200 studies. Chromium is
found as ``$SCAR_EVIDENCE_CHROMIUM`` or ``chromium`` / ``chromium-browser`` / ``google-chrome``
on the PATH, and runs offline in a throw-away profile with the flags this machine kind needs
(no sandbox as root, no GPU, no background network). Without it, or when it fails, WeasyPrint
prints the report.

A registry's report lists a thousand studies in several tables: a hundred printed pages
nobody reads. The printed edition (:func:`print_edition`) keeps the first
:data:`PRINTED_ROWS` rows of each table and says how many more ``report.html`` and
``tables/*.csv`` hold; everything else is the HTML report as it is.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
TIMEOUT_SECONDS = 120
#: The rows a printed table keeps.
PRINTED_ROWS = 60
_TBODY = re.compile(r"(<tbody>)(.*?)(</tbody>)", re.DOTALL)
_ROW = re.compile(r"<tr\b.*?</tr>", re.DOTALL)
_BODY = re.compile(r"(<body[^>]*>)")


def print_edition(html: str) -> str:
    """The HTML report with each table cut to its first :data:`PRINTED_ROWS` rows."""
    cut = 0

    def shorten(body: re.Match[str]) -> str:
        nonlocal cut
        rows = _ROW.findall(body.group(2))
        if len(rows) <= PRINTED_ROWS:
            return body.group(0)
        cut += 1
        more = len(rows) - PRINTED_ROWS
        note = (
            f'<tr><td colspan="20" class="note">… {more:,} more rows: report.html and '
            "tables/*.csv hold them all.</td></tr>"
        )
        return body.group(1) + "".join(rows[:PRINTED_ROWS]) + note + body.group(3)

    printed = _TBODY.sub(shorten, html)
    if not cut:
        return html
    banner = (
        '<p class="note">Printed edition: tables longer than '
        f"{PRINTED_ROWS} rows are cut; report.html and tables/*.csv hold every row.</p>"
    )
    return _BODY.sub(lambda m: m.group(1) + banner, printed, count=1)


def chromium() -> str | None:
    """The Chromium to print with, or None."""
    named = os.environ.get("SCAR_EVIDENCE_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def start_pdf(html: str, pdf_path: Path) -> Callable[[], str | None]:
    """Start printing ``html`` (its printed edition) to ``pdf_path``; returns the function
    that waits for the PDF and says who printed it ("chromium", "weasyprint"), or None when
    neither is installed. Chromium prints in its own process while the caller goes on."""
    source = pdf_path.with_suffix(".print.html")
    source.write_text(print_edition(html), encoding="utf-8")
    browser = chromium()
    profile = tempfile.TemporaryDirectory(prefix="scar-evidence-chromium-")
    printing = None
    if browser is not None:
        try:
            printing = subprocess.Popen(
                [
                    browser,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile.name}",
                    f"--print-to-pdf={pdf_path.resolve()}",
                    source.resolve().as_uri(),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            printing = None

    def finish() -> str | None:
        try:
            if printing is not None and _waited(printing) and _is_pdf(pdf_path):
                return "chromium"
            return _print_with_weasyprint(source, pdf_path)
        finally:
            source.unlink(missing_ok=True)
            profile.cleanup()

    return finish


def write_pdf(html_path: Path, pdf_path: Path) -> str | None:
    """Print the report at ``html_path`` to ``pdf_path`` (see :func:`start_pdf`)."""
    return start_pdf(html_path.read_text(encoding="utf-8"), pdf_path)()


def _waited(process: subprocess.Popen[bytes]) -> bool:
    try:
        return process.wait(timeout=TIMEOUT_SECONDS) == 0
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


def _is_pdf(path: Path) -> bool:
    if not path.exists():
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"%PDF-"


def _print_with_weasyprint(source: Path, pdf_path: Path) -> str | None:
    try:
        import weasyprint  # noqa: PLC0415 - optional and slow to import (~0.8 s)
    except ImportError:
        return None
    # WeasyPrint warns once per SVG presentation attribute it does not style (thousands of
    # lines per report); the PDF is still complete, so only its errors are worth showing.
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        weasyprint.HTML(filename=str(source)).write_pdf(str(pdf_path))
    finally:
        logger.setLevel(level)
    return "weasyprint"
