-- materialized: view
-- One row per study x evidence source ('patient_level' rows or 'study_level' published
-- summaries): design, size, protocol, population, follow-up, risk of bias and citation.
-- is_pooled says whether the analysis uses this source (a study's patient-level data win
-- over its publication).
with published_rows as (
    select * from stg_study_arms
),

patient_studies as (
    select * from int_patient_studies  -- built per study (incremental)
),

published_studies as (
    select
        study_id,
        'study_level' as evidence_source,
        case when count(distinct data_origin) = 1 then any_value(data_origin) else 'mixed' end
            as data_origin,
        max(design) as design,
        max(country) as country,
        max(n) filter (where stratum_kind = 'all') as n_patients,
        max(n_enrolled) as n_enrolled,
        string_agg(distinct intervention, ', ' order by intervention) as interventions,
        string_agg(distinct device, ', ' order by device) as device,
        min(sessions)::double as sessions_min,
        max(sessions)::double as sessions_max,
        min(needle_depth_mm) as needle_depth_mm_min,
        max(needle_depth_mm) as needle_depth_mm_max,
        max(interval_weeks) as interval_weeks,
        max(followup_weeks) as followup_weeks_max,
        string_agg(distinct fitzpatrick_types, '; ' order by fitzpatrick_types)
            as fitzpatrick_types,
        null::varchar as scar_types,
        max(risk_of_bias) as risk_of_bias,
        max(risk_of_bias_reason) as risk_of_bias_reason,
        max(citation) as citation,
        max(source_url) as source_url
    from published_rows
    group by study_id
),

final as (
    select *, true as is_pooled from patient_studies
    union all by name
    select
        p.*,
        p.study_id not in (select study_id from patient_studies) as is_pooled
    from published_studies as p
    order by study_id, evidence_source
)

select * from final
