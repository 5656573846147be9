"""Seeded generator of SYNTHETIC microneedling outcome data (never evidence).

Patient-level rows follow the patient contract; study-level rows summarise other simulated
patients the way papers report them. Effects are plausible, not real: improvement grows with
baseline severity and is a little smaller, with more post-inflammatory hyperpigmentation, in
darker skin types. Every row says ``data_origin = synthetic`` and every file name starts with
``synthetic_``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SEED = 20261125
FITZ = ("I", "II", "III", "IV", "V", "VI")

#: Mean improvement in Goodman-Baron grade at full effect, and fraction of score improved.
EFFECTS = {
    "microneedling": (0.95, 0.36),
    "microneedling_prp": (1.25, 0.46),
    "microneedling_tca": (1.10, 0.42),
    "fractional_rf_microneedling": (1.15, 0.43),
    "laser": (0.95, 0.34),
    "control": (0.05, 0.03),
}
ERYTHEMA_DAYS = {
    "microneedling": 2.5,
    "microneedling_prp": 2.8,
    "microneedling_tca": 3.5,
    "fractional_rf_microneedling": 3.2,
    "laser": 5.5,
    "control": 0.0,
}


@dataclass(frozen=True)
class SyntheticStudy:
    study_id: str
    arms: tuple[str, ...]
    split_face: bool
    subjects: int
    skin_types: tuple[str, str]  # lowest and highest Fitzpatrick type enrolled
    visits: tuple[float, ...]  # follow-up weeks
    sessions: int
    needle_depth_mm: float
    reports_scores: bool = True


PATIENT_STUDIES = (
    SyntheticStudy(
        "SYN-A",
        ("microneedling", "microneedling_prp"),
        True,
        120,
        ("III", "V"),
        (4, 12, 24),
        4,
        1.5,
    ),
    SyntheticStudy(
        "SYN-B", ("microneedling", "control"), False, 200, ("II", "IV"), (12, 24), 3, 1.5
    ),
    SyntheticStudy(
        "SYN-C", ("microneedling",), False, 150, ("IV", "VI"), (8, 16, 24), 5, 2.0, False
    ),
    SyntheticStudy(
        "SYN-D", ("fractional_rf_microneedling", "laser"), False, 160, ("I", "IV"), (12, 24), 3, 2.5
    ),
    SyntheticStudy("SYN-E", ("microneedling_tca",), False, 120, ("III", "VI"), (12, 24), 4, 1.0),
    SyntheticStudy("SYN-F", ("microneedling", "control"), True, 90, ("I", "III"), (12, 24), 3, 1.5),
)

STUDY_LEVEL_STUDIES = (
    SyntheticStudy("SYN-P1", ("microneedling",), False, 60, ("III", "V"), (12,), 4, 1.5),
    SyntheticStudy(
        "SYN-P2", ("microneedling", "microneedling_prp"), True, 40, ("IV", "VI"), (12,), 4, 1.5
    ),
    SyntheticStudy("SYN-P3", ("microneedling",), False, 80, ("II", "IV"), (16,), 5, 2.0),
    SyntheticStudy(
        "SYN-P4", ("fractional_rf_microneedling",), False, 50, ("III", "V"), (12,), 3, 2.0
    ),
)


def simulate_patients(study: SyntheticStudy, rng: np.random.Generator) -> pd.DataFrame:
    """One row per subject x side x visit for one simulated study."""
    lo, hi = FITZ.index(study.skin_types[0]), FITZ.index(study.skin_types[1])
    study_shift = rng.normal(0.0, 0.15)
    rows = []
    for number in range(1, study.subjects + 1):
        subject = f"{study.study_id[-1]}{number:04d}"
        fitz = FITZ[int(rng.integers(lo, hi + 1))]
        scar_type = str(
            rng.choice(["icepick", "boxcar", "rolling", "mixed"], p=[0.2, 0.3, 0.2, 0.3])
        )
        baseline_grade = int(rng.choice([2, 3, 4], p=[0.3, 0.45, 0.25]))
        low, high = {2: (6, 18), 3: (14, 36), 4: (28, 56)}[baseline_grade]
        baseline_score = int(rng.integers(low, high + 1))
        if study.split_face:
            sides = list(zip(("left", "right"), rng.permutation(study.arms), strict=True))
        else:
            sides = [("whole", study.arms[(number - 1) % len(study.arms)])]
        for side, arm in sides:
            rows += _visits(
                study,
                rng,
                subject,
                side,
                str(arm),
                fitz,
                scar_type,
                baseline_grade,
                baseline_score,
                study_shift,
            )
    return pd.DataFrame(rows)


def _visits(study, rng, subject, side, arm, fitz, scar_type, grade, score, shift):
    grade_gain, score_gain = EFFECTS[arm]
    darker = {"IV": 0.05, "V": 0.15, "VI": 0.2}.get(fitz, 0.0)
    active = arm != "control"
    latent = grade_gain + (0.35 * (grade - 3) - darker + shift if active else 0.0)
    subject_noise = rng.normal(0.0, 0.35)
    pct = score_gain + (0.03 * (grade - 3) - darker / 4 if active else 0.0)
    erythema = None
    if active:
        erythema = round(float(rng.gamma(4.0, ERYTHEMA_DAYS[arm] * (1 + darker) / 4.0)), 1)
    pih_risk = {"I": 0.02, "II": 0.02, "III": 0.04, "IV": 0.08, "V": 0.14, "VI": 0.18}[fitz]
    pih = bool(rng.random() < pih_risk * (2.0 if arm == "laser" else 1.0)) if active else False
    out = []
    for weeks in study.visits:
        frac = min(1.0, weeks / 16.0)
        gain = round(latent * frac + subject_noise + rng.normal(0.0, 0.25))
        followup_grade = int(np.clip(grade - gain, 1, 4))
        followup_score = int(np.clip(round(score * (1 - pct * frac + rng.normal(0, 0.06))), 0, 84))
        # keep the two Goodman-Baron scales consistent: macular-only (grade 1) scores <= 3
        followup_score = min(followup_score, 3) if followup_grade == 1 else max(followup_score, 1)
        out.append(
            {
                "study_id": study.study_id,
                "subject_id": subject,
                "intervention": arm,
                "side": side,
                "fitzpatrick_type": fitz,
                "scar_type": scar_type,
                "baseline_grade": grade,
                "followup_grade": followup_grade,
                "baseline_score": score if study.reports_scores else None,
                "followup_score": followup_score if study.reports_scores else None,
                "sessions": study.sessions,
                "needle_depth_mm": study.needle_depth_mm
                if arm.startswith(("micro", "fractional"))
                else None,
                "followup_weeks": float(weeks),
                "erythema_days": erythema,
                "pih": pih,
                "data_origin": "synthetic",
            }
        )
    return out


def generate_patient_outcomes(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The shipped synthetic patient-level sample (several studies, a few thousand rows)."""
    rng = np.random.default_rng(seed)
    frames = [simulate_patients(study, rng) for study in PATIENT_STUDIES]
    return pd.concat(frames, ignore_index=True)


def summarise_study(patients: pd.DataFrame, drop_change_sd: bool) -> pd.DataFrame:
    """Study-level rows (all, by severity, by skin type) as a paper would report them."""
    final = patients[patients["followup_weeks"] == patients["followup_weeks"].max()]
    rows = []
    strata = [("all", None), ("severity", "baseline_grade"), ("skin_type", "fitzpatrick_type")]
    for arm, arm_rows in final.groupby("intervention", sort=True):
        for kind, column in strata:
            groups = [("all", arm_rows)] if column is None else arm_rows.groupby(column, sort=True)
            for value, g in groups:
                if len(g) < 3:
                    continue
                for scale, before, after in (
                    ("gb_qualitative", "baseline_grade", "followup_grade"),
                    ("gb_quantitative", "baseline_score", "followup_score"),
                ):
                    change = g[before] - g[after]
                    rows.append(
                        {
                            "study_id": g["study_id"].iloc[0],
                            "intervention": arm,
                            "stratum_kind": kind,
                            "stratum_value": str(value),
                            "outcome_scale": scale,
                            "followup_weeks": float(g["followup_weeks"].iloc[0]),
                            "n": len(g),
                            "baseline_mean": round(g[before].mean(), 2),
                            "baseline_sd": round(g[before].std(), 2),
                            "followup_mean": round(g[after].mean(), 2),
                            "followup_sd": round(g[after].std(), 2),
                            "change_mean": None if drop_change_sd else round(change.mean(), 2),
                            "change_sd": None if drop_change_sd else round(change.std(), 2),
                            "responders": int(
                                ((g["baseline_grade"] - g["followup_grade"]) >= 1).sum()
                            )
                            if scale == "gb_qualitative"
                            else None,
                            "responder_definition": "gb_grade_ge1"
                            if scale == "gb_qualitative"
                            else None,
                            "timepoint_basis": "from_baseline",
                        }
                    )
    return pd.DataFrame(rows)


def generate_study_summaries(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Placeholder study-level rows, labelled synthetic, until literature rows replace them."""
    rng = np.random.default_rng(seed + 1)
    frames = []
    for index, study in enumerate(STUDY_LEVEL_STUDIES):
        summary = summarise_study(simulate_patients(study, rng), drop_change_sd=index % 2 == 1)
        summary["data_origin"] = "synthetic"
        summary["citation"] = (
            f"SYNTHETIC placeholder {study.study_id}, simulated by scar-evidence synthesize "
            f"(seed {seed}); not a publication"
        )
        summary["source_url"] = f"synthetic://scar-evidence/{study.study_id}"
        summary["design"] = "split_face_rct" if study.split_face else "prospective"
        summary["locator"] = "simulated"
        frames.append(summary)
    return pd.concat(frames, ignore_index=True)


def generate_upload_with_errors(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """A small synthetic site upload with a few deliberately invalid rows (demo of quarantine)."""
    rng = np.random.default_rng(seed + 2)
    study = SyntheticStudy("SYN-G", ("microneedling",), False, 20, ("II", "V"), (12,), 3, 1.5)
    frame = simulate_patients(study, rng).astype(object)
    frame.loc[2, "followup_grade"] = 7  # Goodman-Baron grades are 1-4
    frame.loc[5, "fitzpatrick_type"] = "VII"  # no such skin type
    frame.loc[8, "sessions"] = "three"  # not a number
    frame.loc[11, "needle_depth_mm"] = 5.0  # deeper than any microneedling device
    frame.loc[14, "subject_id"] = None  # missing pseudonym
    frame.loc[17, "fitzpatrick_type"] = "type 4"  # a common spelling: accepted as IV
    return frame


def write_samples(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the shipped synthetic inputs under ``out_dir`` and return their paths."""
    patient_dir = out_dir / "patient_level"
    study_dir = out_dir / "study_level"
    patient_dir.mkdir(parents=True, exist_ok=True)
    study_dir.mkdir(parents=True, exist_ok=True)
    patients = generate_patient_outcomes(seed)
    parquet_part = patients["study_id"] == "SYN-D"
    paths = [
        patient_dir / "synthetic_patient_outcomes.csv",
        patient_dir / "synthetic_patient_outcomes_syn_d.parquet",
        patient_dir / "synthetic_site_upload_with_errors.csv",
        study_dir / "synthetic_study_summaries.csv",
    ]
    patients[~parquet_part].to_csv(paths[0], index=False)
    patients[parquet_part].reset_index(drop=True).to_parquet(paths[1], index=False)
    generate_upload_with_errors(seed).to_csv(paths[2], index=False)
    generate_study_summaries(seed).to_csv(paths[3], index=False)
    return paths
