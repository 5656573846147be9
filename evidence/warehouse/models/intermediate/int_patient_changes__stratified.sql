-- materialized: table
-- Final-visit changes in long form: one row per subject x side x outcome scale x stratum.
-- Every row appears once in the "all" stratum, once by baseline grade, once by skin type.
with final_visits as (
    select * from int_patient_final_visits
),

by_scale as (
    select
        study_id, subject_id, side, intervention, fitzpatrick_type, baseline_grade,
        followup_weeks, data_origin,
        'gb_qualitative' as outcome_scale,
        baseline_grade::double as baseline_value,
        followup_grade::double as followup_value,
        grade_improvement >= 1 as is_responder
    from final_visits
    union all
    select
        study_id, subject_id, side, intervention, fitzpatrick_type, baseline_grade,
        followup_weeks, data_origin,
        'gb_quantitative' as outcome_scale,
        baseline_score as baseline_value,
        followup_score as followup_value,
        grade_improvement >= 1 as is_responder
    from final_visits
    where baseline_score is not null and followup_score is not null
    union all
    select
        study_id, subject_id, side, intervention, fitzpatrick_type, baseline_grade,
        followup_weeks, data_origin,
        'ecca' as outcome_scale,
        baseline_ecca as baseline_value,
        followup_ecca as followup_value,
        grade_improvement >= 1 as is_responder
    from final_visits
    where baseline_ecca is not null and followup_ecca is not null
),

final as (
    select *, 'all' as stratum_kind, 'all' as stratum_value from by_scale
    union all
    select *, 'severity' as stratum_kind, baseline_grade::varchar as stratum_value from by_scale
    union all
    select *, 'skin_type' as stratum_kind, fitzpatrick_type as stratum_value from by_scale
)

select * from final
