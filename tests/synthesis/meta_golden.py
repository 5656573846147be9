"""Shared reader and comparison for the `meta` golden files (tests/golden/meta/*.json),
made by tests/golden/make_meta_golden.R. Used by the library test and the CLI test."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from evidence.meta import MetaOptions
from evidence.synthesis.control import parse_control

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
META_DIR = GOLDEN_DIR / "meta"

# Closed-form and Fisher-scoring values agree with metafor to ~1e-10; 1e-6 relative leaves
# room for floating-point reordering only, not for a different formula or iteration path.
# The Q-profile bounds (and the I2/H2 bounds made from them) and trim-and-fill are roots /
# iterations stopped at metafor's absolute tolerance, but R's uniroot() is ported step for
# step (evidence/synthesis/_zeroin.py), so they too agree to ~1e-13 and get the same tolerance.
REL_TOL = 1e-6
# Where metafor's value is exactly 0 (tau2 truncated at 0, I2 = 0, a bound at 0) a relative
# test is meaningless; ours must then be 0 up to rounding.
ABS_TOL_AT_ZERO = 1e-10


def load_cases() -> list[Any]:
    """One pytest.param(document, case) per golden case, with a readable id."""
    params = []
    for path in sorted(META_DIR.glob("*.json")):
        document = json.loads(path.read_text())
        for case in document["cases"]:
            args = case["args"]
            label = "-".join(
                str(x)
                for x in (
                    document["source"]["dataset"],
                    args["measure"],
                    args["method"],
                    args["test"],
                    args["by"] or "all",
                    *([f"control[{args['control']}]"] if args.get("control") else []),
                )
            )
            params.append(pytest.param(document, case, id=label))
    return params


def options_for(case: dict[str, Any]) -> MetaOptions:
    args = case["args"]
    return MetaOptions(
        measure=args["measure"],
        method=args["method"],
        test=args["test"],
        rho=args["rho"],
        by=args["by"],
        mods=tuple(args["mods"]),
        control=parse_control(args["control"]) if args.get("control") else None,
    )


def input_path(document: dict[str, Any]) -> Path:
    return GOLDEN_DIR / document["source"]["input_file"]


def assert_matches(got: Any, expected: Any, where: str = "", field: str = "") -> None:
    """Recursive comparison: every number of ``expected`` within tolerance, nulls equal."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"{where}: expected an object, got {got!r}"
        for key, value in expected.items():
            assert key in got, f"{where}.{key} missing"
            assert_matches(got[key], value, f"{where}.{key}", key)
        return
    if isinstance(expected, list):
        assert isinstance(got, list), f"{where}: expected a list, got {got!r}"
        assert len(got) == len(expected), f"{where}: length {len(got)} != {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_matches(g, e, f"{where}[{i}]", field)
        return
    if expected is None:
        assert got is None, f"{where}: metafor gives NA/null, got {got!r}"
        return
    if isinstance(expected, str):
        assert got == expected, f"{where}: {got!r} != {expected!r}"
        return
    assert got is not None, f"{where}: metafor gives {expected!r}, got None"
    if expected == 0:
        assert abs(got) <= ABS_TOL_AT_ZERO, f"{where}: expected 0, got {got!r}"
        return
    assert math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=0.0), (
        f"{where}: got {got!r}, metafor {expected!r}"
    )


def relative_deviation(got: Any, expected: Any, field: str = "", acc: dict | None = None) -> dict:
    """Largest relative deviation per field name (for reporting)."""
    acc = {} if acc is None else acc
    if isinstance(expected, dict):
        for key, value in expected.items():
            relative_deviation(got[key], value, key, acc)
    elif isinstance(expected, list):
        for g, e in zip(got, expected, strict=True):
            relative_deviation(g, e, field, acc)
    elif isinstance(expected, int | float) and expected != 0 and got is not None:
        acc[field] = max(acc.get(field, 0.0), abs(got - expected) / abs(expected))
    return acc
