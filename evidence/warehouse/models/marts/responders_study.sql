-- materialized: view
-- The study rows behind each responders_pooled row (analyst contract): events of n at the
-- arm's last time point with that responder definition, the study's proportion with its
-- 95% CI (logit scale, back-transformed) and its weight in the pooled estimate (%).
with studies as (
    select * from fct_responders_study
),

final as (
    select
        intervention,
        case when stratum_kind = 'severity' then stratum_value::integer end as baseline_grade,
        responder_definition,
        study_id,
        events,
        n,
        proportion,
        ci_lb,
        ci_ub,
        weight_pct,
        followup_weeks,
        evidence_source,
        design,
        risk_of_bias,
        citation,
        source_url,
        synthetic
    from studies
    order by synthetic, intervention, responder_definition, baseline_grade nulls first, study_id
)

select * from final
