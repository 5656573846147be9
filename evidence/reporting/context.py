"""The report's input: plain frozen records read from the warehouse.

Everything the templates show comes from a :class:`ReportContext`; building one is the
warehouse's job (``evidence.reporting.build_context``), rendering it is ``render.py``'s.
Missing numbers are ``None`` (never NaN) and templates print them as an em dash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # evidence_records imports StudyEffect from here
    from evidence.reporting.evidence_records import (
        EvidenceBase,
        EvidenceMapRow,
        ExternalEstimate,
        OddsRatioResult,
        ResponderResult,
        RiskOfBiasRow,
        SkinClassRow,
    )


@dataclass(frozen=True)
class SourceFile:
    """One input file as the ingest log saw it (one version of it)."""

    source_file: str
    sha256: str
    kind: str  # patient | study | unknown
    origin: str  # synthetic | literature | mixed | unknown
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    status: str  # loaded | skipped_duplicate | superseded | unreadable
    loaded_at: str  # ISO 8601, UTC
    message: str = ""
    rows_flagged: int = 0  # loaded with a warning (row_flags)


@dataclass(frozen=True)
class QuarantineCount:
    """Rows of one file refused by one rule on one column."""

    source_file: str
    rule: str
    column_name: str
    rows: int
    example: str = ""  # one readable message for this rule, e.g. "row 7: baseline_grade=7 ..."


@dataclass(frozen=True)
class FlagCount:
    """Loaded rows of one file flagged by one warning rule on one column."""

    source_file: str
    rule: str
    column_name: str
    rows: int
    example: str = ""


@dataclass(frozen=True)
class FlagSensitivityRow:
    """One pooled group with all rows, or with its flagged final visits left out."""

    analysis: str  # "all rows" | "flagged final visits left out"
    intervention: str
    outcome_scale: str
    stratum: str
    k_studies: int
    n_left_out: int
    mean_change: float | None
    ci_lb: float | None
    ci_ub: float | None


@dataclass(frozen=True, slots=True)  # a registry's report holds one per study and stratum
class StudyEffect:
    """One study arm in one stratum: the row of a forest plot."""

    study_id: str
    label: str  # what the forest plot prints, e.g. "SYN-A (microneedling, 12 wk)"
    origin: str  # synthetic | literature
    n: int
    yi: float  # mean improvement, baseline minus follow-up (positive = better)
    vi: float  # sampling variance of yi
    ci_lb: float
    ci_ub: float
    weight_pct: float | None  # random-effects weight in percent, None when not pooled
    design: str | None = None  # rct | split_face | prospective ... (None: not reported)
    risk_of_bias: str | None = None  # low | some | high (None: not assessed)
    evidence_source: str = ""  # patient_level | study_level


@dataclass(frozen=True)
class PooledStratum:
    """A random-effects pooled improvement for one stratum x intervention x outcome scale."""

    stratum_kind: str  # severity | skin_type | all
    stratum_value: str  # "3" for grade 3, "IV" for Fitzpatrick IV, "all"
    intervention: str
    outcome_scale: str  # gb_qualitative | gb_quantitative | ...
    k_studies: int
    n_patients: int
    mean_change: float
    se: float
    ci_lb: float
    ci_ub: float
    tau2: float | None
    i2: float | None  # percent
    pi_lb: float | None
    pi_ub: float | None
    responder_rate: float | None  # proportion 0-1 improving by >= 1 grade
    method: str  # e.g. "REML, z" or "REML, Hartung-Knapp"
    studies: tuple[StudyEffect, ...] = ()
    qe: float | None = None  # Cochran's Q
    qe_p: float | None = None
    i2_ci_lb: float | None = None  # Q-profile 95% CI of I2, percent
    i2_ci_ub: float | None = None

    @cached_property  # asked once per study row of the stratum (a registry: thousands)
    def anchor(self) -> str:
        """The id of this result in the HTML report (pooled number -> its study rows)."""
        raw = "-".join(
            ("pooled", self.stratum_kind, self.stratum_value, self.intervention, self.outcome_scale)
        )
        return "".join(c if c.isalnum() or c == "-" else "-" for c in raw.lower())


@dataclass(frozen=True)
class SafetyRow:
    """Adverse events by Fitzpatrick skin type, from patient-level rows."""

    fitzpatrick_type: str
    n_patients: int
    erythema_days_mean: float | None
    erythema_days_sd: float | None
    pih_events: int
    pih_n: int  # patients with PIH recorded
    pih_rate: float | None
    pih_ci_lb: float | None  # Wilson 95% interval
    pih_ci_ub: float | None


@dataclass(frozen=True)
class Citation:
    """Where a study's numbers come from."""

    study_id: str
    origin: str  # synthetic | literature
    citation: str
    source_url: str


@dataclass(frozen=True)
class StudyRecord:
    """One study and where its rows come from (provenance)."""

    study_id: str
    origin: str
    design: str | None
    risk_of_bias: str | None
    risk_of_bias_reason: str | None
    citation: str
    source_url: str
    files: tuple[tuple[str, str], ...] = ()  # (source_file, sha256)

    @property
    def anchor(self) -> str:
        return "study-" + "".join(c if c.isalnum() else "-" for c in self.study_id.lower())


@dataclass(frozen=True)
class SubgroupTest:
    """The test for subgroup differences of one stratification."""

    stratification: str  # severity | skin_type | skin_group | intervention
    intervention: str
    outcome_scale: str
    n_subgroups: int
    subgroups: str
    q_between: float | None
    df: int | None
    pval: float | None
    note: str


@dataclass(frozen=True)
class RegressionPoint:
    study_id: str
    x: float
    yi: float
    vi: float


@dataclass(frozen=True)
class MetaRegression:
    """Improvement against one protocol moderator (sessions or needle depth)."""

    intervention: str
    outcome_scale: str
    moderator: str
    k: int
    k_without_moderator: int
    status: str  # "performed" or "not performed (k = 6 < 10)"
    intercept: float | None = None
    slope: float | None = None
    slope_ci_lb: float | None = None
    slope_ci_ub: float | None = None
    slope_pval: float | None = None
    var_intercept: float | None = None
    var_slope: float | None = None
    cov_intercept_slope: float | None = None
    crit: float | None = None
    tau2: float | None = None
    i2: float | None = None
    points: tuple[RegressionPoint, ...] = ()


@dataclass(frozen=True)
class SafetyPooled:
    """A pooled safety outcome in one skin-type stratum (proportion or mean days)."""

    outcome: str  # pih | erythema_days
    stratum_kind: str  # skin_type | skin_group | all
    stratum_value: str
    k_studies: int
    events: int | None
    n: int
    estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    pi_lb: float | None
    pi_ub: float | None
    i2: float | None
    method: str
    studies: tuple[StudyEffect, ...] = ()
    i2_ci_lb: float | None = None  # Q-profile 95% CI of I2, percent
    i2_ci_ub: float | None = None


@dataclass(frozen=True)
class AdverseEventReport:
    study_id: str
    intervention: str
    origin: str
    text: str


@dataclass(frozen=True)
class FlowCount:
    """One box of the data-flow diagram."""

    label: str
    count: int
    detail: str = ""


@dataclass(frozen=True)
class SourceChange:
    source_file: str
    change: str  # new | changed
    sha256: str
    rows_loaded: int
    origin: str


@dataclass(frozen=True)
class EstimateChange:
    """How one pooled estimate moved since the previous run."""

    label: str
    intervention: str
    outcome_scale: str
    k_before: int | None
    k_after: int | None
    before: float | None
    after: float | None
    ci_before: tuple[float | None, float | None]
    ci_after: tuple[float | None, float | None]
    status: str  # moved | new | dropped | unchanged


@dataclass(frozen=True)
class RhoRow:
    rho: float
    intervention: str
    outcome_scale: str
    stratum: str
    k_studies: int
    k_imputed: int
    mean_change: float | None
    ci_lb: float | None
    ci_ub: float | None
    i2: float | None
    i2_ci_lb: float | None = None  # Q-profile 95% CI of I2, percent
    i2_ci_ub: float | None = None


@dataclass(frozen=True)
class SofRow:
    """One Summary-of-Findings row: a comparison x outcome with its certainty."""

    comparison: str
    outcome: str
    outcome_scale: str
    k_studies: int
    n_patients: int
    effect: str  # formatted estimate [95% CI], e.g. "0.90 [0.67, 1.12] grades"
    prediction: str  # formatted 95% PI or an em dash with a reason
    estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    pi_lb: float | None
    pi_ub: float | None
    certainty: str
    start: str
    start_reason: str
    downgrades: tuple[tuple[str, int, str], ...]  # (domain, levels, reason)
    egger: str  # "p = 0.21" or "not performed (k < 10)"
    anchor: str  # where its study rows are
    synthetic: bool


@dataclass(frozen=True)
class ReportContext:
    """Everything one report shows."""

    run_id: str
    generated_at: str  # ISO 8601, UTC
    warehouse_path: str
    method: str  # tau2 estimator, e.g. "REML"
    test: str  # "z" or "knha"
    rho: float  # pre/post correlation assumed where change SDs are missing
    versions: dict[str, str] = field(default_factory=dict)  # package -> version
    sources: tuple[SourceFile, ...] = ()
    quarantine: tuple[QuarantineCount, ...] = ()
    overall: tuple[PooledStratum, ...] = ()
    by_severity: tuple[PooledStratum, ...] = ()
    by_skin_type: tuple[PooledStratum, ...] = ()
    safety: tuple[SafetyRow, ...] = ()
    citations: tuple[Citation, ...] = ()
    summary_lines: tuple[str, ...] = ()  # the 5-line summary the CLI prints
    plain_summary: tuple[str, ...] = ()  # the plain-language summary, generated
    by_skin_group: tuple[PooledStratum, ...] = ()
    subgroup_tests: tuple[SubgroupTest, ...] = ()
    sof: tuple[SofRow, ...] = ()
    meta_regressions: tuple[MetaRegression, ...] = ()
    comparisons: tuple[PooledStratum, ...] = ()  # stratum_kind "comparison", md in mean_change
    safety_pooled: tuple[SafetyPooled, ...] = ()
    adverse_events: tuple[AdverseEventReport, ...] = ()
    studies: tuple[StudyRecord, ...] = ()
    data_flow: tuple[FlowCount, ...] = ()
    previous_run_id: str | None = None
    source_changes: tuple[SourceChange, ...] = ()
    estimate_changes: tuple[EstimateChange, ...] = ()
    rho_sensitivity: tuple[RhoRow, ...] = ()
    flags: tuple[FlagCount, ...] = ()  # loaded rows with a warning, by file, rule, column
    flag_sensitivity: tuple[FlagSensitivityRow, ...] = ()
    # the evidence partition this report shows: published and real patient-level data
    # (False), or synthetic data (True: only when the warehouse holds nothing else)
    synthetic: bool = False
    # the other partition's pooled rows when this report shows the real one (labelled)
    synthetic_results: tuple[PooledStratum, ...] = ()
    evidence_base: EvidenceBase | None = None
    responders: tuple[ResponderResult, ...] = ()
    odds_ratios: tuple[OddsRatioResult, ...] = ()
    evidence_map: tuple[EvidenceMapRow, ...] = ()
    skin_classes: tuple[SkinClassRow, ...] = ()
    risk_of_bias: tuple[RiskOfBiasRow, ...] = ()
    external: tuple[ExternalEstimate, ...] = ()
