-- materialized: view
-- Controlled comparisons within studies (analyst contract): one row per treatment x
-- comparator x outcome_scale x synthetic. Every add-on against microneedling alone, and
-- microneedling (and fractional RF microneedling) against laser and control, wherever one
-- study has both arms. Per study, the difference in mean improvement yi_treatment -
-- yi_comparator with variance vi_treatment + vi_comparator (conservative for split-face
-- trials, whose sides are correlated); across studies, a random-effects mean difference
-- (fct_comparisons, the run's estimator). Positive = the treatment improved more.
with pooled as (
    select * from fct_comparisons
),

studies as (
    select comparison, outcome_scale, synthetic,
           string_agg(study_id, ', ' order by study_id) as study_ids
    from fct_comparison_studies
    where weight_pct is not null
    group by all
),

final as (
    select
        p.intervention as treatment,
        p.comparator,
        p.outcome_scale,
        p.k_studies,
        p.n_patients,
        p.md as mean_difference,
        p.se,
        p.ci_lb,
        p.ci_ub,
        p.pval,
        p.tau2,
        p.i2,
        p.pi_lb,
        p.pi_ub,
        p.method,
        s.study_ids,
        p.synthetic
    from pooled as p
    left join studies as s using (comparison, outcome_scale, synthetic)
    order by p.synthetic, p.intervention, p.comparator, p.outcome_scale
)

select * from final
