"""Write the corpus of bad input files and the errors each must produce (expected.json).

Run from the repository root: ``.venv/bin/python tests/data/bad/make_corpus.py``. The files
are committed; tests/warehouse/test_bad_corpus.py loads each one and compares.
Every file is SYNTHETIC.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

HERE = Path(__file__).parent
P_HEADER = [
    "study_id", "subject_id", "intervention", "side", "fitzpatrick_type", "scar_type",
    "baseline_grade", "followup_grade", "sessions", "followup_weeks", "baseline_score",
    "followup_score", "needle_depth_mm", "erythema_days", "pih",
]
P_ROW = ["BAD", "s01", "microneedling", "whole", "IV", "boxcar", "3", "2", "3", "12", "30",
         "20", "1.5", "2", "no"]
S_HEADER = [
    "study_id", "intervention", "stratum_kind", "stratum_value", "outcome_scale",
    "followup_weeks", "n", "baseline_mean", "baseline_sd", "followup_mean", "followup_sd",
    "change_mean", "change_sd", "responders", "data_origin", "citation", "source_url", "locator",
    "design", "responder_definition",
]
S_ROW = ["BADS", "microneedling", "all", "all", "gb_qualitative", "12", "20", "3.2", "0.4",
         "2.1", "0.6", "1.1", "0.7", "15", "synthetic", "Synthetic bad-corpus row",
         "synthetic://bad", "none", "rct", "gb_grade_ge1"]
R_HEADER = ["study_id", "rob_tool", "domain", "judgement", "support", "citation", "source_url",
            "data_origin"]
ROB2_DOMAINS = ["randomisation_process", "deviations_from_intended_interventions",
                "missing_outcome_data", "measurement_of_the_outcome",
                "selection_of_the_reported_result"]

CASES: list[dict[str, object]] = []


def csv_text(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    return "\n".join(sep.join(r) for r in [header, *rows]) + "\n"


def patient_rows(n: int = 3, **changes: dict[int, str]) -> list[list[str]]:
    rows = []
    for i in range(n):
        row = list(P_ROW)
        row[1] = f"s{i + 1:02d}"
        for column, per_row in changes.items():
            if i in per_row:
                row[P_HEADER.index(column)] = per_row[i]
        rows.append(row)
    return rows


def study_rows(rows: list[dict[str, str]]) -> list[list[str]]:
    out = []
    for changes in rows:
        row = list(S_ROW)
        for column, value in changes.items():
            row[S_HEADER.index(column)] = value
        out.append(row)
    return out


def case(
    name: str, content: str | bytes, *, manifest: str | None = None, **expected: object
) -> None:
    """One corpus file (and, with ``manifest``, the manifest beside it) and what it must give."""
    path = HERE / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    if manifest is not None:
        (HERE / f"{name}.manifest.json").write_text(manifest, encoding="utf-8")
    CASES.append({"file": name, **expected})


def cell_case(
    name: str, column: str, value: str, rule: str, *, row: int = 2, reported: str | None = None
) -> None:
    """Three patient rows; row ``row`` has ``value`` in ``column`` and must fail ``rule``
    (reported on column ``reported``, by default the same column)."""
    case(
        name,
        csv_text(P_HEADER, patient_rows(**{column: {row - 1: value}})),
        status="loaded", rows_in=3, rows_loaded=2, rows_quarantined=1,
        failures=[[row, reported or column, rule]],
    )


def main() -> None:
    for old in HERE.glob("*"):
        if old.name not in {"make_corpus.py"}:
            old.unlink()
    # --- files that cannot be read -------------------------------------------------------
    case("empty.csv", b"", status="unreadable", message="empty file (0 bytes)")
    case("blank_first_line.csv", "\n" + csv_text(P_HEADER, patient_rows()),
         status="unreadable", message="no header row")
    case("unknown_layout.csv", "foo,bar\n1,2\n", status="unreadable", message="unknown layout")
    case("duplicated_header.csv", csv_text([*P_HEADER, "sessions"], [[*r, "3"] for r in patient_rows()]),
         status="unreadable", message="duplicated column names")
    case("duplicated_header_after_normalising.csv",
         csv_text([*P_HEADER, "Baseline Grade"], [[*r, "3"] for r in patient_rows()]),
         status="unreadable", message="duplicated column names")
    text = csv_text(P_HEADER, patient_rows())
    case("half_written.csv", text + ",".join(P_ROW[:5]), status="incomplete",
         message="half-written")
    case("corrupt.parquet", b"PAR1 this is not parquet", status="unreadable",
         message="cannot be read as Parquet")
    case("not_really.xlsx", b"plain text, not a workbook", status="unreadable",
         message="cannot be read as Excel")
    # --- read, with a file-level note ------------------------------------------------------
    case("header_only.csv", csv_text(P_HEADER, []), status="empty", rows_in=0, rows_loaded=0,
         rows_quarantined=0, message="header only")
    case("semicolon_delimited.csv", csv_text(P_HEADER, patient_rows(), sep=";"), status="loaded",
         rows_in=3, rows_loaded=3, rows_quarantined=0, message="delimiter ';'")
    case("tab_delimited.csv", csv_text(P_HEADER, patient_rows(), sep="\t"), status="loaded",
         rows_in=3, rows_loaded=3, rows_quarantined=0, message="delimiter '\\t'")
    case("utf8_with_bom.csv", ("\ufeff" + csv_text(P_HEADER, patient_rows())).encode("utf-8"),
         status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0)
    latin = csv_text([*P_HEADER, "clinic_note"], [[*r, "traité"] for r in patient_rows()])
    case("latin1_encoded.csv", latin.encode("latin-1"), status="loaded", rows_in=3,
         rows_loaded=3, rows_quarantined=0, message="read as Latin-1")
    case("extra_column.csv", csv_text([*P_HEADER, "room"], [[*r, "B"] for r in patient_rows()]),
         status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0,
         message="ignored columns not in the contract: room")
    malformed = csv_text(P_HEADER, patient_rows()).splitlines()
    malformed[2] += ",surplus,fields"
    case("malformed_line.csv", "\n".join(malformed) + "\n", status="loaded", rows_in=3,
         rows_loaded=2, rows_quarantined=1, failures=[[2, None, "malformed_line"]])
    long_note = "lorem ipsum " * 11_700  # 140,400 characters: over the 131,072 a cell may hold
    rows = patient_rows()
    case("oversized_cell.csv",
         csv_text([*P_HEADER, "notes"], [[*r, long_note if i == 1 else "ok"] for i, r in enumerate(rows)]),
         status="loaded", rows_in=3, rows_loaded=2, rows_quarantined=1,
         failures=[[2, "notes", "oversized_cell"]], message_in_quarantine="at most 131,072")
    lines = csv_text([*P_HEADER, "notes"], [[*r, long_note if i == 1 else "ok"] for i, r in enumerate(rows)]).splitlines()
    lines[3] += ",surplus"  # a line DuckDB cannot split: the file is read line by line
    case("oversized_cell_read_by_line.csv", "\n".join(lines) + "\n", status="loaded",
         rows_in=3, rows_loaded=1, rows_quarantined=2,
         failures=[[2, "notes", "oversized_cell"], [3, None, "malformed_line"]])
    case("missing_required_column.csv",
         csv_text([h for h in P_HEADER if h != "scar_type"],
                  [[v for h, v in zip(P_HEADER, r, strict=True) if h != "scar_type"] for r in patient_rows()]),
         status="loaded", rows_in=3, rows_loaded=0, rows_quarantined=3,
         failures=[[1, "scar_type", "required_column"], [3, "scar_type", "required_column"]])
    # --- one bad cell ------------------------------------------------------------------------
    cell_case("grade_out_of_range.csv", "followup_grade", "7", "in_range(1, 4)")
    cell_case("grade_zero.csv", "baseline_grade", "0", "in_range(1, 4)")
    cell_case("grade_fractional.csv", "baseline_grade", "2.5", "type_integer")
    cell_case("grade_roman.csv", "baseline_grade", "III", "type_integer")
    cell_case("score_above_84.csv", "baseline_score", "85", "in_range(0, 84)")
    cell_case("score_negative.csv", "followup_score", "-1", "in_range(0, 84)")
    cell_case("fitzpatrick_vii.csv", "fitzpatrick_type", "VII", "isin(['I', 'II', 'III', 'IV', 'V', 'VI'])")
    cell_case("fitzpatrick_word.csv", "fitzpatrick_type", "olive", "isin(['I', 'II', 'III', 'IV', 'V', 'VI'])")
    cell_case("scar_type_keloid.csv", "scar_type", "keloid", "isin(['icepick', 'boxcar', 'rolling', 'mixed'])")
    cell_case("intervention_unknown.csv", "intervention", "botox",
              "isin(['microneedling', 'microneedling_prp', 'microneedling_tca', 'microneedling_subcision', 'microneedling_topical', 'fractional_rf_microneedling', 'laser', 'control'])")
    cell_case("side_unknown.csv", "side", "middle", "isin(['left', 'right', 'whole'])")
    cell_case("sessions_zero.csv", "sessions", "0", "in_range(1, 30)")
    cell_case("sessions_text.csv", "sessions", "three", "type_integer")
    cell_case("needle_too_deep.csv", "needle_depth_mm", "4.0", "in_range(0.1, 3.5)")
    cell_case("needle_zero.csv", "needle_depth_mm", "0", "in_range(0.1, 3.5)")
    cell_case("followup_negative.csv", "followup_weeks", "-4", "in_range(0, 520)")
    cell_case("followup_zero.csv", "followup_weeks", "0", "followup_after_baseline")
    cell_case("followup_infinite.csv", "followup_weeks", "inf", "type_number")
    cell_case("erythema_negative.csv", "erythema_days", "-2", "in_range(0, 365)")
    cell_case("pih_maybe.csv", "pih", "maybe", "type_boolean")
    cell_case("subject_missing.csv", "subject_id", "", "not_nullable")
    cell_case("study_id_with_space.csv", "study_id", "BAD STUDY",
              "str_matches('^[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}$')")
    # --- warnings: the row loads, flagged (--strict quarantines it) ----------------------------
    case("macular_grade_high_score.csv", csv_text(P_HEADER, patient_rows(followup_grade={1: "1"})),
         status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0, rows_flagged=1,
         flags=[[2, "followup_score", "followup_score_fits_grade", "20"]],
         strict_failures=[[2, "followup_score", "followup_score_fits_grade"]])
    case("atrophic_grade_zero_score.csv", csv_text(P_HEADER, patient_rows(baseline_score={0: "0"})),
         status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0, rows_flagged=1,
         flags=[[1, "baseline_score", "baseline_score_fits_grade", "0"]],
         strict_failures=[[1, "baseline_score", "baseline_score_fits_grade"]])
    case("accepted_spellings.csv",
         csv_text(P_HEADER, patient_rows(fitzpatrick_type={0: "type 4", 1: "iv", 2: "5"},
                                         pih={0: "yes", 1: "FALSE", 2: "1"},
                                         intervention={0: "Microneedling"})),
         status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0)
    # --- rules over several rows -------------------------------------------------------------
    case("duplicate_key.csv", csv_text(P_HEADER, patient_rows(subject_id={1: "s01"})),
         status="loaded", rows_in=3, rows_loaded=1, rows_quarantined=2,
         failures=[[1, "study_id,subject_id,side,followup_weeks", "unique_key"],
                   [2, "study_id,subject_id,side,followup_weeks", "unique_key"]])
    case("split_face_unpaired.csv",
         csv_text(P_HEADER, patient_rows(side={0: "left", 1: "right", 2: "left"},
                                         subject_id={1: "s01"})),
         status="loaded", rows_in=3, rows_loaded=2, rows_quarantined=1,
         failures=[[3, "side", "split_face_pair"]])
    case("split_face_mixed_with_whole.csv",
         csv_text(P_HEADER, patient_rows(side={0: "left", 1: "whole"}, subject_id={1: "s01"})),
         status="loaded", rows_in=3, rows_loaded=1, rows_quarantined=2,
         failures=[[1, "side", "split_face_pair"], [2, "side", "split_face_pair"]])
    # --- identifiers (the whole file is refused) ---------------------------------------------
    for name, column, value, reason in (
        ("identifier_patient_name.csv", "patient_name", "Jane Doe", "names"),
        ("identifier_date_of_birth.csv", "date_of_birth", "1990-04-01", "dates"),
        ("identifier_visit_date.csv", "visit_date", "2024-03-02", "dates"),
        ("identifier_phone_column.csv", "phone", "555 123 4567", "telephone"),
        ("identifier_photo_column.csv", "photo", "face.jpg", "photographs"),
        ("identifier_email_in_notes.csv", "notes", "reach me at jane@example.org", "e-mail"),
        ("identifier_date_in_comment.csv", "comment", "seen on 02/03/2024", "full date"),
        ("identifier_photo_file_name.csv", "attachment", "IMG_0042.HEIC", "photograph"),
        ("identifier_phone_in_text.csv", "contact", "call (555) 123-4567", "telephone"),
        ("identifier_url_in_text.csv", "source", "https://clinic.example/patient/42", "URL"),
    ):
        case(name, csv_text([*P_HEADER, column], [[*r, value] for r in patient_rows()]),
             status="loaded", rows_in=3, rows_loaded=0, rows_quarantined=3,
             failures=[[1, column, "direct_identifier"]], message_in_quarantine=reason,
             redacted=value)
    case("subject_id_record_number.csv",
         csv_text(P_HEADER, patient_rows(subject_id={0: "12345678", 1: "12345679", 2: "12345680"})),
         status="loaded", rows_in=3, rows_loaded=0, rows_quarantined=3,
         failures=[[2, "subject_id", "direct_identifier"]],
         message_in_quarantine="medical record number", redacted="12345679")
    # --- pseudonyms are not identifiers; labelled and bare record numbers are --------------
    case("subject_id_sequential_pseudonyms.csv",
         csv_text(P_HEADER, patient_rows(subject_id={0: "P9999998", 1: "P9999999", 2: "P10000000"})),
         status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0)
    case("subject_id_labelled_record_number.csv",
         csv_text(P_HEADER, patient_rows(subject_id={0: "s01", 1: "MRN0012345", 2: "s03"})),
         status="loaded", rows_in=3, rows_loaded=0, rows_quarantined=3,
         failures=[[2, "subject_id", "direct_identifier"]],
         message_in_quarantine="medical record number", redacted="MRN0012345")
    declared = '{"study_pseudonyms": ["subject_id"]}\n'
    case("subject_id_numbers_declared.csv",
         csv_text(P_HEADER, patient_rows(subject_id={0: "12345678", 1: "12345679", 2: "12345680"})),
         manifest=declared, status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0,
         message="subject_id declared as study pseudonyms")
    case("subject_id_declared_still_refuses_dates.csv",
         csv_text(P_HEADER, patient_rows(subject_id={1: "1990-04-01"})),
         manifest=declared, status="loaded", rows_in=3, rows_loaded=0, rows_quarantined=3,
         failures=[[2, "subject_id", "direct_identifier"]], message_in_quarantine="full date",
         redacted="1990-04-01")
    case("manifest_unknown_declaration.csv", csv_text(P_HEADER, patient_rows()),
         manifest='{"pseudonyms": ["subject_id"]}\n', status="unreadable",
         message="not a known declaration")
    case("manifest_not_json.csv", csv_text(P_HEADER, patient_rows()),
         manifest="subject_id: pseudonym\n", status="unreadable",
         message="cannot be read as JSON")
    case("age_over_89.csv", csv_text([*P_HEADER, "age_years"],
                                     [[*r, a] for r, a in zip(patient_rows(), ["93", "90+", "45"], strict=True)]),
         status="loaded", rows_in=3, rows_loaded=3, rows_quarantined=0, stored_ages=[90, 90, 45])
    case("age_impossible.csv", csv_text([*P_HEADER, "age_years"],
                                        [[*r, a] for r, a in zip(patient_rows(), ["130", "40", "45"], strict=True)]),
         status="loaded", rows_in=3, rows_loaded=2, rows_quarantined=1,
         failures=[[1, "age_years", "in_range(0, 120)"]])
    # --- study-level rules --------------------------------------------------------------------
    for name, changes, column, rule in (
        ("study_responders_exceed_n.csv", {"responders": "25"}, "responders", "responders_at_most_n"),
        ("study_change_mismatch.csv", {"change_mean": "-1.1"}, "change_mean", "change_matches_means"),
        ("study_bad_skin_stratum.csv", {"stratum_kind": "skin_type", "stratum_value": "VII"},
         "stratum_value", "stratum_value_matches_kind"),
        ("study_bad_severity_stratum.csv", {"stratum_kind": "severity", "stratum_value": "5"},
         "stratum_value", "stratum_value_matches_kind"),
        ("study_no_summary.csv", {c: "" for c in ("baseline_mean", "baseline_sd", "followup_mean",
                                                  "followup_sd", "change_mean", "change_sd", "responders")},
         "change_mean", "has_analysable_summary"),
        ("study_negative_sd.csv", {"baseline_sd": "-0.4"}, "baseline_sd", "greater_than_or_equal_to(0)"),
        ("study_n_zero.csv", {"n": "0"}, "n", "greater_than_or_equal_to(1)"),
        ("study_bad_url.csv", {"source_url": "see the paper"}, "source_url",
         "str_matches('^(https?://\\S+|doi:\\S+|synthetic://\\S+)$')"),
        ("study_mean_outside_scale.csv", {"baseline_mean": "5.2", "change_mean": "3.1"}, "outcome_scale",
         "means_within_scale_range"),
        ("study_unknown_design.csv", {"design": "cohort"} , "design", "isin(['rct', 'split_face_rct', 'split_face', 'non_randomised_controlled', 'prospective', 'retrospective'])"),
        ("study_unknown_origin.csv", {"data_origin": "blog"}, "data_origin", "isin(['synthetic', 'literature'])"),
        ("study_responders_without_definition.csv", {"responder_definition": ""},
         "responder_definition", "responder_definition_given"),
        ("study_followup_zero.csv", {"followup_weeks": "0"}, "followup_weeks", "followup_after_baseline"),
        ("study_unknown_responder_definition.csv", {"responder_definition": "felt better"},
         "responder_definition", "isin(['gb_grade_ge1', 'gb_grade_ge2', 'score_reduction_ge50pct', 'investigator_good_or_better', 'other'])"),
    ):
        rows = study_rows([
            {},
            {"stratum_kind": "severity", "stratum_value": "3", "n": "8", "responders": "5"},
            {"stratum_kind": "severity", "stratum_value": "2", "n": "6", "responders": "4", **changes},
        ])
        case(name, csv_text(S_HEADER, rows), status="loaded", rows_in=3, rows_loaded=2,
             rows_quarantined=1, failures=[[3, column, rule]])
    strata = study_rows([{}, {"stratum_kind": "severity", "stratum_value": "3", "n": "15", "responders": "9"},
                         {"stratum_kind": "severity", "stratum_value": "4", "n": "9", "responders": "7"}])
    case("study_strata_exceed_total.csv", csv_text(S_HEADER, strata), status="loaded", rows_in=3,
         rows_loaded=1, rows_quarantined=2,
         failures=[[2, "n", "strata_exceed_total"], [3, "n", "strata_exceed_total"]])
    case("study_missing_citation.csv",
         csv_text([h for h in S_HEADER if h != "citation"],
                  [[v for h, v in zip(S_HEADER, r, strict=True) if h != "citation"] for r in study_rows([{}])]),
         status="loaded", rows_in=1, rows_loaded=0, rows_quarantined=1,
         failures=[[1, "citation", "required_column"]])
    # --- risk of bias by domain ---------------------------------------------------------------
    def rob_rows(study: str, domains: list[str], tool: str = "rob2", judgement: str = "low") -> list[list[str]]:
        return [[study, tool, d, judgement, "synthetic support text", "Synthetic bad-corpus row",
                 "synthetic://bad", "synthetic"] for d in domains]
    case("rob_incomplete_domains.csv",
         csv_text(R_HEADER, rob_rows("GOOD", ROB2_DOMAINS) + rob_rows("PART", ROB2_DOMAINS[:3])),
         status="loaded", rows_in=8, rows_loaded=5, rows_quarantined=3,
         failures=[[6, "domain", "complete_domain_set"], [7, "domain", "complete_domain_set"],
                   [8, "domain", "complete_domain_set"]])
    case("rob_domain_of_other_tool.csv",
         csv_text(R_HEADER, rob_rows("MIX", [*ROB2_DOMAINS[:4], "confounding"])),
         status="loaded", rows_in=5, rows_loaded=0, rows_quarantined=5,
         failures=[[1, "domain", "complete_domain_set"], [2, "domain", "complete_domain_set"],
                   [3, "domain", "complete_domain_set"], [4, "domain", "complete_domain_set"],
                   [5, "domain", "domain_belongs_to_tool"]])
    case("rob_judgement_of_other_tool.csv",
         csv_text(R_HEADER, rob_rows("ODD", ROB2_DOMAINS, judgement="serious")),
         status="loaded", rows_in=5, rows_loaded=0, rows_quarantined=5,
         failures=[[i, "judgement", "judgement_belongs_to_tool"] for i in range(1, 6)])
    # --- Excel and Parquet --------------------------------------------------------------------
    frame = pd.DataFrame(patient_rows(), columns=P_HEADER)
    with pd.ExcelWriter(HERE / "excel_sheets_disagree.xlsx") as writer:
        frame.to_excel(writer, sheet_name="site A", index=False)
        frame.drop(columns=["pih"]).to_excel(writer, sheet_name="site B", index=False)
    CASES.append({"file": "excel_sheets_disagree.xlsx", "status": "unreadable",
                  "message": "have different columns"})
    with pd.ExcelWriter(HERE / "excel_two_sheets.xlsx") as writer:
        frame.to_excel(writer, sheet_name="site A", index=False)
        frame.assign(subject_id=["t01", "t02", "t03"]).to_excel(writer, sheet_name="site B", index=False)
    CASES.append({"file": "excel_two_sheets.xlsx", "status": "loaded", "rows_in": 6,
                  "rows_loaded": 6, "rows_quarantined": 0, "message": "rows from worksheets"})
    workbook = Workbook()  # a script's output: openpyxl stores formulas without their values
    sheet = workbook.active
    for row in [P_HEADER, *patient_rows()]:
        sheet.append(row)
    sheet.cell(row=3, column=P_HEADER.index("baseline_score") + 1, value="=20+10")
    workbook.save(HERE / "excel_formula_without_value.xlsx")
    CASES.append({"file": "excel_formula_without_value.xlsx", "status": "loaded", "rows_in": 3,
                  "rows_loaded": 2, "rows_quarantined": 1,
                  "failures": [[2, "baseline_score", "formula_without_value"]],
                  "message_in_quarantine": "formula =20+10"})
    frame.assign(baseline_grade=["3", "9", "3"]).to_parquet(HERE / "bad_grade.parquet", index=False)
    CASES.append({"file": "bad_grade.parquet", "status": "loaded", "rows_in": 3, "rows_loaded": 2,
                  "rows_quarantined": 1, "failures": [[2, "baseline_grade", "in_range(1, 4)"]]})
    # a Parquet file is screened by its checking pass too, its typed columns as text
    frame.assign(notes="reach me at jane@example.org").to_parquet(
        HERE / "identifier_email_in_notes.parquet", index=False
    )
    CASES.append({"file": "identifier_email_in_notes.parquet", "status": "loaded", "rows_in": 3,
                  "rows_loaded": 0, "rows_quarantined": 3,
                  "failures": [[1, "notes", "direct_identifier"]],
                  "message_in_quarantine": "e-mail", "redacted": "reach me at jane@example.org"})
    frame.assign(subject_id=[12345678, 12345679, 12345680]).to_parquet(
        HERE / "subject_id_record_number_typed.parquet", index=False
    )
    CASES.append({"file": "subject_id_record_number_typed.parquet", "status": "loaded",
                  "rows_in": 3, "rows_loaded": 0, "rows_quarantined": 3,
                  "failures": [[1, "subject_id", "direct_identifier"]],
                  "message_in_quarantine": "medical record number", "redacted": "12345679"})
    (HERE / "expected.json").write_text(json.dumps(CASES, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(CASES)} cases")


if __name__ == "__main__":
    main()
