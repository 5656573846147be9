"""``scar-evidence export``: every view as Parquet or CSV, read-only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from evidence.cli import app
from evidence.warehouse.connect import connect_read
from evidence.warehouse.export import NOT_EXPORTED, export_views
from tests.helpers import ingest


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil  # noqa: PLC0415

    from tests.conftest import SHIPPED  # noqa: PLC0415

    root = tmp_path_factory.mktemp("export")
    shutil.copytree(SHIPPED, root / "landing")
    ingest(root / "landing", root / "w.duckdb")
    return root / "w.duckdb"


def _views(warehouse: Path) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return sorted(
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables "
                "where table_type = 'VIEW' and table_schema = 'main'"
            ).fetchall()
            if r[0] not in NOT_EXPORTED
        )
    finally:
        con.close()


@pytest.mark.parametrize("output_format", ["parquet", "csv"])
def test_export_writes_every_view_with_all_rows(
    warehouse: Path, tmp_path: Path, output_format: str
) -> None:
    written = export_views(warehouse, tmp_path / "out", output_format)
    assert [p.stem for p, _ in written] == _views(warehouse)
    reader = "read_parquet" if output_format == "parquet" else "read_csv"
    for path, count in written:
        assert (
            duckdb.sql(f"select count(*) from {reader}($p)", params={"p": str(path)}).fetchall()[0][
                0
            ]
            == count
        ), path


def test_export_command_reads_while_a_reader_holds_the_file(
    warehouse: Path, tmp_path: Path
) -> None:
    with connect_read(warehouse):  # an analyst's session is open
        result = CliRunner().invoke(
            app, ["export", str(tmp_path / "x"), "--format", "csv", "--warehouse", str(warehouse)]
        )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x" / "improvement_by_scar_type.csv").is_file()
    assert "study_characteristics.csv" in result.output


def test_export_refuses_unknown_format(warehouse: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 2
