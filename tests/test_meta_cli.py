"""`scar-evidence meta`: every golden input from the command line, and its error contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app
from tests.synthesis.meta_golden import assert_matches, input_path, load_cases

runner = CliRunner()
CASES = load_cases()


def _argv(document: dict, case: dict) -> list[str]:
    args = case["args"]
    argv = [
        "meta",
        str(input_path(document)),
        "--measure",
        args["measure"],
        "--method",
        args["method"],
        "--test",
        args["test"],
        "--rho",
        str(args["rho"]),
        "--json",
    ]
    if args["by"]:
        argv += ["--by", args["by"]]
    if args["mods"]:
        argv += ["--mods", ",".join(args["mods"])]
    return argv


@pytest.mark.parametrize(("document", "case"), CASES)
def test_meta_json_matches_metafor_golden(document: dict, case: dict) -> None:
    result = runner.invoke(app, _argv(document, case))

    assert result.exit_code == 0, result.output
    assert "NaN" not in result.stdout
    assert_matches(json.loads(result.stdout), case["expected"], "meta --json")


def test_meta_prints_a_readable_table_without_json() -> None:
    document, case = CASES[0].values
    argv = [a for a in _argv(document, case) if a != "--json"]

    result = runner.invoke(app, argv, terminal_width=200)

    assert result.exit_code == 0, result.output
    assert "estimate" in result.output
    assert "tau2_ci_lb" in result.output


def test_bad_cell_names_row_and_column_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("study,yi,vi\nA,0.1,0.02\nB,0.3,oops\n", encoding="utf-8")

    result = runner.invoke(app, ["meta", str(path), "--measure", "GEN"], terminal_width=300)

    assert result.exit_code == 1
    assert "row 2, column vi, value 'oops'" in result.output


def test_missing_column_is_named_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("study,xi\nA,3\n", encoding="utf-8")

    result = runner.invoke(app, ["meta", str(path), "--measure", "PLO"], terminal_width=300)

    assert result.exit_code == 1
    assert "column ni is missing" in result.output


def test_zero_sampling_variance_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "zero.csv"
    path.write_text(
        "study,m1i,sd1i,m2i,sd2i,ni,ri\nA,10,2,8,2,20,1\nB,11,3,9,2,25,0.5\n", encoding="utf-8"
    )

    result = runner.invoke(app, ["meta", str(path), "--measure", "MC"], terminal_width=300)

    assert result.exit_code == 1
    assert "row 1, column vi" in result.output


def test_unknown_measure_is_a_usage_error_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("yi,vi\n0.1,0.02\n", encoding="utf-8")

    result = runner.invoke(app, ["meta", str(path), "--measure", "XYZ"])

    assert result.exit_code == 2


def test_k1_gives_nulls_not_nan(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("study,yi,vi\nonly,0.5,0.04\n", encoding="utf-8")

    result = runner.invoke(app, ["meta", str(path), "--measure", "GEN", "--json"])

    assert result.exit_code == 0, result.output
    overall = json.loads(result.stdout)["overall"]
    assert overall["tau2_ci_lb"] is None
    assert overall["leave1out"] is None
    assert overall["egger_p"] is None
    assert overall["trimfill_k0"] is None
