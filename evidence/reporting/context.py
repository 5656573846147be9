"""The report's input: plain frozen records read from the warehouse.

Everything the templates show comes from a :class:`ReportContext`; building one is the
warehouse's job (``evidence.reporting.build_context``), rendering it is ``render.py``'s.
Missing numbers are ``None`` (never NaN) and templates print them as an em dash.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class QuarantineCount:
    """Rows of one file refused by one rule on one column."""

    source_file: str
    rule: str
    column_name: str
    rows: int
    example: str = ""  # one readable message for this rule, e.g. "row 7: baseline_grade=7 ..."


@dataclass(frozen=True)
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
