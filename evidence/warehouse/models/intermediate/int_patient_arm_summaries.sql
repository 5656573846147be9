-- materialized: table
-- Stage one of the two-stage analysis: per study x intervention x scale x stratum summaries
-- of patient-level data, with sufficient statistics (n, sum, sum of squares) for merging.
-- Protocol (mean sessions and needle depth of the arm's patients) and design come from the
-- final visits: an arm whose patients were treated on one side is split-face. Patient-level
-- files carry no risk-of-bias judgement, so risk_of_bias is null (the report says so).
-- Aggregates run in a fixed row order so that their floating-point sums (and every number
-- pooled from them) are identical from run to run, whatever DuckDB's thread scheduling.
with changes as (
    select *, baseline_value - followup_value as improvement from int_patient_changes__stratified
),

protocols as (
    select
        study_id,
        intervention,
        avg(sessions) as sessions,
        avg(needle_depth_mm) as needle_depth_mm,
        case when bool_or(side in ('left', 'right')) then 'split_face' end as design
    from int_patient_final_visits
    group by study_id, intervention
),

summaries as (
    select
        study_id,
        intervention,
        outcome_scale,
        stratum_kind,
        stratum_value,
        max(followup_weeks) as followup_weeks,
        count(*) as n,
        count(distinct subject_id) as n_patients,
        avg(baseline_value order by subject_id, side) as baseline_mean,
        stddev_samp(baseline_value order by subject_id, side) as baseline_sd,
        avg(followup_value order by subject_id, side) as followup_mean,
        stddev_samp(followup_value order by subject_id, side) as followup_sd,
        avg(improvement order by subject_id, side) as change_mean,
        stddev_samp(improvement order by subject_id, side) as change_sd,
        sum(improvement order by subject_id, side) as sum_improvement,
        sum(improvement * improvement order by subject_id, side) as sum_sq_improvement,
        count(*) filter (where is_responder) as responders,
        case when count(distinct data_origin) = 1 then any_value(data_origin) else 'mixed' end
            as data_origin
    from changes
    group by study_id, intervention, outcome_scale, stratum_kind, stratum_value
),

final as (
    select
        s.*,
        p.sessions,
        p.needle_depth_mm,
        p.design,
        null::varchar as risk_of_bias,
        null::varchar as risk_of_bias_reason
    from summaries as s
    left join protocols as p using (study_id, intervention)
)

select * from final
