-- materialized: view
-- Adverse events by Fitzpatrick skin type and intervention, one row per treated subject side
-- (final visit), plus an 'all_active' row per skin type over every non-control arm; added up
-- from the cells of the final visits (int_patient_cells), so reading it costs no pass over
-- the patient rows. n_patients counts a split-face subject once when both sides are in the
-- row. pih_ci_lb/ub: Wilson score interval, 95%. Synthetic studies are counted apart
-- (synthetic = true), never with published or real patient-level data.
with cells as (
    select c.*, s.synthetic
    from int_patient_cells as c
    left join (select distinct study_id, synthetic from int_patient_arm_summaries) as s
        using (study_id)
),

by_arm as (
    select
        synthetic,
        fitzpatrick_type,
        intervention,
        sum(g_n)::bigint as n_sides,
        sum(g_n - g_dup_skin)::bigint as n_patients,
        sum(ery_n)::bigint as ery_n,
        sum(ery_s) as ery_s,
        sum(ery_q) as ery_q,
        sum(pih_events)::bigint as pih_events,
        sum(pih_n)::bigint as pih_n
    from cells
    group by all
    union all
    select
        synthetic,
        fitzpatrick_type,
        'all_active' as intervention,
        sum(g_n)::bigint,
        sum(g_n - g_dup_skin_active)::bigint,
        sum(ery_n)::bigint,
        sum(ery_s),
        sum(ery_q),
        sum(pih_events)::bigint,
        sum(pih_n)::bigint
    from cells
    where intervention <> 'control'
    group by all
),

final as (
    select
        synthetic,
        fitzpatrick_type,
        intervention,
        n_sides,
        n_patients,
        ery_s::double / nullif(ery_n, 0) as erythema_days_mean,
        case
            when ery_n > 1
                then sqrt(greatest(0, (ery_q::double - ery_s::double * ery_s::double / ery_n)
                    / (ery_n - 1)))
        end as erythema_days_sd,
        pih_events,
        pih_n,
        pih_events / nullif(pih_n, 0) as pih_rate,
        (pih_rate + 1.959963984540054 ^ 2 / (2 * pih_n)
            - 1.959963984540054 * sqrt(pih_rate * (1 - pih_rate) / pih_n
                + 1.959963984540054 ^ 2 / (4 * pih_n * pih_n)))
            / (1 + 1.959963984540054 ^ 2 / pih_n) as pih_ci_lb,
        (pih_rate + 1.959963984540054 ^ 2 / (2 * pih_n)
            + 1.959963984540054 * sqrt(pih_rate * (1 - pih_rate) / pih_n
                + 1.959963984540054 ^ 2 / (4 * pih_n * pih_n)))
            / (1 + 1.959963984540054 ^ 2 / pih_n) as pih_ci_ub
    from by_arm
)

select * from final
