"""`scar-evidence meta`: every golden input from the command line, and its error contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

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
    if args.get("control"):
        argv += ["--control", args["control"]]
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


def _meta(tmp_path: Path, text: str, *args: str) -> Result:
    """``scar-evidence meta`` on a CSV holding ``text``, with ``args`` after the path."""
    path = tmp_path / "input.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["meta", str(path), *args], terminal_width=300)


def test_bad_cell_names_row_and_column_and_exits_1(tmp_path: Path) -> None:
    result = _meta(tmp_path, "study,yi,vi\nA,0.1,0.02\nB,0.3,oops\n", "--measure", "GEN")

    assert result.exit_code == 1
    assert "row 2, column vi, value 'oops'" in result.output


def test_missing_column_is_named_and_exits_1(tmp_path: Path) -> None:
    result = _meta(tmp_path, "study,xi\nA,3\n", "--measure", "PLO")

    assert result.exit_code == 1
    assert "column ni is missing" in result.output


def test_zero_sampling_variance_is_a_clear_error(tmp_path: Path) -> None:
    text = "study,m1i,sd1i,m2i,sd2i,ni,ri\nA,10,2,8,2,20,1\nB,11,3,9,2,25,0.5\n"

    result = _meta(tmp_path, text, "--measure", "MC")

    assert result.exit_code == 1
    assert "row 1, column vi" in result.output


def test_unknown_measure_is_a_usage_error_with_exit_2(tmp_path: Path) -> None:
    result = _meta(tmp_path, "yi,vi\n0.1,0.02\n", "--measure", "XYZ")

    assert result.exit_code == 2


def test_k1_gives_nulls_not_nan(tmp_path: Path) -> None:
    result = _meta(tmp_path, "study,yi,vi\nonly,0.5,0.04\n", "--measure", "GEN", "--json")

    assert result.exit_code == 0, result.output
    overall = json.loads(result.stdout)["overall"]
    assert overall["tau2_ci_lb"] is None
    assert overall["leave1out"] is None
    assert overall["egger_p"] is None
    assert overall["trimfill_k0"] is None


GOLDEN_INPUTS = Path(__file__).resolve().parent / "golden" / "meta" / "inputs"


def test_missing_counts_omit_the_study_and_say_which() -> None:
    result = runner.invoke(
        app, ["meta", str(GOLDEN_INPUTS / "yusuf1985.csv"), "--measure", "OR", "--json"]
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["omitted"] == ["Snow 1"]
    assert data["overall"]["k"] == 21
    assert "Snow 1" not in data["study"]
    assert "omitted 1 study with missing values (na.omit): Snow 1" in result.stderr

    table = runner.invoke(app, ["meta", str(GOLDEN_INPUTS / "yusuf1985.csv"), "--measure", "OR"])
    assert "omitted (missing values): Snow 1" in table.stdout
    assert "I2_ci_lb" in table.stdout


def test_na_fail_refuses_a_missing_value_with_its_row_and_column() -> None:
    argv = ["meta", str(GOLDEN_INPUTS / "yusuf1985.csv"), "--measure", "OR", "--na", "fail"]

    result = runner.invoke(app, argv, terminal_width=300)

    assert result.exit_code == 1
    assert "row 8, column ai, value 'NA': a value is required" in result.output


@pytest.mark.parametrize(
    ("text", "measure", "message"),
    [
        pytest.param(
            "study,yi,vi\nA,0.1,0.02\nB,NA,0.03\nC,0.3,n/a\n",
            "GEN",
            "row 3, column vi, value 'n/a': not a number",
            id="a present cell that is not a number, beside an omitted row",
        ),
        pytest.param(
            "study,yi,vi\nA,,0.02\nB,NA,\n",
            "GEN",
            "no row has every value measure GEN needs",
            id="no complete row",
        ),
        pytest.param(
            "study,ai,bi,n1i,ci,di\nA,4,119,123,11,128\nB,6,300,300,29,274\n",
            "RR",
            "row 2, column n1i, value '300': n1i is not ai + bi",
            id="a group size that disagrees with its cells",
        ),
        pytest.param(
            "study,ai,ci,di\nA,4,11,128\n",
            "OR",
            "column n1i (or bi) is missing",
            id="a table with neither group size nor cells",
        ),
    ],
)
def test_bad_input_is_refused_naming_where_and_why(
    tmp_path: Path, text: str, measure: str, message: str
) -> None:
    result = _meta(tmp_path, text, "--measure", measure)

    assert result.exit_code == 1
    assert message in result.output


def test_two_by_two_cells_give_the_same_result_as_group_sizes(tmp_path: Path) -> None:
    cells = tmp_path / "cells.csv"
    cells.write_text("study,ai,bi,ci,di\nA,4,119,11,128\nB,6,300,29,274\nC,3,228,11,209\n")
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("study,ai,n1i,ci,n2i\nA,4,123,11,139\nB,6,306,29,303\nC,3,231,11,220\n")

    for measure in ("RR", "OR", "RD"):
        from_cells = runner.invoke(app, ["meta", str(cells), "--measure", measure, "--json"])
        from_sizes = runner.invoke(app, ["meta", str(sizes), "--measure", measure, "--json"])
        assert from_cells.exit_code == 0, from_cells.output
        assert json.loads(from_cells.stdout) == json.loads(from_sizes.stdout)


def test_reml_that_needs_step_halving_converges_and_says_so() -> None:
    argv = ["meta", str(GOLDEN_INPUTS / "reml_nonconvergence_synthetic.csv"), "--measure"]

    result = runner.invoke(app, [*argv, "GEN", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["overall"]["control"]["stepadj"] == 0.5
    assert "overall: REML converged with control stepadj = 0.5" in result.stderr


def test_a_given_control_is_used_as_given_and_its_failure_is_reported() -> None:
    argv = ["meta", str(GOLDEN_INPUTS / "reml_nonconvergence_synthetic.csv"), "--measure"]

    result = runner.invoke(app, [*argv, "GEN", "--control", "maxiter=100"], terminal_width=300)

    assert result.exit_code == 1
    assert "Fisher scoring algorithm did not converge" in result.output


@pytest.mark.parametrize(
    ("option", "value"), [("--control", "stepadj=2"), ("--control", "tol=1"), ("--na", "drop")]
)
def test_bad_na_or_control_is_a_usage_error(tmp_path: Path, option: str, value: str) -> None:
    result = _meta(tmp_path, "yi,vi\n0.1,0.02\n0.3,0.05\n", "--measure", "GEN", option, value)

    assert result.exit_code == 2
