-- materialized: view
-- Head-to-head comparisons within studies: one row per treatment x comparator x outcome_scale.
-- Every pair of arms of the same study (stratum 'all') is a comparison; the comparator is
-- 'control' when one arm is, otherwise the alphabetically first intervention (so
-- microneedling_prp is compared with microneedling). Per study, the difference in mean
-- improvement is yi_treatment - yi_comparator with variance vi_treatment + vi_comparator
-- (conservative for split-face trials, whose sides are correlated); across studies, an
-- inverse-variance (equal-effects) mean difference. Positive = the treatment improved more.
with arms as (
    select * from int_arm_effects
    where stratum_kind = 'all' and exclusion_reason is null
),

pairs as (
    select
        t.intervention as treatment,
        c.intervention as comparator,
        t.outcome_scale,
        t.study_id,
        t.n_patients as n_treatment,
        c.n_patients as n_comparator,
        t.yi - c.yi as yi,
        t.vi + c.vi as vi
    from arms as t
    inner join arms as c
        on t.study_id = c.study_id
        and t.outcome_scale = c.outcome_scale
        and t.intervention <> c.intervention
    where c.intervention = 'control'
        or (t.intervention <> 'control' and c.intervention < t.intervention)
),

grouped as (
    select
        treatment,
        comparator,
        outcome_scale,
        count(*) as k_studies,
        sum(n_treatment) as n_treatment,
        sum(n_comparator) as n_comparator,
        sum(yi / vi) / sum(1 / vi) as mean_difference,
        sqrt(1 / sum(1 / vi)) as se,
        string_agg(study_id, ', ' order by study_id) as study_ids
    from pairs
    group by all
),

final as (
    select
        treatment,
        comparator,
        outcome_scale,
        k_studies,
        n_treatment,
        n_comparator,
        mean_difference,
        se,
        mean_difference - 1.959963984540054 * se as ci_lb,
        mean_difference + 1.959963984540054 * se as ci_ub,
        study_ids
    from grouped
    order by treatment, comparator, outcome_scale
)

select * from final
