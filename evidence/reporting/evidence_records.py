"""Report records for what the literature reports: the evidence base, responders, controlled
comparisons, skin type, risk of bias and the check against a published meta-analysis.

Plain frozen records, as :mod:`evidence.reporting.context`; read by
:mod:`evidence.reporting.read_evidence`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from evidence.reporting.context import StudyEffect


def _anchor(*parts: object) -> str:
    raw = "-".join(str(p) for p in parts)
    return "".join(c if c.isalnum() or c == "-" else "-" for c in raw.lower())


@dataclass(frozen=True)
class EvidenceBase:
    """What the report's answer rests on (the first screen)."""

    published_studies: int
    published_patients: int  # enrolled, or the largest analysed arm where not reported
    patient_level_studies: int
    patient_level_patients: int
    designs: tuple[tuple[str, int], ...]  # (design, studies), most frequent first
    randomised_studies: int
    newest_year: int | None
    newest_studies: tuple[str, ...]
    countries: tuple[str, ...]
    studies_without_year: int


@dataclass(frozen=True)
class ResponderResult:
    """A pooled responder proportion (one intervention x grade x definition)."""

    intervention: str
    baseline_grade: int | None  # None: all grades
    responder_definition: str
    k_studies: int
    n_patients: int
    events: int
    proportion: float | None
    ci_lb: float | None
    ci_ub: float | None
    tau2: float | None
    i2: float | None
    pi_lb: float | None
    pi_ub: float | None
    method: str
    studies: tuple[StudyEffect, ...] = ()
    i2_ci_lb: float | None = None  # Q-profile 95% CI of I2, percent
    i2_ci_ub: float | None = None

    @cached_property  # asked once per study row of the result (a registry: thousands)
    def anchor(self) -> str:
        grade = "all" if self.baseline_grade is None else self.baseline_grade
        return _anchor("responders", self.intervention, grade, self.responder_definition)


@dataclass(frozen=True)
class OddsRatioResult:
    """A pooled within-study odds ratio of responding, treatment against comparator."""

    intervention: str
    comparator: str
    responder_definition: str
    k_studies: int
    n_patients: int
    events_treatment: int
    n_treatment: int
    events_comparator: int
    n_comparator: int
    log_or: float | None
    odds_ratio: float | None
    ci_lb: float | None
    ci_ub: float | None
    pval: float | None
    tau2: float | None
    i2: float | None
    pi_lb: float | None
    pi_ub: float | None
    method: str
    studies: tuple[StudyEffect, ...] = ()
    i2_ci_lb: float | None = None  # Q-profile 95% CI of I2, percent
    i2_ci_ub: float | None = None

    @cached_property
    def anchor(self) -> str:
        return _anchor("odds-ratio", self.intervention, self.comparator, self.responder_definition)


@dataclass(frozen=True)
class EvidenceMapRow:
    """One published (or patient-level) study: who was treated, where, how many."""

    study_id: str
    year: int | None
    country: str | None
    design: str | None
    n: int | None
    fitzpatrick_types: str | None  # as reported
    skin_class: str  # III-VI only | includes I-II | not reported
    interventions: str
    outcomes_by_skin_type: bool
    pih_events: int | None
    pih_n: int | None


@dataclass(frozen=True)
class SkinClassRow:
    """One population skin-type class of a between-study subgroup comparison."""

    outcome: str  # responders | improvement | pih
    intervention: str
    measure: str  # responder definition, outcome scale or "pih_proportion"
    skin_class: str
    k_studies: int
    n: int
    estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    i2: float | None
    q_between: float | None
    pval: float | None
    study_ids: str


@dataclass(frozen=True)
class RiskOfBiasRow:
    """One study's risk-of-bias judgements by domain, and the overall one derived from them."""

    study_id: str
    tool: str  # rob2 | robins_i
    domains: tuple[tuple[str, str, str], ...]  # (domain, judgement, support), tool's order
    overall: str


@dataclass(frozen=True)
class ExternalEstimate:
    """A published meta-analysis' estimate beside this report's own for the same question."""

    review: str
    citation: str
    source_url: str
    comparison: str
    outcome: str
    measure: str  # OR | MD
    estimate: float
    ci_lb: float
    ci_ub: float
    k_studies: int
    i2: float | None
    outcome_definition: str
    ours: str  # this report's estimate, formatted, or why there is none
    ours_k: int | None
    ours_studies: str
    differences: str  # what differs (study set, outcome definition, direction)
