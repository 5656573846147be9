-- materialized: table
-- incremental: study_id
-- Stage one of the two-stage analysis: per study x intervention x scale x stratum summaries
-- of patient-level final visits, with sufficient statistics (n, sum, sum of squares).
-- The cells of int_patient_cells (study x intervention x baseline grade x skin type x origin
-- x flagged) are added up into the strata ("all", by baseline grade, by skin type) as
-- grouping sets; the scales are filtered aggregates there (a scale counts a subject-side
-- only when both of its visits were scored). Sums are exact (DECIMAL, 9 places), so means
-- and SDs do not depend on DuckDB's thread scheduling.
-- n counts subject-sides; n_patients counts a split-face subject once when both sides are
-- in the same arm and stratum (the right side then duplicates its left partner).
-- *_unflagged: the same change statistics without the final visits that broke a warning
-- rule (row_flags), for the declared sensitivity analysis (fct_flag_sensitivity) only.
-- Protocol (mean sessions and needle depth of the arm's patients) and design come from the
-- final visits: an arm whose patients were treated on one side is split-face. Patient-level
-- files carry no risk-of-bias judgement, so risk_of_bias is null (the report says so).
-- synthetic: whether any of the study's rows is synthetic (the study is then pooled only
-- with synthetic studies).
-- synthetic: whether any of the study's rows is synthetic (the study is then pooled only
-- with synthetic studies).
-- $studies: the studies to compute (NULL: all).
with cells as (
    select *
    from int_patient_cells
    where $studies is null or list_contains($studies, study_id)
),

grouped as (
    select
        study_id,
        intervention,
        case
            when grouping(baseline_grade) = 0 then 'severity'
            when grouping(fitzpatrick_type) = 0 then 'skin_type'
            else 'all'
        end as stratum_kind,
        case
            when grouping(baseline_grade) = 0 then baseline_grade::varchar
            when grouping(fitzpatrick_type) = 0 then fitzpatrick_type
            else 'all'
        end as stratum_value,
        case when min(data_origin) = max(data_origin) then min(data_origin) else 'mixed' end
            as data_origin,
        sum(g_n)::bigint as g_n,
        case
            when grouping(baseline_grade) = 0 then sum(g_dup_grade)
            when grouping(fitzpatrick_type) = 0 then sum(g_dup_skin)
            else sum(g_dup_all)
        end::bigint as g_dup,
        sum(g_s0) as g_s0, sum(g_q0) as g_q0,
        sum(g_s1) as g_s1, sum(g_q1) as g_q1,
        sum(g_sd) as g_sd, sum(g_qd) as g_qd,
        max(g_weeks) as g_weeks,
        sum(g_resp)::bigint as g_resp,
        coalesce(sum(g_n) filter (where not is_flagged), 0)::bigint as g_un,
        sum(g_sd) filter (where not is_flagged) as g_usd,
        sum(g_qd) filter (where not is_flagged) as g_uqd,
        sum(s_n)::bigint as s_n,
        case
            when grouping(baseline_grade) = 0 then sum(s_dup_grade)
            when grouping(fitzpatrick_type) = 0 then sum(s_dup_skin)
            else sum(s_dup_all)
        end::bigint as s_dup,
        sum(s_s0) as s_s0, sum(s_q0) as s_q0,
        sum(s_s1) as s_s1, sum(s_q1) as s_q1,
        sum(s_sd) as s_sd, sum(s_qd) as s_qd,
        max(s_weeks) as s_weeks,
        sum(s_resp)::bigint as s_resp,
        coalesce(sum(s_n) filter (where not is_flagged), 0)::bigint as s_un,
        sum(s_sd) filter (where not is_flagged) as s_usd,
        sum(s_qd) filter (where not is_flagged) as s_uqd,
        sum(e_n)::bigint as e_n,
        case
            when grouping(baseline_grade) = 0 then sum(e_dup_grade)
            when grouping(fitzpatrick_type) = 0 then sum(e_dup_skin)
            else sum(e_dup_all)
        end::bigint as e_dup,
        sum(e_s0) as e_s0, sum(e_q0) as e_q0,
        sum(e_s1) as e_s1, sum(e_q1) as e_q1,
        sum(e_sd) as e_sd, sum(e_qd) as e_qd,
        max(e_weeks) as e_weeks,
        sum(e_resp)::bigint as e_resp,
        coalesce(sum(e_n) filter (where not is_flagged), 0)::bigint as e_un,
        sum(e_sd) filter (where not is_flagged) as e_usd,
        sum(e_qd) filter (where not is_flagged) as e_uqd
    from cells
    group by grouping sets (
        (study_id, intervention),
        (study_id, intervention, baseline_grade),
        (study_id, intervention, fitzpatrick_type)
    )
),

by_scale as (
    select
        study_id, intervention, stratum_kind, stratum_value, data_origin,
        'gb_qualitative' as outcome_scale, g_weeks as followup_weeks, g_n as n,
        -- the grade's sums are integers: as DECIMAL, the type of the scores' sums
        g_n - g_dup as n_patients, g_s0::decimal(38, 9) as s0, g_q0::decimal(38, 9) as q0,
        g_s1::decimal(38, 9) as s1, g_q1::decimal(38, 9) as q1, g_sd::decimal(38, 9) as sd,
        g_qd::decimal(38, 9) as qd, g_resp as responders, g_un as un,
        g_usd::decimal(38, 9) as usd, g_uqd::decimal(38, 9) as uqd
    from grouped
    union all
    select
        study_id, intervention, stratum_kind, stratum_value, data_origin,
        'gb_quantitative', s_weeks, s_n, s_n - s_dup, s_s0, s_q0, s_s1, s_q1, s_sd, s_qd, s_resp,
        s_un, s_usd, s_uqd
    from grouped
    where s_n > 0
    union all
    select
        study_id, intervention, stratum_kind, stratum_value, data_origin,
        'ecca', e_weeks, e_n, e_n - e_dup, e_s0, e_q0, e_s1, e_q1, e_sd, e_qd, e_resp,
        e_un, e_usd, e_uqd
    from grouped
    where e_n > 0
),

summaries as (
    select
        study_id,
        intervention,
        outcome_scale,
        stratum_kind,
        stratum_value,
        followup_weeks,
        n,
        n_patients,
        s0::double / n as baseline_mean,
        case when n > 1 then sqrt(greatest(0, (q0::double - s0::double * s0::double / n) / (n - 1))) end
            as baseline_sd,
        s1::double / n as followup_mean,
        case when n > 1 then sqrt(greatest(0, (q1::double - s1::double * s1::double / n) / (n - 1))) end
            as followup_sd,
        sd::double / n as change_mean,
        case when n > 1 then sqrt(greatest(0, (qd::double - sd::double * sd::double / n) / (n - 1))) end
            as change_sd,
        sd::double as sum_improvement,
        qd::double as sum_sq_improvement,
        responders,
        data_origin,
        un as n_unflagged,
        usd::double / nullif(un, 0) as change_mean_unflagged,
        case when un > 1 then sqrt(greatest(0, (uqd::double - usd::double * usd::double / un) / (un - 1))) end
            as change_sd_unflagged
    from by_scale
),

studies as (
    select study_id, bool_or(data_origin = 'synthetic') as synthetic
    from cells
    group by study_id
),

protocols as (
    select
        study_id,
        intervention,
        sum(sessions_sum)::double / sum(sessions_n) as sessions,
        sum(needle_sum)::double / sum(needle_n) as needle_depth_mm,
        case when bool_or(any_one_side) then 'split_face' end as design
    from cells
    group by study_id, intervention
),

final as (
    select
        s.*,
        st.synthetic,
        p.sessions,
        p.needle_depth_mm,
        p.design,
        null::varchar as risk_of_bias,
        null::varchar as risk_of_bias_reason
    from summaries as s
    left join protocols as p using (study_id, intervention)
    left join studies as st using (study_id)
)

select * from final
