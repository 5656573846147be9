-- materialized: table
-- incremental: study_id
-- Safety of the active (non-control) arms from patient-level final visits, one row per
-- study x Fitzpatrick type x data origin: sides with PIH recorded and with PIH, and the
-- erythema days (mean, SD and how many sides reported them). fct_safety_* pool these rows
-- (evidence.warehouse.analyses.safety); per study, so a load recomputes only its studies.
-- $studies: the studies to compute (NULL: all).
select
    study_id,
    fitzpatrick_type,
    data_origin,
    count(pih) as pih_n,
    count(*) filter (where pih) as pih_events,
    avg(erythema_days) as erythema_days_mean,
    stddev_samp(erythema_days) as erythema_days_sd,
    count(erythema_days) as erythema_n
from int_patient_final_visits
where intervention <> 'control' and ($studies is null or list_contains($studies, study_id))
group by study_id, fitzpatrick_type, data_origin
