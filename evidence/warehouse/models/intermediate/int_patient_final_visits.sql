-- materialized: table
-- One row per subject x side: the last follow-up visit (the trial's final outcome).
with outcomes as (
    select * from stg_patient_outcomes
),

final as (
    select *
    from outcomes
    qualify row_number() over (
        partition by study_id, subject_id, side
        order by followup_weeks desc
    ) = 1
)

select * from final
