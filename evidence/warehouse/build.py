"""Build the SQL models (``models/<layer>/<name>.sql``) in dependency order.

Each file holds one SELECT named for its relation; a first-line comment
``-- materialized: view|table`` says how it is built. Dependencies are the other models a
file names; parameters are bound (``$rho``), never formatted into the SQL.

A table model whose rows each belong to one study, and are computed from that study's rows
alone, says ``-- incremental: study_id``. It restricts every input to ``$studies`` (a list of
study ids, or NULL for every study: ``where $studies is null or list_contains($studies,
study_id)``), so that DuckDB reads only those studies' rows. When only some studies changed
since the model was last built (``changed_studies``, filled by the loads), its rows of those
studies are deleted and recomputed, and the others are kept; any change to the model's SQL or
parameters rebuilds it whole (``model_state`` keeps a digest of both).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from graphlib import TopologicalSorter
from importlib import resources

import duckdb

LAYERS = ("staging", "intermediate", "marts")
_MATERIALIZED = re.compile(r"--\s*materialized:\s*(view|table)")
_PARAMETER = re.compile(r"\$([a-z_]+)")
_INCREMENTAL = re.compile(r"--\s*incremental:\s*study_id")
_COMMENT = re.compile(r"--[^\n]*")  # a relation named in a comment is not a dependency
CHANGED_STUDIES = "changed_studies"
STUDIES = "studies"  # the incremental models' parameter: the studies to compute, NULL for all


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sql: str
    materialized: str  # view | table
    incremental: bool = False  # rows per study, recomputed for changed studies only

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
            kind = found.group(1) if found else "view"
            incremental = kind == "table" and bool(_INCREMENTAL.search(sql))
            models[name] = Model(name, layer, sql, kind, incremental)
    code = {name: _COMMENT.sub("", model.sql) for name, model in models.items()}
    graph = {
        name: {
            other
            for other in models
            if other != name and re.search(rf"\b{re.escape(other)}\b", code[name])
        }
        for name in models
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
    states = dict(con.execute("select model, digest from model_state").fetchall())
    kinds = dict(
        con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'main'"
        ).fetchall()
    )
    digests: dict[str, str] = {}
    for model in read_models(layers):
        missing = model.parameters - values.keys() - {STUDIES}
        if missing:
            raise ValueError(f"model {model.name} needs parameters {sorted(missing)}")
        if model.incremental != (STUDIES in model.parameters):
            raise ValueError(
                f"model {model.name}: an incremental model, and only one, filters by ${STUDIES}"
            )
        bound = {key: values[key] for key in model.parameters - {STUDIES}}
        digest = _digest(model, bound)
        kind = kinds.get(model.name)
        if model.incremental and states.get(model.name) == digest and kind not in (None, "VIEW"):
            _refresh_changed_studies(con, model, bound)
        else:
            if kind is not None:
                con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {model.name}")
            if model.incremental:
                bound = {**bound, STUDIES: None}
            con.execute(f"create {model.materialized} {model.name} as {model.sql}", bound)
        digests[model.name] = digest
    if digests:
        con.execute(
            "insert or replace into model_state select * from (values "
            + ", ".join("(?, ?)" for _ in digests)
            + ")",
            [item for pair in digests.items() for item in pair],
        )
    return list(digests)


def finish_build(con: duckdb.DuckDBPyConnection) -> None:
    """Every model is up to date: forget which studies changed."""
    con.execute(f"delete from {CHANGED_STUDIES}")


def _refresh_changed_studies(
    con: duckdb.DuckDBPyConnection, model: Model, bound: dict[str, object]
) -> None:
    studies = [row[0] for row in con.sql(f"select study_id from {CHANGED_STUDIES}").fetchall()]
    if not studies:
        return
    params = {**bound, STUDIES: studies}
    con.execute(f"delete from {model.name} where list_contains(${STUDIES}, study_id)", params)
    # the outer filter guards the model's own: a study's rows come from that study alone
    con.execute(
        f"insert into {model.name} select * from ({model.sql}) "
        f"where list_contains(${STUDIES}, study_id)",
        params,
    )


def _digest(model: Model, bound: dict[str, object]) -> str:
    text = model.sql + "\n" + repr(sorted(bound.items()))
    return hashlib.sha256(text.encode()).hexdigest()
