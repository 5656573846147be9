-- materialized: view
-- Responders per study arm x stratum (all, or by baseline Goodman-Baron grade) x responder
-- definition x time point: events of n, from published rows and from patient-level data
-- (a subject-side whose grade improved by >= 1 is a gb_grade_ge1 responder). When a study
-- has patient-level data, they win over its published rows, as in int_arm_effects.
-- Published rows that report the same responders on two scales count once (the first scale
-- by name). Design and risk of bias are the study's (any row of it); synthetic marks a study
-- with a synthetic row anywhere, which is analysed apart from every other study.
with patient_arms as (
    select
        study_id,
        intervention,
        stratum_kind,
        stratum_value,
        'gb_grade_ge1' as responder_definition,
        followup_weeks,
        responders as events,
        n,
        'patient_level' as evidence_source,
        data_origin,
        synthetic,
        design,
        null::varchar as risk_of_bias,
        null::varchar as citation,
        null::varchar as source_url
    from int_patient_arm_summaries
    where outcome_scale = 'gb_qualitative'
        and stratum_kind in ('all', 'severity')
        and responders is not null
),

published as (
    select
        *,
        coalesce(design, max(design) over study) as study_design,
        coalesce(risk_of_bias, max(risk_of_bias) over study) as study_risk_of_bias
    from stg_study_arms
    window study as (partition by study_id)
),

published_arms as (
    select
        study_id,
        intervention,
        stratum_kind,
        stratum_value,
        responder_definition,
        followup_weeks,
        responders as events,
        n,
        'study_level' as evidence_source,
        data_origin,
        data_origin = 'synthetic' as synthetic,
        study_design as design,
        study_risk_of_bias as risk_of_bias,
        citation,
        source_url
    from published
    where responders is not null
        and stratum_kind in ('all', 'severity')
        and study_id not in (select study_id from patient_arms)
    qualify row_number() over (
        partition by study_id, intervention, stratum_kind, stratum_value,
            responder_definition, followup_weeks
        order by outcome_scale
    ) = 1
),

arms as (
    select * from patient_arms
    union all by name
    select * from published_arms
),

final as (
    select * replace (bool_or(synthetic) over (partition by study_id) as synthetic)
    from arms
)

select * from final
