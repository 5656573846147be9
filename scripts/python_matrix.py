"""Smoke matrix: the shipped run and the quick tests on every other supported Python found here.

The default interpreter is the one that built `.venv` (the Makefile's choice; `make test` runs
the whole suite on it). For it and for each other version that `scripts/find-python.sh --each`
finds, `scar-evidence run` runs on the shipped data with its own warehouse, reports and
PREFECT_HOME under `.matrix/X.Y/`; the sha256 of its "Summary:" lines must equal the default's.
Each other version gets a fresh `.venv-X.Y`, installed as the Makefile installs `.venv` (but
with no bytecode compiled ahead: half the install's time), and runs the tests selected by
SMOKE_TESTS. Every environment's installed packages must equal the
pins of `constraints.txt` that apply to its Python. A version that is absent is skipped.
Versions run side by side, one per core; installs take turns (each builds the project's
metadata in the source tree).

Run with the default environment's Python (`make matrix`); exit 0 when no version failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".matrix"
CONSTRAINTS = ROOT / "constraints.txt"
DEFAULT_VENV = ROOT / ".venv"
#: pytest's selection on the other versions (markers declared in pyproject.toml).
SMOKE_TESTS = "not flow and not browser and not slow"
#: Seconds before a step counts as hung: far above what each takes, far below CI's limit.
TIMEOUTS = {"venv": 120, "install": 900, "run": 600, "tests": 900}
LOG_TAIL_LINES = 40
WORKERS = os.cpu_count() or 1
INSTALL_TURN = threading.Lock()
SUMMARY_HEADING = "Summary:"
MARKER_ENVIRONMENT = (
    "import json, packaging.markers as m; print(json.dumps(m.default_environment()))"
)


@dataclass
class Leg:
    """One interpreter's row of the matrix."""

    version: str
    python: str | None
    is_default: bool = False
    result: str = "skip"
    full_version: str = ""
    checksum: str = ""
    summary: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    note: str = ""
    problem: str = ""

    @property
    def venv(self) -> Path:
        return DEFAULT_VENV if self.is_default else ROOT / f".venv-{self.version}"

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)


class StepError(Exception):
    """A step of a leg failed; the message says which step and why."""


def output_of(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StepError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def find_interpreters() -> dict[str, str | None]:
    """Supported X.Y -> its interpreter's path, or None where none runs here."""
    lines = output_of(["bash", str(ROOT / "scripts" / "find-python.sh"), "--each"]).splitlines()
    found = dict(line.split(" ", 1) for line in lines)
    return {version: None if path == "-" else path for version, path in found.items()}


def step(leg: Leg, name: str, command: list[str], env: dict[str, str] | None = None) -> str:
    """Run one step of a leg and time it; its output is kept in .matrix/X.Y/NAME.log."""
    log = WORK / leg.version / f"{name}.log"
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUTS[name],
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise StepError(f"{name} timed out after {TIMEOUTS[name]} s") from exc
    finally:
        leg.seconds[name] = leg.seconds.get(name, 0.0) + time.monotonic() - started
    with log.open("a", encoding="utf-8") as file:
        file.write(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise StepError(f"{name} exited {done.returncode} ({log.relative_to(ROOT)}):\n{tail}")
    return done.stdout


def leg_environment(leg: Leg) -> dict[str, str]:
    """This process's environment with the leg's own Prefect home (no shared server state)."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["PREFECT_HOME"] = str(WORK / leg.version / "prefect")
    return env


def install(leg: Leg) -> None:
    """A fresh venv installed as the Makefile installs .venv."""
    assert leg.python is not None
    step(leg, "venv", [leg.python, "-m", "venv", "--clear", str(leg.venv)])
    pip = [leg.bin("pip"), "install", "--quiet", "--no-compile"]
    with INSTALL_TURN:
        step(leg, "install", [*pip, "--upgrade", "pip"])
        step(leg, "install", [*pip, "-c", str(CONSTRAINTS), "-e", ".[dev]"])


def check_constraints(leg: Leg) -> None:
    """The installed packages are exactly the pins of constraints.txt that apply here."""
    marker_environment = json.loads(output_of([leg.bin("python"), "-c", MARKER_ENVIRONMENT]))
    installed = pins(output_of([leg.bin("pip"), "freeze", "--exclude-editable"]))
    wanted = {
        name: version
        for name, (version, marker) in constraints().items()
        if marker is None or marker.evaluate(marker_environment)
    }
    unpinned = sorted(f"{n}=={v}" for n, v in installed.items() if n not in wanted)
    missing = sorted(f"{n}=={v}" for n, v in wanted.items() if n not in installed)
    if unpinned or missing:
        raise StepError(
            "installed packages differ from constraints.txt for this Python: installed but "
            f"not pinned {unpinned or 'none'}; pinned but not installed {missing or 'none'} "
            "(an environment marker pins a package that only some versions install)"
        )


def pins(frozen: str) -> dict[str, str]:
    """`pip freeze` lines -> {canonical name: version}."""
    found = {}
    for line in frozen.splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            found[canonicalize_name(name)] = version.strip()
    return found


def constraints() -> dict[str, tuple[str, Marker | None]]:
    """constraints.txt -> {canonical name: (version, marker or None)}."""
    found: dict[str, tuple[str, Marker | None]] = {}
    for raw in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        text = raw.split("#", 1)[0].strip()
        if text:
            requirement = Requirement(text)
            version = str(requirement.specifier).removeprefix("==")
            found[canonicalize_name(requirement.name)] = (version, requirement.marker)
    return found


def run_shipped(leg: Leg) -> None:
    """`scar-evidence run` on the shipped data in the leg's own folder; keep its summary."""
    work = WORK / leg.version
    command = [leg.bin("scar-evidence"), "run", "--landing", "data/raw"]
    command += ["--warehouse", str(work / "warehouse.duckdb"), "--reports", str(work / "reports")]
    stdout = step(leg, "run", command, env=leg_environment(leg))
    leg.summary = summary_lines(stdout, masks=run_specific(stdout, work))
    if not leg.summary:
        raise StepError(f"the run printed no {SUMMARY_HEADING!r} lines:\n{stdout}")
    leg.checksum = hashlib.sha256("\n".join(leg.summary).encode()).hexdigest()


def run_specific(stdout: str, work: Path) -> dict[str, str]:
    """Text that legitimately differs between two runs: their folders and the run's id."""
    masks = {str(work): "<leg>", str(ROOT): "<repo>"}
    report = re.search(r"^Report: .+/([^/]+)/report\.html$", stdout, flags=re.MULTILINE)
    if report:
        masks[report.group(1)] = "<run-id>"
    return masks


def summary_lines(stdout: str, masks: dict[str, str]) -> list[str]:
    """The indented lines after "Summary:", run-specific text masked; numbers stay as printed."""
    lines = stdout.splitlines()
    if SUMMARY_HEADING not in lines:
        return []
    summary = []
    for line in lines[lines.index(SUMMARY_HEADING) + 1 :]:
        if not line.startswith("  "):
            break
        text = line.strip()
        for value, placeholder in masks.items():
            text = text.replace(value, placeholder)
        summary.append(text)
    return summary


def run_smoke_tests(leg: Leg) -> None:
    command = [leg.bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [f"--basetemp={WORK / leg.version / 'pytest'}"]
    stdout = step(leg, "tests", [*command, "-m", SMOKE_TESTS], env=leg_environment(leg))
    closing = [line for line in stdout.splitlines() if " passed" in line]
    leg.note = closing[-1].strip("= ") if closing else ""


def run_leg(leg: Leg) -> None:
    """Fill in one leg's row; a failing step marks it FAIL with the reason."""
    kind = "default" if leg.is_default else "fresh venv"
    print(f"Python {leg.version} ({kind}): started", flush=True)
    work = WORK / leg.version
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        if not leg.is_default:
            install(leg)
        leg.full_version = output_of(
            [leg.bin("python"), "-c", "import platform; print(platform.python_version())"]
        ).strip()
        check_constraints(leg)
        run_shipped(leg)
        if not leg.is_default:
            run_smoke_tests(leg)
        leg.result = "pass"
    except StepError as exc:
        fail(leg, str(exc))
    print(f"Python {leg.version}: {leg.result} in {sum(leg.seconds.values()):.0f} s", flush=True)


def fail(leg: Leg, problem: str) -> None:
    leg.result = "FAIL"
    leg.problem = "\n".join(filter(None, [leg.problem, problem]))


def compare_summaries(reference: Leg, legs: list[Leg]) -> None:
    """Every other leg that ran must print the default's summary."""
    for leg in legs:
        if leg is reference or not leg.checksum:
            continue
        if reference.result == "FAIL":
            fail(leg, "summary not compared: the default interpreter failed")
        elif leg.checksum != reference.checksum:
            fail(leg, summary_difference(reference, leg))


def summary_difference(reference: Leg, leg: Leg) -> str:
    rows = [f"the summary differs from the default's (Python {reference.full_version}):"]
    for ours, theirs in zip(reference.summary, leg.summary, strict=False):
        if ours != theirs:
            rows += [f"  Python {reference.version}: {ours}", f"  Python {leg.version}: {theirs}"]
    if len(reference.summary) != len(leg.summary):
        rows.append(f"  {len(reference.summary)} lines against {len(leg.summary)}")
    return "\n".join(rows)


def version_key(leg: Leg) -> tuple[int, ...]:
    return tuple(int(part) for part in leg.version.split("."))


def default_version() -> str:
    python = DEFAULT_VENV / "bin" / "python"
    if not python.exists():
        sys.exit("no .venv: run `make test` or `make demo` first")
    return output_of(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    ).strip()


def format_table(legs: list[Leg]) -> str:
    rows = [
        "Python matrix: scar-evidence run on the shipped data, summary sha256 against the default",
        f"{'python':<8} {'result':<6} {'summary sha256':<16} {'seconds':>7}  what ran",
    ]
    for leg in legs:
        if leg.result == "skip":
            what = leg.note
        elif leg.is_default:
            what = "default: .venv (make test ran the whole suite)"
        else:
            timings = ", ".join(f"{k} {v:.0f} s" for k, v in leg.seconds.items())
            what = f".venv-{leg.version}: {timings}" + (f"; {leg.note}" if leg.note else "")
        rows.append(
            f"{leg.full_version or leg.version:<8} {leg.result:<6} "
            f"{leg.checksum[:16] or '-':<16} {sum(leg.seconds.values()):>7.0f}  {what}"
        )
    return "\n".join(rows)


def main() -> int:
    started = time.monotonic()
    default = default_version()
    found = find_interpreters()
    found[default] = str(DEFAULT_VENV / "bin" / "python")
    legs = [Leg(version, path, is_default=version == default) for version, path in found.items()]
    legs.sort(key=lambda leg: (not leg.is_default, version_key(leg)))  # the default first
    for leg in legs:
        if leg.python is None:
            leg.note = f"no python{leg.version} runs here"
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(run_leg, [leg for leg in legs if leg.python is not None]))
    compare_summaries(legs[0], legs)
    for leg in legs:
        if leg.problem:
            print(f"Python {leg.version} FAILED: {leg.problem}", flush=True)
    legs.sort(key=version_key)
    print(format_table(legs), flush=True)
    print(f"matrix wall time {time.monotonic() - started:.0f} s on {WORKERS} cores", flush=True)
    return 1 if any(leg.result == "FAIL" for leg in legs) else 0


if __name__ == "__main__":
    sys.exit(main())
