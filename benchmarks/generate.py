"""Seeded generator of large SYNTHETIC patient-level files for the benchmarks.

``python -m benchmarks.generate --rows 1000000 --bad 0.01 --format csv --out benchmarks/data``
writes ``synthetic_bench_<rows>_<clean|bad>.<csv|parquet>`` in chunks (never the whole file in
memory). With ``--bad``, that fraction of rows, spread evenly at random, carries one invalid
value each (a grade of 7, a skin type VII, a needle depth of 9 mm, sessions "x", ...); the
row numbers are written beside the file (``.bad_rows``) so a benchmark can check quarantine.

``--registry`` writes a registry export instead (``synthetic_registry_<rows>.<fmt>``):
sequential subject pseudonyms ``P0``, ``P1``, ... across the whole file (7 and more digits past
a million subjects), follow-up score and grade rated apart so that :data:`DISAGREE` of the
rows break the cross-scale plausibility rule (warnings: flagged, loaded; ``.flag_rows``), and
:data:`REGISTRY_BAD` of the other rows one hard error each (``.bad_rows``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHUNK = 500_000
#: Studies in every benchmark file, whatever its size (the pooling goal is 1,000 studies).
STUDIES = 1_000
INTERVENTIONS = np.array(
    [
        "microneedling",
        "microneedling_prp",
        "microneedling_tca",
        "fractional_rf_microneedling",
        "laser",
        "control",
    ]
)
FITZ = np.array(["I", "II", "III", "IV", "V", "VI"])
SCARS = np.array(["icepick", "boxcar", "rolling", "mixed"])
CORRUPTIONS = (
    ("followup_grade", "7"),
    ("fitzpatrick_type", "VII"),
    ("needle_depth_mm", "9.0"),
    ("sessions", "0"),
    ("baseline_score", "99"),
)
#: The registry variant: share of rows whose follow-up score disagrees with the grade, and
#: share of rows with one hard error.
DISAGREE = 0.10
REGISTRY_BAD = 0.01
#: Parquet files carry types, as real exports do (CSV cells are all text).
PARQUET_TYPES = {
    "baseline_grade": pa.int64(),
    "followup_grade": pa.int64(),
    "sessions": pa.int64(),
    "followup_weeks": pa.float64(),
    "baseline_score": pa.float64(),
    "followup_score": pa.float64(),
    "needle_depth_mm": pa.float64(),
    "erythema_days": pa.float64(),
}


def chunk_columns(
    start: int,
    size: int,
    rows: int,
    rng: np.random.Generator,
    visits: int = 2,
    prefix: str = "BENCH-",
    registry: bool = False,
) -> dict[str, np.ndarray]:
    """Rows ``start`` .. ``start + size`` of ``rows``: ``visits`` rows per subject, subjects in
    contiguous blocks of :data:`STUDIES` studies (a registry grows by patients, not studies)."""
    index = np.arange(start, start + size)
    subject = index // visits
    study = subject * STUDIES // max(1, rows // visits)
    visit = index % visits
    grade = rng.choice([2, 3, 4], size=size, p=[0.3, 0.45, 0.25])
    fitz_idx = rng.integers(0, 6, size=size)
    arm = INTERVENTIONS[(study + subject) % len(INTERVENTIONS)]
    active = arm != "control"
    gain = np.where(active, 0.9 + 0.35 * (grade - 3) - 0.05 * fitz_idx, 0.05)
    improvement = np.rint(gain * (visit + 1) / visits + rng.normal(0, 0.5, size)).astype(int)
    followup = np.clip(grade - improvement, 1, 4)
    base_score = rng.integers(8 * grade - 6, 8 * grade + 6)
    follow_score = np.clip(np.rint(base_score * (1 - 0.4 * active * (visit + 1) / visits)), 0, 84)
    follow_score = np.where(followup == 1, np.minimum(follow_score, 3), np.maximum(follow_score, 1))
    return {
        "study_id": np.char.add(prefix, study.astype(str)),
        # a pseudonym: the registry's sequential P0, P1, ...; else unique within its study
        "subject_id": (
            np.char.add("P", subject.astype(str))
            if registry
            else np.char.add("s", (subject % 100_000).astype(str))
        ),
        "intervention": arm,
        "side": np.full(size, "whole"),
        "fitzpatrick_type": FITZ[fitz_idx],
        "scar_type": SCARS[rng.integers(0, 4, size=size)],
        "baseline_grade": grade.astype(str),
        "followup_grade": followup.astype(str),
        "sessions": rng.integers(1, 7, size=size).astype(str),
        "followup_weeks": (12.0 * (visit + 1)).astype(str),
        "baseline_score": base_score.astype(str),
        "followup_score": follow_score.astype(int).astype(str),
        "needle_depth_mm": np.where(active, "1.5", ""),
        "erythema_days": np.where(active, np.round(rng.gamma(4.0, 0.7, size), 1).astype(str), ""),
        "pih": np.where(rng.random(size) < 0.05, "yes", "no"),
        "data_origin": np.full(size, "synthetic"),
    }


def file_name(
    rows: int, bad: float, fmt: str, prefix: str = "BENCH-", registry: bool = False
) -> str:
    if registry:
        return f"synthetic_registry_{rows}.{fmt}"
    tag = "" if prefix == "BENCH-" else f"_{prefix.strip('-').lower()}"
    return f"synthetic_bench{tag}_{rows}_{'bad' if bad else 'clean'}.{fmt}"


def generate(
    rows: int,
    bad: float,
    fmt: str,
    out: Path,
    seed: int = 20261125,
    prefix: str = "BENCH-",
    registry: bool = False,
) -> Path:
    """Write one file; ``prefix`` names its studies (another prefix: studies not yet loaded);
    ``registry``: the registry export (``bad`` is then :data:`REGISTRY_BAD`)."""
    out.mkdir(parents=True, exist_ok=True)
    if registry:
        bad, prefix = REGISTRY_BAD, "REG-"
    path = out / file_name(rows, bad, fmt, prefix, registry)
    rng = np.random.default_rng(seed)
    bad_rows: list[int] = []
    flag_rows: list[int] = []
    writer: pacsv.CSVWriter | pq.ParquetWriter | None = None
    try:
        for start in range(0, rows, CHUNK):
            size = min(CHUNK, rows - start)
            columns = chunk_columns(start, size, rows, rng, prefix=prefix, registry=registry)
            draw = rng.random(size) if registry or bad else np.ones(size)
            if registry:  # the follow-up score rated apart: grade 1 scoring 4+, or 2-4 scoring 0
                disagree = np.flatnonzero(draw >= 1 - DISAGREE)
                flag_rows += (start + disagree + 1).tolist()
                grade_one = columns["followup_grade"][disagree] == "1"
                score = columns["followup_score"].astype(object)
                score[disagree] = np.where(grade_one, "6", "0")
                columns["followup_score"] = score
            if bad:
                picks = np.flatnonzero(draw < bad)
                bad_rows += (start + picks + 1).tolist()
                for number, (column, value) in enumerate(CORRUPTIONS):
                    chosen = picks[picks % len(CORRUPTIONS) == number]
                    values = columns[column].astype(object)
                    values[chosen] = value
                    columns[column] = values
            table = pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})
            if fmt == "parquet":
                for column, typ in PARQUET_TYPES.items():
                    text = pc.if_else(pc.equal(table[column], ""), None, table[column])
                    index = table.schema.get_field_index(column)
                    table = table.set_column(index, column, pc.cast(text, typ))
            if writer is None:
                writer = (
                    pacsv.CSVWriter(path, table.schema)
                    if fmt == "csv"
                    else pq.ParquetWriter(path, table.schema, compression="zstd")
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if registry:
        path.with_suffix(path.suffix + ".flag_rows").write_text(
            "\n".join(map(str, flag_rows)) + "\n"
        )
    if bad:
        path.with_suffix(path.suffix + ".bad_rows").write_text("\n".join(map(str, bad_rows)) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad", type=float, default=0.0)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--prefix", default="BENCH-", help="study_id prefix")
    parser.add_argument("--registry", action="store_true", help="the registry export variant")
    args = parser.parse_args()
    print(
        generate(
            args.rows, args.bad, args.format, args.out, prefix=args.prefix, registry=args.registry
        )
    )


if __name__ == "__main__":
    main()
