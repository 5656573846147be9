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
_CHUNKED = re.compile(r"--\s*chunks:\s*([0-9_]+)\s*patient rows")
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
    chunk_rows: int | None = None  # built for groups of studies of at most this many rows

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
            chunked = _CHUNKED.search(sql) if incremental else None
            chunk_rows = int(chunked.group(1).replace("_", "")) if chunked else None
            models[name] = Model(name, layer, sql, kind, incremental, chunk_rows)
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
            if model.chunk_rows is not None:
                _build_in_chunks(con, model, bound)
            else:
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
    con.execute(
        f"delete from {model.name} where list_contains(${STUDIES}, study_id)",
        {**bound, STUDIES: studies},
    )
    for chunk in _chunks(con, model, studies):
        # the outer filter guards the model's own: a study's rows come from that study alone
        con.execute(
            f"insert into {model.name} select * from ({model.sql}) "
            f"where list_contains(${STUDIES}, study_id)",
            {**bound, STUDIES: chunk},
        )


def _build_in_chunks(
    con: duckdb.DuckDBPyConnection, model: Model, bound: dict[str, object]
) -> None:
    """Build a model over the patient rows a group of studies at a time (``-- chunks: N
    patient rows``): each query holds the hash tables of one group's rows only, so a
    registry of ten million rows needs no more memory than one of a few million."""
    studies = [row[0] for row in con.sql(f"select study_id from {STUDY_ROWS}").fetchall()]
    chunks = _chunks(con, model, studies) or [[]]
    con.execute(f"create table {model.name} as {model.sql}", {**bound, STUDIES: chunks[0]})
    for chunk in chunks[1:]:
        con.execute(f"insert into {model.name} {model.sql}", {**bound, STUDIES: chunk})


#: Patient rows loaded per study (from the loads' record of each file's studies).
STUDY_ROWS = "(select study_id, sum(rows_loaded) as n from patient_file_studies group by 1)"


def _chunks(con: duckdb.DuckDBPyConnection, model: Model, studies: list[str]) -> list[list[str]]:
    """``studies`` in groups of at most ``model.chunk_rows`` patient rows (a study larger
    than that is a group of its own); one group when the model is not chunked."""
    if model.chunk_rows is None:
        return [studies] if studies else []
    sizes = dict(
        con.execute(
            f"select study_id, n from {STUDY_ROWS} where list_contains($studies, study_id)",
            {"studies": studies},
        ).fetchall()
    )
    chunks: list[list[str]] = []
    rows = 0
    for study in sorted(studies):
        size = int(sizes.get(study, 0))
        if not chunks or (rows + size > model.chunk_rows and chunks[-1]):
            chunks.append([])
            rows = 0
        chunks[-1].append(study)
        rows += size
    return chunks


def _digest(model: Model, bound: dict[str, object]) -> str:
    text = model.sql + "\n" + repr(sorted(bound.items()))
    return hashlib.sha256(text.encode()).hexdigest()
