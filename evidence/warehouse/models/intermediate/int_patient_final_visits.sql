-- materialized: table
-- incremental: study_id
-- One row per subject x side: the last follow-up visit (the trial's final outcome), with the
-- columns of stg_patient_outcomes. (study_id, subject_id, side, followup_weeks) is unique (the
-- contract's unique_key), so arg_max picks exactly one visit per subject x side; the visits
-- are then found by their row id, a hash semi-join on one integer rather than on the four
-- key columns (a third of the time at 10M rows). $studies: the studies to compute (NULL: all).
with latest as (
    select arg_max(rowid, followup_weeks) as row_id
    from patient_outcomes
    where $studies is null or list_contains($studies, study_id)
    group by study_id, subject_id, side
),

final as (
    select
        o.* exclude (source_sha256, source_row, run_id),
        o.baseline_grade - o.followup_grade as grade_improvement,
        o.baseline_score - o.followup_score as score_improvement
    from patient_outcomes as o
    semi join latest on o.rowid = latest.row_id
    where $studies is null or list_contains($studies, o.study_id)
)

select * from final
