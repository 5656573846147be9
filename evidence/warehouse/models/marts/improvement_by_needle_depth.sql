-- materialized: view
-- synthetic: synthetic studies are summarised apart, never with published or real data.
-- Improvement by needle depth band: one row per band x intervention x outcome_scale, over
-- each study arm's whole sample (stratum 'all'). An arm falls in the band of its (mean)
-- needle depth; bands are [0, 0.5), [0.5, 1.0), [1.0, 1.5), [1.5, 2.0) and >= 2.0 mm.
-- Descriptive, as improvement_by_sessions: mean_change weights arms by n, ivw_* is an
-- inverse-variance (equal-effects) summary of the poolable arms.
with arms as (
    select
        *,
        case
            when needle_depth_mm < 0.5 then 0.0
            when needle_depth_mm < 1.0 then 0.5
            when needle_depth_mm < 1.5 then 1.0
            when needle_depth_mm < 2.0 then 1.5
            else 2.0
        end as needle_depth_mm_lb
    from int_arm_effects
    where stratum_kind = 'all' and needle_depth_mm is not null
),

grouped as (
    select
        needle_depth_mm_lb,
        intervention,
        outcome_scale,
        synthetic,
        count(distinct study_id) as k_studies,
        count(*) as k_arms,
        sum(n_patients) as n_patients,
        avg(needle_depth_mm) as needle_depth_mm_mean,
        sum(n * yi) filter (where yi is not null)
            / sum(n) filter (where yi is not null) as mean_change,
        sum(yi / vi) filter (where exclusion_reason is null)
            / sum(1 / vi) filter (where exclusion_reason is null) as ivw_mean_change,
        sqrt(1 / sum(1 / vi) filter (where exclusion_reason is null)) as ivw_se,
        string_agg(distinct study_id, ', ' order by study_id) as study_ids
    from arms
    group by all
),

final as (
    select
        case needle_depth_mm_lb
            when 2.0 then '>= 2.0 mm'
            else printf('%.1f-<%.1f mm', needle_depth_mm_lb, needle_depth_mm_lb + 0.5)
        end as needle_depth_band,
        needle_depth_mm_lb,
        case when needle_depth_mm_lb < 2.0 then needle_depth_mm_lb + 0.5 end
            as needle_depth_mm_ub,
        intervention,
        outcome_scale,
        k_studies,
        k_arms,
        n_patients,
        needle_depth_mm_mean,
        mean_change,
        ivw_mean_change,
        ivw_se,
        ivw_mean_change - 1.959963984540054 * ivw_se as ivw_ci_lb,
        ivw_mean_change + 1.959963984540054 * ivw_se as ivw_ci_ub,
        study_ids,
        synthetic
    from grouped
    order by intervention, outcome_scale, needle_depth_mm_lb
)

select * from final
