"""Controlled vocabularies of the data contract (one enum per concept).

Sources (see the project's domain notes): Goodman & Baron 2006 (qualitative grades 1-4,
quantitative score 0-84), Dréno 2007 (ECCA 0-540), Fitzpatrick 1972/1988 (types I-VI),
Jacob 2001 (icepick, boxcar, rolling).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Intervention(StrEnum):
    """Treatment given to an arm (or to one side of a split-face trial)."""

    MICRONEEDLING = "microneedling"
    MICRONEEDLING_PRP = "microneedling_prp"
    MICRONEEDLING_TCA = "microneedling_tca"
    MICRONEEDLING_SUBCISION = "microneedling_subcision"
    MICRONEEDLING_TOPICAL = "microneedling_topical"
    FRACTIONAL_RF_MICRONEEDLING = "fractional_rf_microneedling"
    LASER = "laser"
    CONTROL = "control"


class Fitzpatrick(StrEnum):
    """Fitzpatrick skin phototype, stored as a Roman numeral."""

    I = "I"  # noqa: E741 - the skin type's name
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    VI = "VI"


class ScarType(StrEnum):
    """Predominant atrophic scar morphology (Jacob 2001); ``mixed`` when none dominates."""

    ICEPICK = "icepick"
    BOXCAR = "boxcar"
    ROLLING = "rolling"
    MIXED = "mixed"


class Side(StrEnum):
    """Treated side: ``left``/``right`` in split-face trials, ``whole`` otherwise."""

    LEFT = "left"
    RIGHT = "right"
    WHOLE = "whole"


class StratumKind(StrEnum):
    """How a study-level row is stratified."""

    ALL = "all"
    SEVERITY = "severity"  # stratum_value is a Goodman-Baron qualitative grade "1".."4"
    SKIN_TYPE = "skin_type"  # stratum_value is a Fitzpatrick type or range, e.g. "IV" or "IV-VI"


class OutcomeScale(StrEnum):
    """Outcome instrument of a row; lower is better on every scale listed."""

    GB_QUALITATIVE = "gb_qualitative"  # Goodman-Baron qualitative grade, 1-4
    GB_QUANTITATIVE = "gb_quantitative"  # Goodman-Baron quantitative score, 0-84
    ECCA = "ecca"  # Echelle d'Evaluation Clinique des Cicatrices d'Acne, 0-540
    VSS = "vss"  # Vancouver Scar Scale, 0-13 (generic, not validated for acne scars)
    POSAS_OBSERVER = "posas_observer"  # POSAS observer scale, 6-60 (generic)
    POSAS_PATIENT = "posas_patient"  # POSAS patient scale, 6-60 (generic)
    LIPPER_PEREZ = "lipper_perez"  # Lipper & Perez score, >= 0 (definition unverified)
    SAFETY = "safety"  # adverse events only (pih_events, erythema_days); no scale values


class Design(StrEnum):
    """Study design as reported."""

    RCT = "rct"
    SPLIT_FACE_RCT = "split_face_rct"
    SPLIT_FACE = "split_face"  # split-face, not randomised
    NON_RANDOMISED_CONTROLLED = "non_randomised_controlled"
    PROSPECTIVE = "prospective"  # single-arm or cohort, prospective
    RETROSPECTIVE = "retrospective"


class RiskOfBias(StrEnum):
    """Overall risk of bias (RoB 2 / ROBINS-I style judgement)."""

    LOW = "low"
    SOME = "some"
    HIGH = "high"


class TimepointBasis(StrEnum):
    """How a study-level row's ``followup_weeks`` (always weeks from baseline) was obtained."""

    FROM_BASELINE = "from_baseline"  # the source counts from baseline / the first session
    # the source counts from the end of treatment (or the last session); the weeks from
    # baseline were computed with the study's protocol (sessions x interval), shown in notes
    DERIVED_FROM_END_OF_TREATMENT = "derived_from_end_of_treatment"


class ResponderDefinition(StrEnum):
    """What made a patient (or side) a responder in ``responders``; pooled only within one."""

    GB_GRADE_GE1 = "gb_grade_ge1"  # improved by >= 1 Goodman-Baron qualitative grade
    GB_GRADE_GE2 = "gb_grade_ge2"  # improved by >= 2 grades ("> 1 grade" on integer grades)
    SCORE_REDUCTION_GE50PCT = "score_reduction_ge50pct"  # quantitative score fell by >= 50%
    # investigator's global or photographic assessment "good" or "excellent" (quartile scales:
    # usually > 50% improvement)
    INVESTIGATOR_GOOD_OR_BETTER = "investigator_good_or_better"
    OTHER = "other"  # anything else ("efficacy", "significant reduction", ...): see notes


class RobTool(StrEnum):
    """Risk-of-bias tool: RoB 2 for randomised studies, ROBINS-I for non-randomised ones."""

    ROB2 = "rob2"  # Sterne et al. BMJ 2019;366:l4898
    ROBINS_I = "robins_i"  # Sterne et al. BMJ 2016;355:i4919


#: The domains of each tool, in the tool's order.
ROB_DOMAINS: dict[RobTool, tuple[str, ...]] = {
    RobTool.ROB2: (
        "randomisation_process",
        "deviations_from_intended_interventions",
        "missing_outcome_data",
        "measurement_of_the_outcome",
        "selection_of_the_reported_result",
    ),
    RobTool.ROBINS_I: (
        "confounding",
        "selection_of_participants",
        "classification_of_interventions",
        "deviations_from_intended_interventions",
        "missing_data",
        "measurement_of_outcomes",
        "selection_of_the_reported_result",
    ),
}

#: The judgements of each tool, least to most severe; ``no_information`` where the source is
#: silent.
ROB_JUDGEMENTS: dict[RobTool, tuple[str, ...]] = {
    RobTool.ROB2: ("low", "some_concerns", "high", "no_information"),
    RobTool.ROBINS_I: ("low", "moderate", "serious", "critical", "no_information"),
}


class DataOrigin(StrEnum):
    """Where rows come from; synthetic rows are never evidence."""

    SYNTHETIC = "synthetic"
    LITERATURE = "literature"
    TRIAL = "trial"  # de-identified individual patient data from a trial


#: Valid range (inclusive) of each outcome scale.
SCALE_RANGES: dict[OutcomeScale, tuple[float, float]] = {
    OutcomeScale.GB_QUALITATIVE: (1.0, 4.0),
    OutcomeScale.GB_QUANTITATIVE: (0.0, 84.0),
    OutcomeScale.ECCA: (0.0, 540.0),
    OutcomeScale.VSS: (0.0, 13.0),
    OutcomeScale.POSAS_OBSERVER: (6.0, 60.0),
    OutcomeScale.POSAS_PATIENT: (6.0, 60.0),
    OutcomeScale.LIPPER_PEREZ: (0.0, float("inf")),
}

_ARABIC_TO_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
_FITZ_PREFIX = re.compile(r"^(fitzpatrick\s*)?(skin\s*)?(type|phototype|fst)?\s*[-:]?\s*", re.I)


def normalise_fitzpatrick(value: str | None) -> str | None:
    """Return the Roman numeral for common spellings ("4", "IV", "type iv", "Type 4").

    Anything unrecognised is returned unchanged (stripped) so that validation reports the
    original spelling.
    """
    if value is None:
        return None
    text = _FITZ_PREFIX.sub("", str(value).strip()).strip()
    if text in _ARABIC_TO_ROMAN:
        return _ARABIC_TO_ROMAN[text]
    upper = text.upper()
    if upper in Fitzpatrick.__members__:
        return upper
    return str(value).strip()


_FITZ_RANGE = re.compile(r"^\s*([IV]+|[1-6])\s*(?:-|–|to)\s*([IV]+|[1-6])\s*$", re.I)


def normalise_skin_type_stratum(value: str | None) -> str | None:
    """Normalise a skin-type stratum: a single type ("IV") or a range ("4-6" -> "IV-VI")."""
    if value is None:
        return None
    match = _FITZ_RANGE.match(str(value))
    if match:
        low, high = (normalise_fitzpatrick(part) for part in match.groups())
        return f"{low}-{high}"
    return normalise_fitzpatrick(value)


def skin_type_stratum_is_valid(value: str) -> bool:
    """True for "I".."VI" or an ascending range of them such as "IV-VI"."""
    order = [member.value for member in Fitzpatrick]
    if value in order:
        return True
    parts = value.split("-")
    return (
        len(parts) == 2
        and all(part in order for part in parts)
        and order.index(parts[0]) < order.index(parts[1])
    )
