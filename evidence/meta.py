"""``scar-evidence meta``: compute effect sizes and every analysis of a study-level CSV (read by
:mod:`evidence.meta_input`), and build the ``--json`` object (orchestration; the statistics
live in ``evidence.synthesis``). Undefined values are None (JSON null).

Rows missing a value their measure needs are omitted (listed in ``omitted``), as metafor's
``na.omit``; ``overall.k`` counts the studies fitted. ML, REML and PM use metafor's default
``control`` first and its remedies when that does not converge (``control`` in a block says
which one converged); a ``control`` given in the options is used as it is.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evidence.errors import AnalysisError, InputError
from evidence.meta_input import MetaInput, read_meta_input
from evidence.synthesis.bias import egger_test, trimfill
from evidence.synthesis.control import DEFAULT_CONTROL, Control
from evidence.synthesis.escalc import DEFAULT_RHO, MEASURES, escalc
from evidence.synthesis.leave1out import leave1out
from evidence.synthesis.metareg import model_matrix, rma_mods
from evidence.synthesis.pooling import rma
from evidence.synthesis.subgroups import subgroup_analysis
from evidence.synthesis.tau2 import EstimationError

__all__ = ["MetaInput", "MetaOptions", "analyse", "format_meta", "notices", "run_meta"]

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
    """The command's options, with metafor's names; ``na`` is ``"omit"`` or ``"fail"``
    (``na.action``), ``control`` None for metafor's defaults followed by its remedies."""

    measure: str
    method: str = "REML"
    test: str = "z"
    rho: float = DEFAULT_RHO
    by: str | None = None
    mods: tuple[str, ...] = ()
    na: str = "omit"
    control: Control | None = None


def _finite_or_none(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value


def _control(control: Control | None) -> dict[str, float] | None:
    return None if control is None else control.as_dict()


def summarise(
    yi: np.ndarray,
    vi: np.ndarray,
    study: Sequence[str],
    method: str,
    test: str,
    control: Control | None = None,
) -> dict[str, Any]:
    """The ``overall`` block (also used per subgroup): the fit, the Q-profile CIs of tau2, I2
    and H2, leave-one-out, Egger's p and trim-and-fill, each None where it is undefined for
    this k or method. The diagnostics use the control the fit converged with."""
    try:
        fit = rma(yi, vi, method=method, test=test, control=control)
    except EstimationError as exc:
        raise AnalysisError(str(exc)) from exc
    k = fit.k
    loo = None
    if k >= 2:
        loo = [
            {"study": study[row.omitted], **{n: getattr(row, n) for n in LEAVE1OUT_FIELDS}}
            for row in leave1out(yi, vi, method=method, test=test, control=fit.control)
        ]
    egger_p = tf_estimate = tf_k0 = None
    with contextlib.suppress(ValueError, EstimationError):
        egger_p = egger_test(yi, vi, method=method, test=test, control=fit.control).pval
    try:
        filled = trimfill(yi, vi, method=method, control=fit.control)
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
        "tau2_se": fit.se_tau2,
        "tau2_ci_lb": fit.tau2_ci_lb,
        "tau2_ci_ub": fit.tau2_ci_ub,
        "I2": fit.I2,
        "I2_ci_lb": fit.I2_ci_lb,
        "I2_ci_ub": fit.I2_ci_ub,
        "H2": fit.H2,
        "H2_ci_lb": fit.H2_ci_lb,
        "H2_ci_ub": fit.H2_ci_ub,
        "control": _control(fit.control),
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
    for i, y, v in zip(data.rows, es.yi, es.vi, strict=True):
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
        "omitted": list(data.omitted),
        "overall": summarise(yi, vi, data.study, options.method, options.test, options.control),
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
            sub = subgroup_analysis(
                yi,
                vi,
                data.groups,
                method=options.method,
                test=options.test,
                control=options.control,
            )
        except EstimationError as exc:
            raise AnalysisError(f"subgroup fit: {exc}") from exc
        result["subgroups"] = {
            name: summarise(
                yi[list(idx)],
                vi[list(idx)],
                [data.study[i] for i in idx],
                options.method,
                options.test,
                options.control,
            )
            for name, idx in sub.members.items()
        }
        result["Q_between"] = sub.Q_between
        result["Q_between_df"] = sub.Q_between_df
        result["Q_between_p"] = sub.Q_between_p
    if data.mods:
        design, names = model_matrix(data.mods)
        try:
            reg = rma_mods(
                yi,
                vi,
                design,
                names=names,
                method=options.method,
                test=options.test,
                control=options.control,
            )
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
            "R2": reg.R2,
            "control": _control(reg.control),
        }
    cleaned = _finite_or_none(result)
    assert isinstance(cleaned, dict)
    return cleaned


def run_meta(path: Path, options: MetaOptions) -> dict[str, Any]:
    """Read ``path`` and analyse it: the object ``scar-evidence meta --json`` prints."""
    if options.measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}")
    data = read_meta_input(path, options.measure, by=options.by, mods=options.mods, na=options.na)
    return analyse(data, options)


def notices(result: dict[str, Any]) -> list[str]:
    """Lines for the user beside the result: studies omitted for missing values, and fits
    that converged only with a remedy of metafor's default control."""
    lines = []
    if result.get("omitted"):
        lines.append(
            f"omitted {len(result['omitted'])} stud{'y' if len(result['omitted']) == 1 else 'ies'}"
            f" with missing values (na.omit): {', '.join(result['omitted'])}"
        )
    blocks = {"overall": result["overall"], **(result.get("subgroups") or {})}
    if result.get("metareg"):
        blocks["meta-regression"] = result["metareg"]
    for name, block in blocks.items():
        control = block.get("control")
        if control and Control(**control) != DEFAULT_CONTROL:
            lines.append(
                f"{name}: {result['method']} converged with control "
                f"{Control(**control).describe()} (metafor's default control did not)"
            )
    return lines


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_meta(result: dict[str, Any]) -> str:
    """A readable plain-text table of the overall and subgroup results."""
    fields = ("k", "estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "tau2_se",
              "tau2_ci_lb", "tau2_ci_ub", "I2", "I2_ci_lb", "I2_ci_ub", "H2", "H2_ci_lb",
              "H2_ci_ub", "Q", "Qp", "pi_lb", "pi_ub", "egger_p", "trimfill_k0",
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
    if result.get("omitted"):
        lines.append(f"omitted (missing values): {', '.join(result['omitted'])}")
    if result.get("Q_between") is not None:
        lines.append(
            f"test for subgroup differences: Q_between = {_fmt(result['Q_between'])} "
            f"(df {result['Q_between_df']}), p = {_fmt(result['Q_between_p'])}"
        )
    reg = result.get("metareg")
    if reg:
        lines.append(
            f"meta-regression: QM = {_fmt(reg['QM'])}, p = {_fmt(reg['QMp'])}, "
            f"R2 = {_fmt(reg['R2'])}%"
        )
        for i, name in enumerate(reg["names"]):
            lines.append(
                f"  {name:<16} {_fmt(reg['estimate'][i]):>10} se {_fmt(reg['se'][i]):>10} "
                f"p {_fmt(reg['pval'][i]):>10}"
            )
    return "\n".join(lines) + "\n"
