"""``scar-evidence meta``: read a study-level CSV, compute effect sizes and every analysis, and
build the ``--json`` object (I/O and orchestration; the statistics live in
``evidence.synthesis``).

Input columns use metafor's argument names (``m1i, sd1i, n1i, m2i, sd2i, n2i, ni, ri, xi,
ai, ci, yi, vi``), plus an optional ``study`` label, the ``--by`` column and the ``--mods``
columns. Rows are numbered from 1 after the header. Undefined values are None (JSON null).
"""

from __future__ import annotations

import contextlib
import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evidence.errors import AnalysisError, InputError
from evidence.synthesis.bias import egger_test, trimfill
from evidence.synthesis.confint import tau2_confint
from evidence.synthesis.escalc import DEFAULT_RHO, MEASURES, REQUIRED, USES_RI, escalc
from evidence.synthesis.leave1out import leave1out
from evidence.synthesis.metareg import model_matrix, rma_mods
from evidence.synthesis.pooling import EQUAL_EFFECTS, rma
from evidence.synthesis.subgroups import subgroup_analysis
from evidence.synthesis.tau2 import EstimationError

MISSING = {"", "na", "nan", "null", "none"}
SD_COLUMNS = {"sd1i", "sd2i"}
SIZE_COLUMNS = {"n1i", "n2i", "ni"}
COUNT_COLUMNS = {"xi", "ai", "ci"}
EVENTS_IN = {"xi": "ni", "ai": "n1i", "ci": "n2i"}
LEAVE1OUT_FIELDS = (
    "estimate",
    "se",
    "zval",
    "pval",
    "ci_lb",
    "ci_ub",
    "Q",
    "Qp",
    "tau2",
    "I2",
    "H2",
)


@dataclass(frozen=True)
class MetaOptions:
    """The command's options, with metafor's names."""

    measure: str
    method: str = "REML"
    test: str = "z"
    rho: float = DEFAULT_RHO
    by: str | None = None
    mods: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetaInput:
    """The parsed file: study labels, numeric columns, subgroup labels and moderators."""

    source_file: str
    study: tuple[str, ...]
    columns: dict[str, np.ndarray]
    groups: tuple[str, ...] | None = None
    mods: dict[str, list[object]] = field(default_factory=dict)


def _is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING


def _number(path: str, row: int, column: str, text: str | None, *, optional: bool) -> float:
    if _is_missing(text):
        if optional:
            return math.nan
        raise InputError(path, row, column, text, "a value is required")
    assert text is not None
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, row, column, text, "not a number") from None
    if not math.isfinite(value):
        raise InputError(path, row, column, text, "must be finite")
    return value


def _check_rule(path: str, row: int, column: str, value: float, measure: str) -> None:
    text = f"{value:g}"
    if column in SD_COLUMNS and value < 0:
        raise InputError(path, row, column, text, "a standard deviation must be >= 0")
    if column in SIZE_COLUMNS and value < 1:
        raise InputError(path, row, column, text, "a sample size must be >= 1")
    if column in COUNT_COLUMNS and value < 0:
        raise InputError(path, row, column, text, "an event count must be >= 0")
    if column == "ri" and not math.isnan(value) and abs(value) > 1:
        raise InputError(path, row, column, text, "a correlation must lie in [-1, 1]")
    if column == "vi" and value <= 0:
        raise InputError(path, row, column, text, "a sampling variance must be > 0")
    if column == "sd1i" and measure == "SMCR" and value <= 0:
        raise InputError(path, row, column, text, "SMCR standardises by sd1i, which must be > 0")


def read_meta_input(path: Path, options: MetaOptions) -> MetaInput:
    """Read and check ``path`` for ``options.measure``; raises :class:`InputError` naming the
    row and column of the first bad cell."""
    source = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(source, None, None, None, f"cannot read the file: {exc}") from exc
    if not rows:
        raise InputError(source, None, None, None, "no data rows")
    needed = list(REQUIRED[options.measure])
    optional = ["ri"] if options.measure in USES_RI else []
    extra = [c for c in (options.by, *options.mods) if c]
    for column in [*needed, *extra]:
        if column not in header:
            raise InputError(source, None, column, None, f"column {column} is missing")
    columns: dict[str, list[float]] = {c: [] for c in needed + [c for c in optional if c in header]}
    for number, row in enumerate(rows, start=1):
        for column, values in columns.items():
            value = _number(source, number, column, row.get(column), optional=column == "ri")
            _check_rule(source, number, column, value, options.measure)
            values.append(value)
        for events, size in EVENTS_IN.items():
            if events in columns and size in columns and columns[events][-1] > columns[size][-1]:
                raise InputError(
                    source, number, events, row.get(events), f"more events than {size}"
                )
        for column in extra:
            if _is_missing(row.get(column)):
                raise InputError(source, number, column, row.get(column), "a value is required")
    study = tuple(
        (row.get("study") or "").strip() or f"Study {i}" for i, row in enumerate(rows, start=1)
    )
    groups = tuple(str(row[options.by]).strip() for row in rows) if options.by else None
    mods: dict[str, list[object]] = {}
    for column in options.mods:
        texts = [str(row[column]).strip() for row in rows]
        try:
            mods[column] = [float(t) for t in texts]
        except ValueError:
            mods[column] = list(texts)
    arrays = {c: np.asarray(v, dtype=np.float64) for c, v in columns.items()}
    return MetaInput(source, study, arrays, groups, mods)


def _finite_or_none(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value


def summarise(
    yi: np.ndarray, vi: np.ndarray, study: Sequence[str], method: str, test: str
) -> dict[str, Any]:
    """The ``overall`` block (also used per subgroup): the fit, tau2 CI, leave-one-out,
    Egger's p and trim-and-fill, each None where it is undefined for this k or method."""
    try:
        fit = rma(yi, vi, method=method, test=test)
    except EstimationError as exc:
        raise AnalysisError(str(exc)) from exc
    k = fit.k
    tau2_ci_lb = tau2_ci_ub = None
    if method not in EQUAL_EFFECTS and k >= 2:
        ci = tau2_confint(yi, vi, fit.tau2)
        tau2_ci_lb, tau2_ci_ub = ci.ci_lb, ci.ci_ub
    loo = None
    if k >= 2:
        loo = [
            {"study": study[row.omitted], **{n: getattr(row, n) for n in LEAVE1OUT_FIELDS}}
            for row in leave1out(yi, vi, method=method, test=test)
        ]
    egger_p = tf_estimate = tf_k0 = None
    with contextlib.suppress(ValueError, EstimationError):
        egger_p = egger_test(yi, vi, method=method, test=test).pval
    try:
        filled = trimfill(yi, vi, method=method)
        tf_estimate, tf_k0 = filled.fit.beta, filled.k0
    except (ValueError, EstimationError):
        pass
    return {
        "k": k,
        "estimate": fit.beta,
        "se": fit.se,
        "ci_lb": fit.ci_lb,
        "ci_ub": fit.ci_ub,
        "pval": fit.pval,
        "tau2": fit.tau2,
        "tau2_ci_lb": tau2_ci_lb,
        "tau2_ci_ub": tau2_ci_ub,
        "I2": fit.I2,
        "H2": fit.H2,
        "Q": fit.QE,
        "Qp": fit.QEp,
        "pi_lb": fit.pi_lb,
        "pi_ub": fit.pi_ub,
        "weights": list(fit.weights),
        "leave1out": loo,
        "egger_p": egger_p,
        "trimfill_estimate": tf_estimate,
        "trimfill_k0": tf_k0,
    }


def analyse(data: MetaInput, options: MetaOptions) -> dict[str, Any]:
    """Build the ``meta --json`` object from parsed input."""
    try:
        es = escalc(options.measure, data.columns, rho=options.rho)
    except (KeyError, ValueError) as exc:
        raise InputError(data.source_file, None, None, None, str(exc)) from exc
    for i, (y, v) in enumerate(zip(es.yi, es.vi, strict=True), start=1):
        if not (math.isfinite(y) and math.isfinite(v) and v > 0):
            raise InputError(
                data.source_file,
                i,
                "vi",
                f"{v:g}",
                f"{options.measure} gives no positive finite sampling variance for this row "
                "(e.g. SD 0, or a proportion of 0 or 1 that the correction cannot rescue)",
            )
    yi, vi = es.yi, es.vi
    result: dict[str, Any] = {
        "measure": options.measure,
        "method": options.method,
        "test": options.test,
        "study": list(data.study),
        "overall": summarise(yi, vi, data.study, options.method, options.test),
        "yi": yi.tolist(),
        "vi": vi.tolist(),
        "corrected": list(es.corrected),
        "ri_imputed": list(es.ri_imputed),
        "subgroups": None,
        "Q_between": None,
        "Q_between_df": None,
        "Q_between_p": None,
        "QM": None,
        "QMp": None,
        "metareg": None,
    }
    if data.groups is not None:
        try:
            sub = subgroup_analysis(yi, vi, data.groups, method=options.method, test=options.test)
        except EstimationError as exc:
            raise AnalysisError(f"subgroup fit: {exc}") from exc
        result["subgroups"] = {
            name: summarise(
                yi[list(idx)],
                vi[list(idx)],
                [data.study[i] for i in idx],
                options.method,
                options.test,
            )
            for name, idx in sub.members.items()
        }
        result["Q_between"] = sub.Q_between
        result["Q_between_df"] = sub.Q_between_df
        result["Q_between_p"] = sub.Q_between_p
    if data.mods:
        design, names = model_matrix(data.mods)
        try:
            reg = rma_mods(yi, vi, design, names=names, method=options.method, test=options.test)
        except (ValueError, EstimationError) as exc:
            raise AnalysisError(f"meta-regression: {exc}") from exc
        result["QM"], result["QMp"] = reg.QM, reg.QMp
        result["metareg"] = {
            "names": list(reg.names),
            "estimate": list(reg.beta),
            "se": list(reg.se),
            "zval": list(reg.zval),
            "pval": list(reg.pval),
            "ci_lb": list(reg.ci_lb),
            "ci_ub": list(reg.ci_ub),
            "tau2": reg.tau2,
            "QE": reg.QE,
            "QEp": reg.QEp,
            "QM": reg.QM,
            "QMp": reg.QMp,
            "QMdf": list(reg.QMdf),
            "I2": reg.I2,
            "H2": reg.H2,
        }
    cleaned = _finite_or_none(result)
    assert isinstance(cleaned, dict)
    return cleaned


def run_meta(path: Path, options: MetaOptions) -> dict[str, Any]:
    """Read ``path`` and analyse it: the object ``scar-evidence meta --json`` prints."""
    if options.measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}")
    return analyse(read_meta_input(path, options), options)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_meta(result: dict[str, Any]) -> str:
    """A readable plain-text table of the overall and subgroup results."""
    fields = ("k", "estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "tau2_ci_lb",
              "tau2_ci_ub", "I2", "Q", "Qp", "pi_lb", "pi_ub", "egger_p", "trimfill_k0",
              "trimfill_estimate")  # fmt: skip
    blocks = {"overall": result["overall"], **(result.get("subgroups") or {})}
    names = list(blocks)
    width = max(12, *(len(n) for n in names))
    lines = [
        f"meta-analysis: measure {result['measure']}, method {result['method']}, "
        f"test {result['test']}",
        "field".ljust(18) + "".join(n.rjust(width + 2) for n in names),
    ]
    for name in fields:
        cells = "".join(_fmt(blocks[n][name]).rjust(width + 2) for n in names)
        lines.append(name.ljust(18) + cells)
    if result.get("Q_between") is not None:
        lines.append(
            f"test for subgroup differences: Q_between = {_fmt(result['Q_between'])} "
            f"(df {result['Q_between_df']}), p = {_fmt(result['Q_between_p'])}"
        )
    reg = result.get("metareg")
    if reg:
        lines.append(f"meta-regression: QM = {_fmt(reg['QM'])}, p = {_fmt(reg['QMp'])}")
        for i, name in enumerate(reg["names"]):
            lines.append(
                f"  {name:<16} {_fmt(reg['estimate'][i]):>10} se {_fmt(reg['se'][i]):>10} "
                f"p {_fmt(reg['pval'][i]):>10}"
            )
    return "\n".join(lines) + "\n"
