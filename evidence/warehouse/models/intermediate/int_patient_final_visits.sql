-- materialized: view
-- One row per subject x side: the last follow-up visit (the trial's final outcome), with the
-- columns of stg_patient_outcomes. (study_id, subject_id, side, followup_weeks) is unique (the
-- contract's unique_key), so arg_max picks exactly one visit per subject x side; the visits
-- are then found by their row key, a hash semi-join on one integer rather than on the four
-- key columns. A view: the analyses read int_patient_cells, which finds the same visits in
-- the same pass that sums them, so the final visits are never written out.
with latest as (
    select arg_max(_row_key, followup_weeks) as row_key
    from patient_files.all_rows
    group by study_id, subject_id, side
),

final as (
    select
        o.* exclude (source_sha256, source_row, run_id, _row_key),
        o.baseline_grade - o.followup_grade as grade_improvement,
        o.baseline_score - o.followup_score as score_improvement
    from patient_files.all_rows as o
    semi join latest on o._row_key = latest.row_key
)

select * from final
