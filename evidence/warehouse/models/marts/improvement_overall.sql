-- materialized: view
-- Pooled improvement over all patients of each arm (no stratification).
with pooled as (
    select * from fct_pooled_improvement where stratum_kind = 'all'
),

final as (
    select
        intervention,
        outcome_scale,
        k_studies,
        n_patients,
        mean_change,
        se,
        ci_lb,
        ci_ub,
        tau2,
        i2,
        i2_ci_lb,
        i2_ci_ub,
        pi_lb,
        pi_ub,
        responder_rate,
        method,
        data_origins,
        synthetic
    from pooled
)

select * from final
