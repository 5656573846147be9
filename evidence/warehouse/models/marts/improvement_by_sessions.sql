-- materialized: view
-- synthetic: synthetic studies are summarised apart, never with published or real data.
-- Improvement by number of treatment sessions: one row per sessions x intervention x
-- outcome_scale, over each study arm's whole sample (stratum 'all'). Patient-level arms count
-- by their patients' mean number of sessions, rounded. Descriptive: mean_change weights arms
-- by n; ivw_* is an inverse-variance (equal-effects) summary of the poolable arms. Sessions
-- are not randomised between studies, so read differences as associations.
with arms as (
    select * from int_arm_effects
    where stratum_kind = 'all' and sessions is not null
),

grouped as (
    select
        round(sessions)::integer as sessions,
        intervention,
        outcome_scale,
        synthetic,
        count(distinct study_id) as k_studies,
        count(*) as k_arms,
        sum(n_patients) as n_patients,
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
        sessions,
        intervention,
        outcome_scale,
        k_studies,
        k_arms,
        n_patients,
        mean_change,
        ivw_mean_change,
        ivw_se,
        ivw_mean_change - 1.959963984540054 * ivw_se as ivw_ci_lb,
        ivw_mean_change + 1.959963984540054 * ivw_se as ivw_ci_ub,
        study_ids,
        synthetic
    from grouped
    order by intervention, outcome_scale, sessions
)

select * from final
