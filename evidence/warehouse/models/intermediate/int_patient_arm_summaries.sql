-- materialized: table
-- Stage one of the two-stage analysis: per study x intervention x scale x stratum summaries
-- of patient-level data, with sufficient statistics (n, sum, sum of squares) for merging.
with changes as (
    select *, baseline_value - followup_value as improvement from int_patient_changes__stratified
),

final as (
    select
        study_id,
        intervention,
        outcome_scale,
        stratum_kind,
        stratum_value,
        max(followup_weeks) as followup_weeks,
        count(*) as n,
        count(distinct subject_id) as n_patients,
        avg(baseline_value) as baseline_mean,
        stddev_samp(baseline_value) as baseline_sd,
        avg(followup_value) as followup_mean,
        stddev_samp(followup_value) as followup_sd,
        avg(improvement) as change_mean,
        stddev_samp(improvement) as change_sd,
        sum(improvement) as sum_improvement,
        sum(improvement * improvement) as sum_sq_improvement,
        count(*) filter (where is_responder) as responders,
        case when count(distinct data_origin) = 1 then any_value(data_origin) else 'mixed' end
            as data_origin
    from changes
    group by study_id, intervention, outcome_scale, stratum_kind, stratum_value
)

select * from final
