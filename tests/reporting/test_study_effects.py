"""The forest plots' study rows read from ``fct_study_weights``: each pooled group gets its
rows, in study order, with none lost or repeated, whatever order the table holds them in."""

from __future__ import annotations

import random

import duckdb

from evidence.reporting.from_warehouse import GROUP, _study_effects
from evidence.warehouse.pool import STUDY_DDL

KINDS = [("all", "all"), ("severity", "3"), ("severity", None), ("skin_type", "IV")]


def _rows(seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for kind, value in KINDS:
        for intervention in ("microneedling", "microneedling_prp"):
            for study in rng.sample(range(60), 25):
                rows.append(
                    {
                        "stratum_kind": kind,
                        "stratum_value": value,
                        "intervention": intervention,
                        "outcome_scale": rng.choice(["gb_qualitative", "ecca"]),
                        "study_id": f"S{study:02d}",
                        "evidence_source": "patient_level",
                        "data_origin": rng.choice(["synthetic", "", None]),
                        "n": rng.randint(5, 50),
                        "yi": rng.choice([rng.uniform(-1, 3), float("nan")]),
                        "vi": rng.uniform(0.01, 1),
                        "ci_lb": rng.choice([rng.uniform(-2, 0), float("inf")]),
                        "ci_ub": rng.uniform(1, 4),
                        "weight_pct": rng.choice([rng.uniform(0, 10), None]),
                        "exclusion_reason": rng.choice([None, "", "no SD"]),
                    }
                )
    rng.shuffle(rows)
    return rows


def test_each_group_gets_its_rows_with_an_effect_in_study_order():
    rows = _rows(7)
    with duckdb.connect() as con:
        con.execute(STUDY_DDL)
        names = list(rows[0])
        con.executemany(
            f"insert into fct_study_weights ({', '.join(names)}) "
            f"values ({', '.join('?' for _ in names)})",
            [list(r.values()) for r in rows],
        )
        found = _study_effects(con)
    expected: dict[tuple[object, ...], list[tuple[str, int, str]]] = {}
    for r in sorted(rows, key=lambda r: str(r["study_id"])):
        if r["yi"] != r["yi"]:  # NaN: no effect to plot
            continue
        key = tuple(r[k] for k in GROUP)
        expected.setdefault(key, []).append((r["study_id"], r["n"], r["data_origin"] or "unknown"))
    got = {key: [(e.study_id, e.n, e.origin) for e in effects] for key, effects in found.items()}
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in expected.items()}
    assert all([s for s, _, _ in v] == sorted(s for s, _, _ in v) for v in got.values())
    assert any(key[1] is None for key in got)  # a group with a NULL value is one group too
    every = [e for effects in found.values() for e in effects]
    assert all(e.ci_lb is None or e.ci_lb != float("inf") for e in every)
    assert any(e.label.endswith("— not pooled: no SD") for e in every)
