-- materialized: table
-- incremental: study_id
-- chunks: 2_500_000 patient rows
-- One row per patient-level study: its design, size, protocol and population as the rows
-- that loaded give them (study_characteristics shows them beside the published studies).
-- Built as the models are, a group of studies at a time, and per study, so that a load
-- recomputes only its studies and no query of the report counts distinct subjects over every
-- patient row (at 10M rows that took 1.5 s and ~170 MB per query). $studies: the studies to
-- compute (NULL: all).
select
    study_id,
    'patient_level' as evidence_source,
    case when count(distinct data_origin) = 1 then any_value(data_origin) else 'mixed' end
        as data_origin,
    case when bool_or(side in ('left', 'right')) then 'split_face' end as design,
    null::varchar as country,
    count(distinct subject_id) as n_patients,
    null::bigint as n_enrolled,
    string_agg(distinct intervention, ', ' order by intervention) as interventions,
    null::varchar as device,
    min(sessions)::double as sessions_min,
    max(sessions)::double as sessions_max,
    min(needle_depth_mm) as needle_depth_mm_min,
    max(needle_depth_mm) as needle_depth_mm_max,
    null::double as interval_weeks,
    max(followup_weeks) as followup_weeks_max,
    string_agg(distinct fitzpatrick_type, ', ' order by fitzpatrick_type)
        as fitzpatrick_types,
    string_agg(distinct scar_type, ', ' order by scar_type) as scar_types,
    null::varchar as risk_of_bias,
    null::varchar as risk_of_bias_reason,
    null::varchar as citation,
    null::varchar as source_url
from stg_patient_outcomes
where $studies is null or list_contains($studies, study_id)
group by study_id
