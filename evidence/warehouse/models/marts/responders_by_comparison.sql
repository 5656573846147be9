-- materialized: view
-- Within-study odds ratios of responding (analyst contract): one row per treatment x
-- comparator x responder definition x synthetic, for every add-on against microneedling
-- alone and microneedling against laser or control where one study reports both arms'
-- responders with the same definition. Log odds ratios pooled with the run's estimator
-- (metafor rma(measure = "OR")); or > 1 favours the treatment. ci_lb/ci_ub and pi_lb/pi_ub
-- are on the odds-ratio scale. Per-study rows: fct_responder_comparison_studies.
with pooled as (
    select * from fct_responder_comparisons
),

final as (
    select
        intervention,
        comparator,
        responder_definition,
        k_studies,
        n_patients,
        events_treatment,
        n_treatment,
        events_comparator,
        n_comparator,
        log_or,
        se as log_or_se,
        "or",
        ci_lb,
        ci_ub,
        pval,
        tau2,
        i2,
        i2_ci_lb,
        i2_ci_ub,
        pi_lb,
        pi_ub,
        method,
        synthetic
    from pooled
    order by synthetic, intervention, comparator, responder_definition
)

select * from final
