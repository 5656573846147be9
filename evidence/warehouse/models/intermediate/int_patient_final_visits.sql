-- materialized: table
-- incremental: study_id
-- One row per subject x side: the last follow-up visit (the trial's final outcome).
-- (study_id, subject_id, side, followup_weeks) is unique (the contract's unique_key), so
-- the visit at the latest week is the one row; a hash semi-join finds it without sorting.
with outcomes as (
    select * from stg_patient_outcomes
),

last_week as (
    select study_id, subject_id, side, max(followup_weeks) as followup_weeks
    from outcomes
    group by study_id, subject_id, side
),

final as (
    select o.*
    from outcomes as o
    semi join last_week as l
        on o.study_id = l.study_id
        and o.subject_id = l.subject_id
        and o.side = l.side
        and o.followup_weeks = l.followup_weeks
)

select * from final
