-- materialized: view
-- Pooled proportion of responders (analyst contract): one row per intervention x baseline
-- Goodman-Baron grade (NULL = all grades) x responder definition x synthetic. Proportions
-- are pooled on the logit scale (metafor rma(measure = "PLO"), the run's estimator) and
-- back-transformed; only arms with the same responder definition are pooled together, each
-- at its last time point. The rows pooled are in responders_study.
with pooled as (
    select * from fct_responders_pooled
),

final as (
    select
        intervention,
        case when stratum_kind = 'severity' then stratum_value::integer end as baseline_grade,
        responder_definition,
        k_studies,
        n_patients,
        events,
        proportion,
        ci_lb,
        ci_ub,
        tau2,
        i2,
        i2_ci_lb,
        i2_ci_ub,
        pi_lb,
        pi_ub,
        method,
        synthetic
    from pooled
    order by synthetic, intervention, responder_definition, baseline_grade nulls first
)

select * from final
