"""Build the SQL models (``models/<layer>/<name>.sql``) in dependency order.

Each file holds one SELECT named for its relation; a first-line comment
``-- materialized: view|table`` says how it is built. Dependencies are the other models a
file names; parameters are bound (``$rho``), never formatted into the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import TopologicalSorter
from importlib import resources

import duckdb

LAYERS = ("staging", "intermediate", "marts")
_MATERIALIZED = re.compile(r"--\s*materialized:\s*(view|table)")
_PARAMETER = re.compile(r"\$([a-z_]+)")


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sql: str
    materialized: str  # view | table

    @property
    def parameters(self) -> set[str]:
        return set(_PARAMETER.findall(self.sql))


def read_models(layers: tuple[str, ...] = LAYERS) -> list[Model]:
    """Every model of the given layers, in an order where dependencies come first."""
    root = resources.files("evidence.warehouse") / "models"
    models: dict[str, Model] = {}
    for layer in layers:
        for entry in sorted((root / layer).iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".sql"):
                continue
            sql = entry.read_text(encoding="utf-8")
            found = _MATERIALIZED.search(sql)
            name = entry.name.removesuffix(".sql")
            models[name] = Model(name, layer, sql, found.group(1) if found else "view")
    graph = {
        name: {
            other
            for other in models
            if other != name and re.search(rf"\b{re.escape(other)}\b", model.sql)
        }
        for name, model in models.items()
    }
    return [models[name] for name in TopologicalSorter(graph).static_order()]


def build_models(
    con: duckdb.DuckDBPyConnection,
    *,
    layers: tuple[str, ...] = LAYERS,
    parameters: dict[str, object] | None = None,
) -> list[str]:
    """(Re)create every model of ``layers``; returns their names in build order."""
    values = parameters or {}
    built = []
    for model in read_models(layers):
        missing = model.parameters - values.keys()
        if missing:
            raise ValueError(f"model {model.name} needs parameters {sorted(missing)}")
        bound = {key: values[key] for key in model.parameters}
        _drop(con, model.name)
        con.execute(f"create {model.materialized} {model.name} as {model.sql}", bound)
        built.append(model.name)
    return built


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    kinds = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'main' and table_name = $name",
        {"name": name},
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists {name}")
