-- materialized: view
-- Published study-level rows as loaded.
with source as (
    select * from study_arms
),

final as (
    select
        study_id,
        intervention,
        stratum_kind,
        stratum_value,
        outcome_scale,
        followup_weeks,
        n,
        baseline_mean,
        baseline_sd,
        followup_mean,
        followup_sd,
        change_mean,
        change_sd,
        responders,
        data_origin,
        citation,
        source_url,
        design,
        locator,
        source_file
    from source
)

select * from final
