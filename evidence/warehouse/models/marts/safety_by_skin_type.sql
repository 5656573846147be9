-- materialized: view
-- Adverse events by Fitzpatrick skin type and intervention, one row per treated subject side
-- (final visit), plus an 'all_active' row per skin type over every non-control arm.
-- pih_ci_lb/ub: Wilson score interval, 95%. Synthetic studies are counted apart
-- (synthetic = true), never with published or real patient-level data.
with sides as (
    select v.*, s.synthetic
    from int_patient_final_visits as v
    left join (select distinct study_id, synthetic from int_patient_arm_summaries) as s
        using (study_id)
),

by_arm as (
    select
        synthetic,
        fitzpatrick_type,
        intervention,
        count(*) as n_sides,
        count(distinct study_id || '/' || subject_id) as n_patients,
        avg(erythema_days) as erythema_days_mean,
        stddev_samp(erythema_days) as erythema_days_sd,
        count(*) filter (where pih) as pih_events,
        count(pih) as pih_n
    from sides
    group by all
    union all
    select
        synthetic,
        fitzpatrick_type,
        'all_active' as intervention,
        count(*),
        count(distinct study_id || '/' || subject_id),
        avg(erythema_days),
        stddev_samp(erythema_days),
        count(*) filter (where pih),
        count(pih)
    from sides
    where intervention <> 'control'
    group by all
),

final as (
    select
        *,
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
