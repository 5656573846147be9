"""``docs/data-dictionary.md``: every table, view and column of the warehouse, generated.

Relations and types come from a warehouse built empty by the pipeline's own build steps
(so a new model or table appears without editing this file); meanings come from the Pandera
contracts (input tables), the comments in ``ddl/*.sql`` (bookkeeping tables), each model's
header comment, and :data:`GLOSSARY` below for derived columns. ``python -m
evidence.data_dictionary`` rewrites the file; a test fails when it is stale.
"""

from __future__ import annotations

import re
import sys
import tempfile
from importlib import resources
from pathlib import Path

import duckdb

from evidence.warehouse.build import read_models
from evidence.warehouse.tables import LINEAGE_COLUMNS, TARGET_TABLES
from schemas.raw import LAYOUTS

DEFAULT_PATH = Path("docs/data-dictionary.md")

LINEAGE = {
    "source_file": "Landing file the row came from (path relative to the landing folder).",
    "source_sha256": "SHA-256 of that file's content (its version).",
    "source_row": "Data row of the file (1-based, header excluded).",
    "run_id": "Pipeline run that loaded the row (see `runs`).",
}
assert {name for name, _ in LINEAGE_COLUMNS} == LINEAGE.keys()

#: Tables written in Python (pooling and analyses), not by a .sql model.
PYTHON_TABLES = {
    "int_study_arm_conversions": "Published medians/IQRs, SEs and CIs converted to means and "
    "SDs (Wan 2014, Luo 2018, Cochrane Handbook 6.5.2), with the method used per arm.",
    "fct_pooled_improvement": "Random-effects pooled improvement per stratum x intervention x "
    "scale (stage two; REML by default, metafor-checked).",
    "fct_study_weights": "Each study arm's effect, CI and weight in its pooled group.",
    "fct_subgroup_differences": "Test of subgroup differences (Q_between) per stratification.",
    "fct_meta_regression": "Mixed-effects meta-regression on sessions and needle depth.",
    "fct_comparisons": "Random-effects pooled head-to-head comparisons (e.g. PRP vs alone).",
    "fct_comparison_studies": "Per-study differences behind `fct_comparisons`.",
    "fct_safety_pooled": "Pooled safety outcomes (PIH, erythema) by skin group.",
    "fct_safety_studies": "Per-study safety outcomes behind `fct_safety_pooled`.",
    "fct_rho_sensitivity": "Pooled estimates under pre/post correlations rho 0.2, 0.5, 0.8.",
    "fct_responders_pooled": "Responder proportions pooled on the logit scale per intervention "
    "x stratum x responder definition (metafor PLO, back-transformed).",
    "fct_responders_study": "Per-study responders (events of n) behind `fct_responders_pooled`.",
    "fct_responder_comparisons": "Within-study odds ratios of responding, treatment against "
    "comparator, pooled per responder definition (metafor OR).",
    "fct_responder_comparison_studies": "Per-study 2x2 tables behind `fct_responder_comparisons`.",
    "fct_skin_class_subgroups": "Between-study comparison of study populations (types III-VI "
    "only vs including I-II): responders, improvement and PIH pooled per class.",
    "fct_pooled_history": "The pooled estimates of every run, appended (how the evidence moved).",
}

#: Meanings of derived columns, by name (a relation may override with "relation.column").
GLOSSARY = {
    "adverse_events": "Other adverse events as reported.",
    "baseline_value": "Value on this row's scale before treatment.",
    "followup_value": "Value on this row's scale at the final visit.",
    "change_se": "Standard error of the mean improvement.",
    "ci_lb": "Lower bound of the 95% confidence interval.",
    "ci_ub": "Upper bound of the 95% confidence interval.",
    "comparator": "Intervention compared against (control, or the simpler treatment).",
    "comparison": "Label of the comparison (treatment vs comparator).",
    "conversion": "How missing means/SDs were derived from medians, SEs or CIs (null: reported).",
    "cov_intercept_slope": "Covariance of intercept and slope estimates.",
    "crit": "Critical value used for the interval (z or t quantile).",
    "data_origins": "Origins of the pooled rows (synthetic, literature, trial), comma-separated.",
    "df": "Degrees of freedom.",
    "erythema_days_mean": "Mean days of erythema.",
    "erythema_days_sd": "SD of days of erythema.",
    "erythema_n": "Sides with days of erythema recorded.",
    "estimate": "Pooled estimate.",
    "events": "Number of events.",
    "evidence_source": "patient_level (from patient rows) or study_level (published summary).",
    "exclusion_reason": "Why the arm is shown but not pooled (null: pooled).",
    "followup_weeks_max": "Longest follow-up in weeks.",
    "grade_change_ci_lb": "Lower 95% CI bound of the mean grade improvement (normal approx.).",
    "grade_change_ci_ub": "Upper 95% CI bound of the mean grade improvement (normal approx.).",
    "grade_change_mean": "Mean Goodman-Baron grade improvement (baseline minus final grade).",
    "grade_change_sd": "SD of the grade improvement.",
    "grade_improvement": "Goodman-Baron grade improvement, baseline minus follow-up grade.",
    "i2": "I², % of variability due to heterogeneity rather than chance.",
    "i2_ci_lb": "Lower bound of I²'s 95% CI (Q-profile, as metafor's confint()).",
    "i2_ci_ub": "Upper bound of I²'s 95% CI (Q-profile, as metafor's confint()).",
    "intercept": "Meta-regression intercept.",
    "interventions": "Interventions of the study, comma-separated.",
    "is_change_sd_imputed": "True when the change SD assumed the pre/post correlation rho.",
    "is_pooled": "Whether the analysis uses this source for the study.",
    "is_responder": "Improved by at least one Goodman-Baron grade.",
    "ivw_ci_lb": "Lower 95% CI bound of the inverse-variance mean.",
    "ivw_ci_ub": "Upper 95% CI bound of the inverse-variance mean.",
    "ivw_mean_change": "Inverse-variance (equal-effects) mean improvement of the poolable arms.",
    "ivw_se": "Standard error of the inverse-variance mean.",
    "k": "Number of studies (or arms) in the model.",
    "k_arms": "Number of study arms in the group.",
    "k_excluded": "Arms in the group that could not be pooled.",
    "k_imputed": "Arms whose change SD was imputed with rho.",
    "k_studies": "Number of studies contributing.",
    "k_without_moderator": "Arms left out because the moderator is missing.",
    "md": "Mean difference.",
    "mean_change": "Mean improvement, baseline minus follow-up (positive = better).",
    "mean_difference": "Difference in mean improvement, treatment minus comparator.",
    "method": "tau² estimator used (REML, DL, ...) and the interval method; a control other "
    "than metafor's default (e.g. stepadj = 0.5) or a fallback to DL is named in brackets.",
    "moderator": "Meta-regression moderator (sessions, needle_depth_mm).",
    "n": "Sample size (patients or treated sides) of the row.",
    "n_comparator": "Patients in the comparator arms.",
    "n_patients": "Number of patients.",
    "n_scored": "Sides with a quantitative Goodman-Baron score at both visits.",
    "n_sides": "Treated subject sides (split-face trials count two per patient).",
    "n_subgroups": "Number of subgroups compared.",
    "n_treatment": "Patients in the treatment arms.",
    "needle_depth_band": "Needle depth band label.",
    "needle_depth_mm_lb": "Lower bound of the band in mm (inclusive).",
    "needle_depth_mm_max": "Largest needle depth in mm.",
    "needle_depth_mm_mean": "Mean needle depth of the arms in the band, mm.",
    "needle_depth_mm_min": "Smallest needle depth in mm.",
    "needle_depth_mm_ub": "Upper bound of the band in mm (exclusive; null = open).",
    "note": "Remark on the row (e.g. why a model was not fitted).",
    "outcome": "Outcome measured (e.g. PIH, erythema days).",
    "pi_lb": "Lower bound of the 95% prediction interval.",
    "pi_ub": "Upper bound of the 95% prediction interval.",
    "pih_ci_lb": "Wilson 95% CI lower bound of the PIH rate.",
    "pih_ci_ub": "Wilson 95% CI upper bound of the PIH rate.",
    "pih_events": "Sides (or patients) with post-inflammatory hyperpigmentation.",
    "pih_n": "Sides with PIH recorded.",
    "pih_rate": "PIH events / pih_n.",
    "pval": "p-value.",
    "q_between": "Q statistic for differences between subgroups.",
    "qe": "Cochran's Q test for residual heterogeneity.",
    "qe_p": "p-value of Q.",
    "qm": "Omnibus test of the moderators.",
    "qm_pval": "p-value of the moderator test.",
    "r2": "Pseudo-R², % of tau² the moderator accounts for (metafor's R2).",
    "responder_rate": "Responders / n over the arms that report responders.",
    "scar_types": "Scar types of the study's patients, comma-separated.",
    "score_change_ci_lb": "Lower 95% CI bound of the mean score improvement (normal approx.).",
    "score_change_ci_ub": "Upper 95% CI bound of the mean score improvement (normal approx.).",
    "score_change_mean": "Mean Goodman-Baron quantitative score improvement.",
    "score_change_sd": "SD of the score improvement.",
    "score_improvement": "Goodman-Baron quantitative score improvement (baseline minus follow-up).",
    "se": "Standard error.",
    "sessions_max": "Most sessions in the study.",
    "sessions_min": "Fewest sessions in the study.",
    "slope": "Meta-regression slope per unit of the moderator.",
    "slope_ci_lb": "Lower 95% CI bound of the slope.",
    "slope_ci_ub": "Upper 95% CI bound of the slope.",
    "slope_pval": "p-value of the slope.",
    "slope_se": "Standard error of the slope.",
    "stratification": "How the arms were split (severity, skin_type, ...).",
    "stratum_kind": "all | severity | skin_type | skin_group.",
    "stratum_value": "Stratum: 'all', a baseline grade 1-4, a Fitzpatrick type or group.",
    "study_ids": "Contributing studies, comma-separated.",
    "subgroups": "Subgroups compared.",
    "sum_improvement": "Σ improvement (sufficient statistic: summaries merge by adding).",
    "sum_sq_improvement": "Σ improvement² (sufficient statistic for the SD).",
    "tau2": "tau², between-study variance.",
    "test": "Interval method: z, or knha (Hartung-Knapp).",
    "treatment": "Intervention of the treatment arm.",
    "var_intercept": "Variance of the intercept estimate.",
    "var_slope": "Variance of the slope estimate.",
    "vi": "Sampling variance of yi (SD of change² / n).",
    "weight_pct": "Weight of the study in its pooled estimate, %.",
    "x_max": "Largest moderator value.",
    "x_min": "Smallest moderator value.",
    "yi": "Effect size: mean improvement (metafor escalc MC).",
    "recorded_at": "When the row was appended.",
    "rho": "Pre/post correlation assumed where change SDs were missing.",
    "rows_loaded": "Rows loaded into the warehouse tables.",
    "rows_quarantined": "Rows refused (see `quarantine`).",
    "file_bytes": "Size of the file in bytes.",
    "message": "Human-readable explanation.",
    "loaded_at": "When the file was processed.",
    "column_name": "Contract column the failure is about (null: the whole row or file).",
    "rule": "Name of the rule that failed (see the README's input formats).",
    "quarantined_at": "When the row was refused.",
    "started_at": "When the run started.",
    "finished_at": "When the run published the warehouse.",
    "landing_dir": "Landing folder the run read.",
    "files_seen": "Landing files the run looked at.",
    "files_loaded": "Files loaded (new or changed) by the run.",
    "prefect_flow_run_id": "Prefect flow-run id (find the run in the Prefect UI).",
    "value": "Value as it was in the file.",
    "notes": "Anything ambiguous in the source.",
    "synthetic": "True for synthetic studies, which are pooled only with each other (never "
    "with published or real patient-level data).",
    "responder_definition": "What counted as a response (gb_grade_ge1, gb_grade_ge2, "
    "score_reduction_ge50pct, investigator_good_or_better, other); pooled within one.",
    "baseline_grade": "Baseline Goodman-Baron grade of the stratum (null: all grades).",
    "proportion": "Proportion of responders (pooled: back-transformed from the logit scale).",
    "logit": "Pooled logit of the proportion.",
    "logit_se": "Standard error of the pooled logit.",
    "log_or": "Pooled log odds ratio.",
    "log_or_se": "Standard error of the pooled log odds ratio.",
    "or": "Odds ratio of responding, treatment against comparator (> 1 favours the treatment).",
    "events_treatment": "Responders in the treatment arms.",
    "events_comparator": "Responders in the comparator arms.",
    "measure": "Responder definition, outcome scale or pih_proportion of the comparison.",
    "skin_class": "Study population: 'III-VI only', 'includes I-II' or 'not reported'.",
    "rob_tool": "rob2 (randomised) or robins_i (non-randomised).",
    "overall": "Overall risk-of-bias judgement derived from the domains.",
    "domains": "Judgement per domain (domain -> judgement).",
    "support": "What in the source supports the judgements, per domain.",
    "risk_of_bias": "low | some | high (the overall judgement mapped to three levels).",
}

_DDL_COMMENT = re.compile(r"^\s*(\w+)\s+[^-]*--\s*(.+)$")


def _contract_meanings() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for layout, table in TARGET_TABLES.items():
        columns = LAYOUTS[layout].to_schema().columns
        found[table] = {name: col.description or "" for name, col in columns.items()} | LINEAGE
    return found


def _ddl_meanings() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    relations: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    for entry in (resources.files("evidence.warehouse") / "ddl").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        lines = entry.read_text(encoding="utf-8").splitlines()
        name = entry.name.removesuffix(".sql")
        relations[name] = " ".join(
            line.removeprefix("--").strip() for line in lines if line.startswith("--")
        )
        columns[name] = {
            m.group(1): m.group(2).strip() for line in lines if (m := _DDL_COMMENT.match(line))
        }
    return relations, columns


def _model_meanings() -> dict[str, tuple[str, str]]:
    """relation -> (layer, header comment) of every SQL model."""
    found = {}
    for model in read_models():
        header = []
        for line in model.sql.splitlines():
            if not line.startswith("--"):
                break
            if "materialized:" not in line:
                header.append(line.removeprefix("--").strip())
        found[model.name] = (model.layer, " ".join(header))
    return found


def build_empty_warehouse(path: Path) -> None:
    """Every relation of the warehouse, with no rows, built by the pipeline's own steps."""
    from evidence import pipeline  # noqa: PLC0415 - imports the whole build
    from evidence.warehouse import connect  # noqa: PLC0415
    from evidence.warehouse.tables import ensure_tables  # noqa: PLC0415

    with connect.connect_write(path) as con:
        ensure_tables(con)
    pipeline.build_and_pool(path, pipeline.RunSettings(), "data-dictionary")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def data_dictionary_markdown(warehouse: Path | None = None) -> str:
    """The Markdown document (from ``warehouse``, or from a fresh empty build)."""
    if warehouse is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "empty.duckdb"
            build_empty_warehouse(path)
            return data_dictionary_markdown(path)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = con.sql(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'main' order by table_name"
        ).fetchall()
        columns = con.sql(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'main' order by table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    contract = _contract_meanings()
    ddl_relations, ddl_columns = _ddl_meanings()
    models = _model_meanings()
    parts = [
        "# Warehouse data dictionary",
        "",
        "Generated by `python -m evidence.data_dictionary` from the Pandera contracts, the DDL "
        "and the SQL models; do not edit. Every relation of `data/warehouse.duckdb`, with its "
        "columns' DuckDB types and meanings. Improvement is always **baseline minus "
        "follow-up** (positive = better).",
        "",
        "| relation | kind | layer | what |",
        "|---|---|---|---|",
    ]
    about: dict[str, tuple[str, str]] = {}
    for name, kind in relations:
        if name in contract:
            layer, text = "input", f"Loaded rows of the {name} contract, plus lineage."
        elif name in ddl_relations:
            layer, text = "bookkeeping", ddl_relations[name]
        elif name in models:
            layer, text = models[name]
        else:
            layer, text = "python", PYTHON_TABLES.get(name, "")
        about[name] = (layer, text)
        kind_word = "view" if kind == "VIEW" else "table"
        parts.append(f"| [`{name}`](#{name}) | {kind_word} | {layer} | {_cell(text)} |")
    for name, kind in relations:
        layer, text = about[name]
        parts += [
            "",
            f"## {name}",
            "",
            f"{'View' if kind == 'VIEW' else 'Table'} ({layer}). {text}",
        ]
        parts += ["", "| column | type | meaning |", "|---|---|---|"]
        known = contract.get(name, {}) | ddl_columns.get(name, {})
        for table, column, data_type in columns:
            if table != name:
                continue
            meaning = (
                GLOSSARY.get(f"{name}.{column}")
                or known.get(column)
                or _first_meaning(column, contract, ddl_columns)
                or GLOSSARY.get(column, "")
            )
            parts.append(f"| `{column}` | {data_type.lower()} | {_cell(meaning)} |")
    return "\n".join(parts) + "\n"


def _first_meaning(
    column: str, contract: dict[str, dict[str, str]], ddl: dict[str, dict[str, str]]
) -> str:
    """A column named like an input or bookkeeping column means the same thing."""
    if column in GLOSSARY:
        return GLOSSARY[column]
    for table in (*contract.values(), *ddl.values()):
        if table.get(column):
            return table[column]
    return ""


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data_dictionary_markdown(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
