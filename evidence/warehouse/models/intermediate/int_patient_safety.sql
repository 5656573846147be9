-- materialized: table
-- incremental: study_id
-- Safety of the active (non-control) arms from patient-level final visits, one row per
-- study x Fitzpatrick type x data origin: the final visits (sides), those with PIH recorded
-- and with PIH, and the erythema days (mean, SD, sum, sum of squares and how many sides
-- reported them), added up from int_patient_cells. fct_safety_* pool these rows
-- (evidence.warehouse.analyses.safety); per study, so a load recomputes only its studies.
-- $studies: the studies to compute (NULL: all).
with cells as (
    select *
    from int_patient_cells
    where intervention <> 'control' and ($studies is null or list_contains($studies, study_id))
),

sums as (
    select
        study_id,
        fitzpatrick_type,
        data_origin,
        sum(g_n)::bigint as n_sides,
        sum(pih_n)::bigint as pih_n,
        sum(pih_events)::bigint as pih_events,
        sum(ery_n)::bigint as erythema_n,
        sum(ery_s) as ery_s,
        sum(ery_q) as ery_q
    from cells
    group by study_id, fitzpatrick_type, data_origin
),

final as (
    select
        study_id,
        fitzpatrick_type,
        data_origin,
        n_sides,
        pih_n,
        pih_events,
        ery_s::double / nullif(erythema_n, 0) as erythema_days_mean,
        case
            when erythema_n > 1
                then sqrt(greatest(0, (ery_q::double - ery_s::double * ery_s::double / erythema_n)
                    / (erythema_n - 1)))
        end as erythema_days_sd,
        erythema_n,
        ery_s::double as erythema_days_sum,
        ery_q::double as erythema_days_sum_sq
    from sums
)

select * from final
