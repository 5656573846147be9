-- materialized: view
-- One effect (yi = mean improvement, vi = its sampling variance, metafor's "MC") per
-- study arm x stratum x scale, from patient-level summaries and from published rows.
-- When a study has both, its patient-level data win (the publication would double-count).
-- Protocol (sessions, needle_depth_mm), design and risk_of_bias ride along for the
-- meta-regression and the certainty rating; a patient-level arm's change statistics without
-- its flagged final visits (*_unflagged) for the flag sensitivity analysis.
-- synthetic: the study has a synthetic row anywhere. Every pooled estimate combines only
-- synthetic or only non-synthetic studies (``synthetic`` is part of each pooled group's key).
with patient_arms as (
    select
        *,
        'patient_level' as evidence_source,
        false as is_change_sd_imputed,
        null::varchar as conversion,
        null::varchar as citation,
        null::varchar as source_url
    from int_patient_arm_summaries
),

published_arms as (
    select p.*, 'study_level' as evidence_source, p.data_origin = 'synthetic' as synthetic
    from int_study_arm_summaries as p
    anti join patient_arms as a
        using (study_id, intervention, outcome_scale, stratum_kind, stratum_value)
),

arms as (
    select
        study_id, intervention, outcome_scale, stratum_kind, stratum_value, followup_weeks,
        n, n_patients, baseline_mean, baseline_sd, followup_mean, followup_sd,
        change_mean, change_sd, is_change_sd_imputed, conversion, responders, data_origin,
        evidence_source, citation, source_url, sessions, needle_depth_mm, design,
        risk_of_bias, risk_of_bias_reason, synthetic, n_unflagged, change_mean_unflagged,
        change_sd_unflagged
    from patient_arms
    union all by name
    select
        study_id, intervention, outcome_scale, stratum_kind, stratum_value, followup_weeks,
        n, n_patients, baseline_mean, baseline_sd, followup_mean, followup_sd,
        change_mean, change_sd, is_change_sd_imputed, conversion, responders, data_origin,
        evidence_source, citation, source_url, sessions, needle_depth_mm, design,
        risk_of_bias, risk_of_bias_reason, synthetic, null::bigint as n_unflagged,
        null::double as change_mean_unflagged, null::double as change_sd_unflagged
    from published_arms
),

final as (
    select
        * replace (bool_or(synthetic) over (partition by study_id) as synthetic),
        change_mean as yi,
        change_sd * change_sd / n as vi,
        case
            when change_mean is null then 'no mean change reported'
            when change_sd is null then 'no SD of change available'
            when n < 2 then 'fewer than 2 patients'
            when change_sd = 0 then 'zero variance (every patient changed equally)'
        end as exclusion_reason
    from arms
)

select * from final
