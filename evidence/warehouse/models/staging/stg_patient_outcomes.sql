-- materialized: view
-- Patient-level rows as loaded, with improvement on each scale (baseline minus follow-up).
with source as (
    select * from patient_outcomes
),

final as (
    select
        study_id,
        subject_id,
        side,
        intervention,
        fitzpatrick_type,
        scar_type,
        sessions,
        needle_depth_mm,
        followup_weeks,
        baseline_grade,
        followup_grade,
        baseline_grade - followup_grade as grade_improvement,
        baseline_score,
        followup_score,
        baseline_score - followup_score as score_improvement,
        baseline_ecca,
        followup_ecca,
        age_years,
        erythema_days,
        pih,
        data_origin,
        source_file
    from source
)

select * from final
