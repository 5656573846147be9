-- materialized: view
-- Improvement by predominant scar type (icepick, boxcar, rolling, mixed) and intervention,
-- one row per scar_type x intervention, from patient-level data only (published summaries
-- do not report results by scar type). Each treated subject side counts once, at its final
-- visit. Descriptive, not pooled: sides of all studies together, normal-approximation 95% CI.
-- Synthetic studies are summarised apart (synthetic = true).
with sides as (
    select v.*, s.synthetic
    from int_patient_final_visits as v
    left join (select distinct study_id, synthetic from int_patient_arm_summaries) as s
        using (study_id)
),

grouped as (
    select
        scar_type,
        intervention,
        synthetic,
        count(distinct study_id) as k_studies,
        count(*) as n_sides,
        count(distinct study_id || '/' || subject_id) as n_patients,
        avg(grade_improvement) as grade_change_mean,
        stddev_samp(grade_improvement) as grade_change_sd,
        count(*) filter (where grade_improvement >= 1) / count(*) as responder_rate,
        count(score_improvement) as n_scored,
        avg(score_improvement) as score_change_mean,
        stddev_samp(score_improvement) as score_change_sd
    from sides
    group by all
),

final as (
    select
        scar_type,
        intervention,
        k_studies,
        n_sides,
        n_patients,
        grade_change_mean,
        grade_change_sd,
        grade_change_mean - 1.959963984540054 * grade_change_sd / sqrt(n_sides)
            as grade_change_ci_lb,
        grade_change_mean + 1.959963984540054 * grade_change_sd / sqrt(n_sides)
            as grade_change_ci_ub,
        responder_rate,
        n_scored,
        score_change_mean,
        score_change_sd,
        score_change_mean - 1.959963984540054 * score_change_sd / sqrt(n_scored)
            as score_change_ci_lb,
        score_change_mean + 1.959963984540054 * score_change_sd / sqrt(n_scored)
            as score_change_ci_ub,
        synthetic
    from grouped
    order by scar_type, intervention
)

select * from final
