-- materialized: table
-- Published rows at each study arm's last reported time point, with the improvement and its
-- SD; where a paper gives only baseline and follow-up SDs, the change SD assumes the pre/post
-- correlation $rho (Cochrane Handbook 6.5.2.8) and the row says so. Medians, SEs and CIs were
-- converted to means and SDs beforehand (int_study_arm_conversions, written in Python).
-- Protocol (sessions, needle depth) is often reported once per arm and design and risk of
-- bias once per study: each is filled from any row of the same arm or study.
with reported as (
    select
        * replace (
            coalesce(sessions, max(sessions) over arm) as sessions,
            coalesce(needle_depth_mm, max(needle_depth_mm) over arm) as needle_depth_mm,
            coalesce(design, max(design) over study) as design,
            coalesce(risk_of_bias, max(risk_of_bias) over study) as risk_of_bias,
            coalesce(risk_of_bias_reason, max(risk_of_bias_reason) over study)
                as risk_of_bias_reason
        )
    from stg_study_arms
    window arm as (partition by study_id, intervention), study as (partition by study_id)
),

conversions as (
    select * from int_study_arm_conversions
),

arms as (
    select
        r.* replace (
            coalesce(r.baseline_mean, c.baseline_mean) as baseline_mean,
            coalesce(r.baseline_sd, c.baseline_sd) as baseline_sd,
            coalesce(r.followup_mean, c.followup_mean) as followup_mean,
            coalesce(r.followup_sd, c.followup_sd) as followup_sd,
            coalesce(r.change_mean, c.change_mean) as change_mean,
            coalesce(r.change_sd, c.change_sd) as change_sd
        ),
        c.conversion
    from reported as r
    left join conversions as c
        using (study_id, intervention, stratum_kind, stratum_value, outcome_scale, followup_weeks)
),

last_time_point as (
    select *
    from arms
    qualify row_number() over (
        partition by study_id, intervention, stratum_kind, stratum_value, outcome_scale
        order by followup_weeks desc
    ) = 1
),

final as (
    select
        study_id,
        intervention,
        outcome_scale,
        stratum_kind,
        stratum_value,
        followup_weeks,
        n,
        n as n_patients,
        baseline_mean,
        baseline_sd,
        followup_mean,
        followup_sd,
        coalesce(change_mean, baseline_mean - followup_mean) as change_mean,
        coalesce(
            change_sd,
            sqrt(
                baseline_sd * baseline_sd + followup_sd * followup_sd
                - 2 * $rho * baseline_sd * followup_sd
            )
        ) as change_sd,
        change_sd is null and baseline_sd is not null and followup_sd is not null
            as is_change_sd_imputed,
        conversion,
        responders,
        data_origin,
        citation,
        source_url,
        sessions,
        needle_depth_mm,
        design,
        risk_of_bias,
        risk_of_bias_reason
    from last_time_point
)

select * from final
