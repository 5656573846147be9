"""Pandera contracts for input files as received (after type casting, before loading).

Three layouts are accepted:

* :class:`PatientOutcomes` - one row per patient x treated side x follow-up visit;
* :class:`StudyArms` - one row per study x arm x stratum x outcome x time point, as published;
* :class:`RiskOfBiasJudgements` - one row per published study x risk-of-bias domain.

Values arrive as text; ``evidence.warehouse.staging`` casts them to each column's dtype
(recording cells that do not cast) and hands typed batches to these models. The models add
ranges, vocabularies and cross-column rules. Keys are enforced over whole files in SQL
(see ``PATIENT_KEY`` / ``STUDY_KEY`` / ``RISK_OF_BIAS_KEY``) because a file is validated in batches.

Every rule has a severity (:func:`severity`): an ``error`` quarantines the row; a
``warning`` (declared with Pandera's ``raise_warning=True``) loads it and flags it. The
plausibility rules between the two Goodman-Baron scales are warnings: grade and score are
often rated by different assessors, and clinical data management treats such an edit check
as a query to resolve, not a reason to drop the row.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.vocab import (
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    SCALE_RANGES,
    DataOrigin,
    Design,
    Fitzpatrick,
    Intervention,
    OutcomeScale,
    ResponderDefinition,
    RiskOfBias,
    RobTool,
    ScarType,
    Side,
    StratumKind,
    TimepointBasis,
    normalise_fitzpatrick,
    normalise_skin_type_stratum,
    skin_type_stratum_is_valid,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
PSEUDONYM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$"
URL_PATTERN = r"^(https?://\S+|doi:\S+|synthetic://\S+)$"

PATIENT_KEY = ("study_id", "subject_id", "side", "followup_weeks")
RISK_OF_BIAS_KEY = ("study_id", "rob_tool", "domain")
STUDY_KEY = (
    "study_id",
    "intervention",
    "stratum_kind",
    "stratum_value",
    "outcome_scale",
    "followup_weeks",
)

#: The longest cell a file may hold, in characters (the csv module's own default limit): no
#: value of either contract comes near it, so a longer cell is a pasted document, an image or a
#: quote left open. Its row is refused (rule ``oversized_cell``); the rest of the file loads.
MAX_CELL_CHARS = 131_072
OVERSIZED_ADVICE = (
    f"a cell may hold at most {MAX_CELL_CHARS:,} characters (a pasted document or image, or a "
    "quote left open?): shorten the cell or drop the column"
)

#: Non-null columns that a file may leave out because a parser fills them in.
DEFAULTED_COLUMNS: dict[str, set[str]] = {
    "patient": {"side", "data_origin"},
    "study": {"timepoint_basis"},
    "risk_of_bias": set(),
}

#: Column that a row-level (dataframe) check reports in the quarantine table.
RULE_COLUMNS: dict[str, str] = {
    "followup_after_baseline": "followup_weeks",
    "baseline_score_fits_grade": "baseline_score",
    "followup_score_fits_grade": "followup_score",
    "change_matches_means": "change_mean",
    "stratum_value_matches_kind": "stratum_value",
    "means_within_scale_range": "outcome_scale",
    "responders_at_most_n": "responders",
    "has_analysable_summary": "change_mean",
    "responder_definition_given": "responder_definition",
    "domain_belongs_to_tool": "domain",
    "judgement_belongs_to_tool": "judgement",
}


def score_fits_grade(grade: pd.Series, score: pd.Series) -> pd.Series:
    """Loose consistency of the two Goodman-Baron scales, from the quantitative scoring table.

    No official score bands per grade exist, so only what the table implies is checked: a
    macular-only face (grade 1) scores at most 1 point x 3 (lesion multiplier) = 3, and any
    atrophic scarring (grades 2-4) scores at least 1.
    """
    bad = ((grade == 1) & (score > 3)) | ((grade >= 2) & (score < 1))
    return ~bad.fillna(False).astype(bool)


def severity(check: pa.Check) -> str:
    """``error``: a row that breaks the check is quarantined. ``warning`` (a check declared
    with ``raise_warning=True``): the row loads and is flagged (``row_flags``); ``--strict``
    makes warnings errors."""
    return "warning" if check.raise_warning else "error"


def decimals(value: float) -> int:
    """Decimal places of a number as written (3.20 read as 3.2 -> 1)."""
    text = repr(float(value))
    return 0 if "e" in text or "." not in text else len(text.split(".")[1].rstrip("0"))


def _values(enum: type) -> list[str]:
    return [member.value for member in enum]  # type: ignore[attr-defined]


def _lower(series: pd.Series) -> pd.Series:
    return series.str.strip().str.lower()


class PatientOutcomes(pa.DataFrameModel):
    """Patient-level outcome rows (relation ``patient_outcomes``)."""

    study_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, description="Study identifier, e.g. SYN-A or Alam2014."
    )
    subject_id: Series[str] = pa.Field(
        str_matches=PSEUDONYM_PATTERN,
        description="Study pseudonym of the patient (never a name or record number).",
    )
    intervention: Series[str] = pa.Field(
        isin=_values(Intervention), description="Treatment of this arm or side."
    )
    side: Series[str] = pa.Field(
        isin=_values(Side),
        description="left | right in split-face trials; whole (default) otherwise.",
    )
    fitzpatrick_type: Series[str] = pa.Field(
        isin=_values(Fitzpatrick),
        description='Fitzpatrick skin type I-VI ("4", "IV", "type IV" are accepted).',
    )
    scar_type: Series[str] = pa.Field(isin=_values(ScarType), description="Predominant scar type.")
    baseline_grade: Series[pd.Int64Dtype] = pa.Field(
        in_range={"min_value": 1, "max_value": 4},
        description="Goodman-Baron qualitative grade before treatment (1-4).",
    )
    followup_grade: Series[pd.Int64Dtype] = pa.Field(
        in_range={"min_value": 1, "max_value": 4},
        description="Goodman-Baron qualitative grade at this visit (1-4).",
    )
    sessions: Series[pd.Int64Dtype] = pa.Field(
        in_range={"min_value": 1, "max_value": 30}, description="Treatment sessions received."
    )
    followup_weeks: Series[pd.Float64Dtype] = pa.Field(
        in_range={"min_value": 0, "max_value": 520},
        description="Weeks from the baseline assessment to this visit (> 0).",
    )
    baseline_score: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 84},
        description="Goodman-Baron quantitative score before treatment (0-84).",
    )
    followup_score: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 84},
        description="Goodman-Baron quantitative score at this visit (0-84).",
    )
    needle_depth_mm: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0.1, "max_value": 3.5},
        description="Needle depth in mm (0.1-3.5).",
    )
    erythema_days: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 365},
        description="Days of post-treatment erythema.",
    )
    pih: Series[pd.BooleanDtype] = pa.Field(
        nullable=True,
        description="Post-inflammatory hyperpigmentation seen (yes/no, true/false, 1/0).",
    )
    baseline_ecca: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 540},
        description="ECCA global score before treatment (0-540).",
    )
    followup_ecca: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 540},
        description="ECCA global score at this visit (0-540).",
    )
    age_years: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 120},
        description='Age in years ("90+" accepted); stored as 90 for every age over 89.',
    )
    data_origin: Series[str] = pa.Field(
        isin=_values(DataOrigin),
        description="synthetic | trial | literature (default: trial).",
    )

    class Config:
        strict = False  # unknown columns are reported by the loader, not here
        coerce = False  # staging casts text to these dtypes and reports cells that fail

    @pa.parser("fitzpatrick_type")
    @classmethod
    def _normalise_fitzpatrick(cls, series: pd.Series) -> pd.Series:
        # normalise each distinct spelling once (files have millions of rows, six types)
        spellings = {value: normalise_fitzpatrick(value) for value in series.dropna().unique()}
        return series.map(spellings).astype(series.dtype)

    @pa.parser("side")
    @classmethod
    def _default_side(cls, series: pd.Series) -> pd.Series:
        return _lower(series).fillna(Side.WHOLE.value)

    @pa.parser("intervention", "scar_type")
    @classmethod
    def _lower_vocab(cls, series: pd.Series) -> pd.Series:
        return _lower(series)

    @pa.parser("data_origin")
    @classmethod
    def _default_origin(cls, series: pd.Series) -> pd.Series:
        return _lower(series).fillna(DataOrigin.TRIAL.value)

    @pa.dataframe_check(
        name="baseline_score_fits_grade",
        raise_warning=True,  # two scales, often two assessors: a query to resolve, not a refusal
        error=(
            "baseline_score does not fit baseline_grade: grade 1 (macular) scores at most 3, "
            "grades 2-4 (atrophic) at least 1"
        ),
    )
    @classmethod
    def _baseline_score_fits_grade(cls, df: pd.DataFrame) -> pd.Series:
        return score_fits_grade(df["baseline_grade"], df["baseline_score"])

    @pa.dataframe_check(
        name="followup_score_fits_grade",
        raise_warning=True,
        error=(
            "followup_score does not fit followup_grade: grade 1 (macular) scores at most 3, "
            "grades 2-4 (atrophic) at least 1"
        ),
    )
    @classmethod
    def _followup_score_fits_grade(cls, df: pd.DataFrame) -> pd.Series:
        return score_fits_grade(df["followup_grade"], df["followup_score"])

    @pa.dataframe_check(
        name="followup_after_baseline",
        error="follow-up visit must be after baseline (followup_weeks > 0)",
    )
    @classmethod
    def _followup_after_baseline(cls, df: pd.DataFrame) -> pd.Series:
        return (df["followup_weeks"] > 0).fillna(True)


class StudyArms(pa.DataFrameModel):
    """Study-level summaries transcribed from publications (relation ``study_arms``)."""

    study_id: Series[str] = pa.Field(str_matches=ID_PATTERN, description="Study identifier.")
    intervention: Series[str] = pa.Field(
        isin=_values(Intervention), description="Treatment of this arm."
    )
    stratum_kind: Series[str] = pa.Field(
        isin=_values(StratumKind), description="all | severity | skin_type."
    )
    stratum_value: Series[str] = pa.Field(
        description='"all"; a Goodman-Baron grade "1"-"4"; or a Fitzpatrick type or range.'
    )
    outcome_scale: Series[str] = pa.Field(
        isin=_values(OutcomeScale), description="gb_qualitative | gb_quantitative | ecca."
    )
    followup_weeks: Series[pd.Float64Dtype] = pa.Field(
        in_range={"min_value": 0, "max_value": 520},
        description=(
            "Weeks from baseline (the first session) to this time point (> 0); see timepoint_basis."
        ),
    )
    n: Series[pd.Int64Dtype] = pa.Field(ge=1, description="Patients (or sides) analysed.")
    baseline_mean: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Mean at baseline."
    )
    baseline_sd: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, ge=0, description="SD at baseline."
    )
    followup_mean: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Mean at this time point."
    )
    followup_sd: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, ge=0, description="SD at this time point."
    )
    change_mean: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Mean improvement, baseline minus follow-up (positive = better)."
    )
    change_sd: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, ge=0, description="SD of the improvement."
    )
    responders: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        ge=0,
        description="Patients (or sides) who responded, as responder_definition defines it.",
    )
    data_origin: Series[str] = pa.Field(
        isin=[DataOrigin.SYNTHETIC.value, DataOrigin.LITERATURE.value],
        description="synthetic | literature.",
    )
    citation: Series[str] = pa.Field(
        str_length={"min_value": 3}, description="Authors, title, journal, year, DOI."
    )
    source_url: Series[str] = pa.Field(
        str_matches=URL_PATTERN, description="Where the numbers were read (URL or doi:)."
    )
    locator: Series[str] = pa.Field(
        nullable=True, description='Where in the source the numbers are, e.g. "table 2".'
    )
    design: Series[str] = pa.Field(
        nullable=True, isin=_values(Design), description="Study design as reported."
    )
    country: Series[str] = pa.Field(nullable=True, description="Country of the study.")
    n_enrolled: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=1, description="Patients enrolled in the whole study."
    )
    device: Series[str] = pa.Field(
        nullable=True, description="Device (dermaroller, pen, automated, RF microneedling)."
    )
    needle_depth_mm: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0.1, "max_value": 3.5},
        description="Needle depth in mm (0.1-3.5).",
    )
    sessions: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, in_range={"min_value": 1, "max_value": 30}, description="Sessions."
    )
    interval_weeks: Series[pd.Float64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 52},
        description="Weeks between sessions.",
    )
    fitzpatrick_types: Series[str] = pa.Field(
        nullable=True, description='Skin types enrolled, as reported (e.g. "III-V").'
    )
    risk_of_bias: Series[str] = pa.Field(
        nullable=True, isin=_values(RiskOfBias), description="low | some | high."
    )
    risk_of_bias_reason: Series[str] = pa.Field(
        nullable=True, description="One line: randomisation, assessor blinding, attrition."
    )
    erythema_days: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, ge=0, description="Mean days of erythema after a session."
    )
    pih_events: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        ge=0,
        description="Patients (or sides) with post-inflammatory hyperpigmentation.",
    )
    adverse_events: Series[str] = pa.Field(
        nullable=True, description="Other adverse events as reported."
    )
    baseline_median: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Median at baseline."
    )
    baseline_q1: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Baseline first quartile."
    )
    baseline_q3: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Baseline third quartile."
    )
    followup_median: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Median at this time point."
    )
    followup_q1: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Follow-up first quartile."
    )
    followup_q3: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Follow-up third quartile."
    )
    change_se: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, ge=0, description="Standard error of the mean improvement."
    )
    change_ci_lb: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Lower 95% CI bound of the mean improvement."
    )
    change_ci_ub: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, description="Upper 95% CI bound of the mean improvement."
    )
    p_value: Series[pd.Float64Dtype] = pa.Field(
        nullable=True, in_range={"min_value": 0, "max_value": 1}, description="p-value as reported."
    )
    notes: Series[str] = pa.Field(nullable=True, description="Anything ambiguous in the source.")
    timepoint_basis: Series[str] = pa.Field(
        isin=_values(TimepointBasis),
        description=(
            "from_baseline (default) | derived_from_end_of_treatment: the source counted from "
            "the end of treatment and followup_weeks was computed with the protocol (notes)."
        ),
    )
    scale_as_reported: Series[str] = pa.Field(
        nullable=True, description="The source's own words for the outcome instrument."
    )
    is_scale_assumed: Series[pd.BooleanDtype] = pa.Field(
        nullable=True,
        description="true when outcome_scale is an assumed reading of scale_as_reported.",
    )
    responder_definition: Series[str] = pa.Field(
        nullable=True,
        isin=_values(ResponderDefinition),
        description=(
            "Required with responders: gb_grade_ge1 | gb_grade_ge2 | score_reduction_ge50pct | "
            "investigator_good_or_better | other."
        ),
    )
    responder_definition_as_reported: Series[str] = pa.Field(
        nullable=True, description="The source's own words for what counted as a response."
    )
    publication_year: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        in_range={"min_value": 1950, "max_value": 2100},
        description="Year the study was published (empty when the source does not show it).",
    )

    class Config:
        strict = False
        coerce = False

    @pa.parser(
        "intervention",
        "stratum_kind",
        "outcome_scale",
        "data_origin",
        "responder_definition",
    )
    @classmethod
    def _lower_vocab(cls, series: pd.Series) -> pd.Series:
        return _lower(series)

    @pa.parser("timepoint_basis")
    @classmethod
    def _default_timepoint_basis(cls, series: pd.Series) -> pd.Series:
        return _lower(series).fillna(TimepointBasis.FROM_BASELINE.value)

    @pa.dataframe_check(
        name="followup_after_baseline",
        error="the time point must be after baseline (followup_weeks > 0)",
    )
    @classmethod
    def _followup_after_baseline(cls, df: pd.DataFrame) -> pd.Series:
        return (df["followup_weeks"] > 0).fillna(True).astype(bool)

    @pa.dataframe_check(
        name="responder_definition_given",
        error="responders needs responder_definition (what counted as a response)",
    )
    @classmethod
    def _responder_definition_given(cls, df: pd.DataFrame) -> pd.Series:
        return (df["responders"].isna() | df["responder_definition"].notna()).astype(bool)

    @pa.dataframe_parser
    @classmethod
    def _normalise_stratum(cls, df: pd.DataFrame) -> pd.DataFrame:
        kind = df["stratum_kind"].str.strip().str.lower()
        value = df["stratum_value"].str.strip()
        skin = kind == StratumKind.SKIN_TYPE.value
        severity = kind == StratumKind.SEVERITY.value
        out = df.copy()
        out["stratum_value"] = value.where(
            ~skin, value.map(normalise_skin_type_stratum, na_action="ignore")
        )
        grade = value.str.replace(r"(?i)^(gb\s*)?grade\s*", "", regex=True)
        out["stratum_value"] = out["stratum_value"].where(~severity, grade)
        out["stratum_value"] = out["stratum_value"].where(
            kind != StratumKind.ALL.value, out["stratum_value"].fillna("all").str.lower()
        )
        return out

    @pa.dataframe_check(
        name="stratum_value_matches_kind",
        error=(
            "stratum_value does not fit stratum_kind (all -> 'all'; severity -> grade 1-4; "
            "skin_type -> I-VI or a range like IV-VI)"
        ),
    )
    @classmethod
    def _stratum_matches_kind(cls, df: pd.DataFrame) -> pd.Series:
        def ok(kind: object, value: object) -> bool:
            if not isinstance(value, str) or not isinstance(kind, str):
                return False
            if kind == StratumKind.ALL.value:
                return value == "all"
            if kind == StratumKind.SEVERITY.value:
                return value in {"1", "2", "3", "4"}
            if kind == StratumKind.SKIN_TYPE.value:
                return skin_type_stratum_is_valid(value)
            return True  # an unknown kind is reported by its own isin check

        return pd.Series(
            [ok(k, v) for k, v in zip(df["stratum_kind"], df["stratum_value"], strict=True)],
            index=df.index,
        )

    @pa.dataframe_check(
        name="means_within_scale_range", error="a mean lies outside the range of outcome_scale"
    )
    @classmethod
    def _means_within_range(cls, df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=df.index)
        for scale, (low, high) in SCALE_RANGES.items():
            rows = df["outcome_scale"] == scale.value
            for column in ("baseline_mean", "followup_mean"):
                inside = df[column].between(low, high) | df[column].isna()
                ok &= ~rows | inside.fillna(True)
        return ok

    @pa.dataframe_check(
        name="change_matches_means",
        error=(
            "change_mean differs from baseline_mean - followup_mean by more than rounding "
            "(improvement is baseline minus follow-up)"
        ),
    )
    @classmethod
    def _change_matches_means(cls, df: pd.DataFrame) -> pd.Series:
        given = df[["change_mean", "baseline_mean", "followup_mean"]].notna().all(axis=1)
        ok = pd.Series(True, index=df.index)
        for index in df.index[given]:
            values = [
                float(df.at[index, c]) for c in ("change_mean", "baseline_mean", "followup_mean")
            ]
            # each of the three numbers may be off by half a unit of its last decimal
            tolerance = sum(0.5 * 10.0 ** -decimals(v) for v in values) + 1e-9
            ok[index] = abs(values[0] - (values[1] - values[2])) <= tolerance
        return ok

    @pa.dataframe_check(name="responders_at_most_n", error="responders must not exceed n")
    @classmethod
    def _responders_at_most_n(cls, df: pd.DataFrame) -> pd.Series:
        return (df["responders"] <= df["n"]).fillna(True).astype(bool)

    @pa.dataframe_check(
        name="has_analysable_summary",
        error=(
            "row gives no usable summary: need change_mean with its SD, SE or CI; baseline and "
            "follow-up means and SDs; medians; responders; or adverse events"
        ),
    )
    @classmethod
    def _has_summary(cls, df: pd.DataFrame) -> pd.Series:
        spread = (
            df["change_sd"].notna()
            | df["change_se"].notna()
            | (df["change_ci_lb"].notna() & df["change_ci_ub"].notna())
        )
        change = df["change_mean"].notna() & spread
        pre_post = (
            df[["baseline_mean", "baseline_sd", "followup_mean", "followup_sd"]].notna().all(axis=1)
        )
        medians = df[["baseline_median", "followup_median"]].notna().all(axis=1)
        safety = df["pih_events"].notna() | df["erythema_days"].notna()
        return (change | pre_post | medians | df["responders"].notna() | safety).astype(bool)


class RiskOfBiasJudgements(pa.DataFrameModel):
    """Risk of bias of a published study, one row per domain of its tool (relation
    ``risk_of_bias``): RoB 2 for randomised studies, ROBINS-I for non-randomised ones. The
    overall judgement is derived from the domains (``study_risk_of_bias``)."""

    study_id: Series[str] = pa.Field(str_matches=ID_PATTERN, description="Study identifier.")
    rob_tool: Series[str] = pa.Field(isin=_values(RobTool), description="rob2 | robins_i.")
    domain: Series[str] = pa.Field(
        isin=sorted({d for domains in ROB_DOMAINS.values() for d in domains}),
        description="A domain of the tool (RoB 2: 5 domains; ROBINS-I: 7).",
    )
    judgement: Series[str] = pa.Field(
        isin=sorted({j for judgements in ROB_JUDGEMENTS.values() for j in judgements}),
        description=(
            "RoB 2: low | some_concerns | high; ROBINS-I: low | moderate | serious | critical; "
            "no_information where the source is silent."
        ),
    )
    support: Series[str] = pa.Field(
        str_length={"min_value": 3}, description="What in the source supports the judgement."
    )
    data_origin: Series[str] = pa.Field(
        isin=[DataOrigin.SYNTHETIC.value, DataOrigin.LITERATURE.value],
        description="synthetic | literature.",
    )
    citation: Series[str] = pa.Field(
        str_length={"min_value": 3}, description="Authors, title, journal, year, DOI."
    )
    source_url: Series[str] = pa.Field(
        str_matches=URL_PATTERN, description="Where the judgement was read (URL or doi:)."
    )
    locator: Series[str] = pa.Field(
        nullable=True, description='Where in the source, e.g. "abstract, methods".'
    )

    class Config:
        strict = False
        coerce = False

    @pa.parser("rob_tool", "domain", "judgement", "data_origin")
    @classmethod
    def _lower_vocab(cls, series: pd.Series) -> pd.Series:
        return _lower(series)

    @pa.dataframe_check(name="domain_belongs_to_tool", error="domain is not a domain of rob_tool")
    @classmethod
    def _domain_belongs_to_tool(cls, df: pd.DataFrame) -> pd.Series:
        return _belongs(df["rob_tool"], df["domain"], ROB_DOMAINS)

    @pa.dataframe_check(
        name="judgement_belongs_to_tool", error="judgement is not a judgement of rob_tool"
    )
    @classmethod
    def _judgement_belongs_to_tool(cls, df: pd.DataFrame) -> pd.Series:
        return _belongs(df["rob_tool"], df["judgement"], ROB_JUDGEMENTS)


def _belongs(
    tool: pd.Series, value: pd.Series, allowed: dict[RobTool, tuple[str, ...]]
) -> pd.Series:
    """Whether each value is one the row's tool allows (an unknown tool is its own failure)."""
    known = {member.value: set(values) for member, values in allowed.items()}
    return pd.Series(
        [
            t not in known or v in known[t]
            for t, v in zip(tool.astype(object), value.astype(object), strict=True)
        ],
        index=value.index,
        dtype=bool,
    )


#: SQL twins of the patient contract's parsers and row checks, for validating large files in
#: DuckDB (``evidence.warehouse.sql_contract``). ``{x}`` is the column's text; a test proves
#: that both forms give the same rows and failures (tests/warehouse/test_sql_contract.py).
STRIP_SQL = "trim({x}, chr(32) || chr(9) || chr(10) || chr(13) || chr(11) || chr(12))"
_FITZ_TEXT = (
    "trim(regexp_replace(lower("
    + STRIP_SQL
    + "), '^(fitzpatrick\\s*)?(skin\\s*)?(type|phototype|fst)?"
    "\\s*[-:]?\\s*', ''), chr(32) || chr(9) || chr(10) || chr(13) || chr(11) || chr(12))"
)
PATIENT_PARSER_SQL: dict[str, str] = {
    "fitzpatrick_type": (
        "case when {x} is null then null "
        "when {x} in ('I', 'II', 'III', 'IV', 'V', 'VI') then {x} "  # the common case, no regex
        f"when {_FITZ_TEXT} in ('1', '2', '3', '4', '5', '6') "
        f"then ['I', 'II', 'III', 'IV', 'V', 'VI'][{_FITZ_TEXT}::integer] "
        f"when upper({_FITZ_TEXT}) in ('I', 'II', 'III', 'IV', 'V', 'VI') then upper({_FITZ_TEXT}) "
        f"else {STRIP_SQL} end"
    ),
    "side": f"coalesce(lower({STRIP_SQL}), 'whole')",
    "intervention": f"lower({STRIP_SQL})",
    "scar_type": f"lower({STRIP_SQL})",
    "data_origin": f"coalesce(lower({STRIP_SQL}), 'trial')",
}
PATIENT_ROW_CHECK_SQL: dict[str, str] = {
    "baseline_score_fits_grade": (
        "not coalesce((baseline_grade = 1 and baseline_score > 3) "
        "or (baseline_grade >= 2 and baseline_score < 1), false)"
    ),
    "followup_score_fits_grade": (
        "not coalesce((followup_grade = 1 and followup_score > 3) "
        "or (followup_grade >= 2 and followup_score < 1), false)"
    ),
    "followup_after_baseline": "coalesce(followup_weeks > 0, true)",
}

#: Which model reads a file, chosen by the columns its header carries.
LAYOUTS: dict[str, type[pa.DataFrameModel]] = {
    "patient": PatientOutcomes,
    "study": StudyArms,
    "risk_of_bias": RiskOfBiasJudgements,
}
