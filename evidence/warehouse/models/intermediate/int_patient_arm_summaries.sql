-- materialized: table
-- incremental: study_id
-- Stage one of the two-stage analysis: per study x intervention x scale x stratum summaries
-- of patient-level final visits, with sufficient statistics (n, sum, sum of squares).
-- The final visits are read once and aggregated twice: first into cells (study x
-- intervention x baseline grade x skin type), then the cells into the strata ("all", by
-- baseline grade, by skin type) as grouping sets; the scales are filtered aggregates (a scale
-- counts a subject-side only when both of its visits were scored). Sums are exact (DECIMAL,
-- 9 places), so summing the cells' sums gives the same numbers as one pass, and means and
-- SDs do not depend on DuckDB's thread scheduling.
-- n counts subject-sides; n_patients counts a split-face subject once when both sides are
-- in the same arm and stratum (the right side then duplicates its left partner).
-- Protocol (mean sessions and needle depth of the arm's patients) and design come from the
-- final visits: an arm whose patients were treated on one side is split-face. Patient-level
-- files carry no risk-of-bias judgement, so risk_of_bias is null (the report says so).
-- synthetic: whether any of the study's rows is synthetic (the study is then pooled only
-- with synthetic studies).
-- $studies: the studies to compute (NULL: all).
with visits as (
    select
        f.study_id,
        f.subject_id,
        f.side,
        f.intervention,
        f.fitzpatrick_type,
        f.baseline_grade,
        f.followup_weeks,
        f.data_origin,
        f.sessions::decimal(38, 9) as sessions,
        f.needle_depth_mm::decimal(38, 9) as needle_depth_mm,
        f.side in ('left', 'right') as is_one_side,
        f.baseline_grade::decimal(38, 9) as g0,
        f.followup_grade::decimal(38, 9) as g1,
        f.grade_improvement::decimal(38, 9) as gd,
        f.baseline_score::decimal(38, 9) as s0,
        f.followup_score::decimal(38, 9) as s1,
        (f.baseline_score - f.followup_score)::decimal(38, 9) as sd,
        f.baseline_ecca::decimal(38, 9) as e0,
        f.followup_ecca::decimal(38, 9) as e1,
        (f.baseline_ecca - f.followup_ecca)::decimal(38, 9) as ed,
        f.baseline_score is not null and f.followup_score is not null as has_score,
        f.baseline_ecca is not null and f.followup_ecca is not null as has_ecca,
        f.grade_improvement >= 1 as is_responder,
        p.study_id is not null as has_partner,
        p.study_id is not null and p.baseline_grade is not distinct from f.baseline_grade
            as partner_same_grade,
        p.study_id is not null and p.fitzpatrick_type is not distinct from f.fitzpatrick_type
            as partner_same_skin,
        p.has_score as partner_has_score,
        p.has_ecca as partner_has_ecca
    from int_patient_final_visits as f
    left join (
        select
            study_id, subject_id, intervention, baseline_grade, fitzpatrick_type,
            baseline_score is not null and followup_score is not null as has_score,
            baseline_ecca is not null and followup_ecca is not null as has_ecca
        from int_patient_final_visits
        where side = 'left' and ($studies is null or list_contains($studies, study_id))
    ) as p
        on f.side = 'right'
        and p.study_id = f.study_id
        and p.subject_id = f.subject_id
        and p.intervention = f.intervention
    where $studies is null or list_contains($studies, f.study_id)
),

cells as (
    select
        study_id,
        intervention,
        baseline_grade,
        fitzpatrick_type,
        min(data_origin) as origin_min,
        max(data_origin) as origin_max,
        bool_or(data_origin = 'synthetic') as any_synthetic,
        -- Goodman-Baron grade: every final visit
        count(*) as g_n,
        count(*) filter (where has_partner) as g_dup_all,
        count(*) filter (where partner_same_grade) as g_dup_grade,
        count(*) filter (where partner_same_skin) as g_dup_skin,
        sum(g0) as g_s0, sum(g0 * g0) as g_q0,
        sum(g1) as g_s1, sum(g1 * g1) as g_q1,
        sum(gd) as g_sd, sum(gd * gd) as g_qd,
        max(followup_weeks) as g_weeks,
        count(*) filter (where is_responder) as g_resp,
        -- Goodman-Baron quantitative score: visits scored at both times
        count(*) filter (where has_score) as s_n,
        count(*) filter (where has_score and has_partner and partner_has_score) as s_dup_all,
        count(*) filter (where has_score and partner_same_grade and partner_has_score)
            as s_dup_grade,
        count(*) filter (where has_score and partner_same_skin and partner_has_score)
            as s_dup_skin,
        sum(s0) filter (where has_score) as s_s0, sum(s0 * s0) filter (where has_score) as s_q0,
        sum(s1) filter (where has_score) as s_s1, sum(s1 * s1) filter (where has_score) as s_q1,
        sum(sd) filter (where has_score) as s_sd, sum(sd * sd) filter (where has_score) as s_qd,
        max(followup_weeks) filter (where has_score) as s_weeks,
        count(*) filter (where has_score and is_responder) as s_resp,
        -- ECCA: visits scored at both times
        count(*) filter (where has_ecca) as e_n,
        count(*) filter (where has_ecca and has_partner and partner_has_ecca) as e_dup_all,
        count(*) filter (where has_ecca and partner_same_grade and partner_has_ecca)
            as e_dup_grade,
        count(*) filter (where has_ecca and partner_same_skin and partner_has_ecca)
            as e_dup_skin,
        sum(e0) filter (where has_ecca) as e_s0, sum(e0 * e0) filter (where has_ecca) as e_q0,
        sum(e1) filter (where has_ecca) as e_s1, sum(e1 * e1) filter (where has_ecca) as e_q1,
        sum(ed) filter (where has_ecca) as e_sd, sum(ed * ed) filter (where has_ecca) as e_qd,
        max(followup_weeks) filter (where has_ecca) as e_weeks,
        count(*) filter (where has_ecca and is_responder) as e_resp,
        -- protocol
        sum(sessions) as sessions_sum, count(sessions) as sessions_n,
        sum(needle_depth_mm) as needle_sum, count(needle_depth_mm) as needle_n,
        bool_or(is_one_side) as any_one_side
    from visits
    group by study_id, intervention, baseline_grade, fitzpatrick_type
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
        case when min(origin_min) = max(origin_max) then min(origin_min) else 'mixed' end
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
        sum(e_resp)::bigint as e_resp
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
        g_n - g_dup as n_patients, g_s0 as s0, g_q0 as q0, g_s1 as s1, g_q1 as q1,
        g_sd as sd, g_qd as qd, g_resp as responders
    from grouped
    union all
    select
        study_id, intervention, stratum_kind, stratum_value, data_origin,
        'gb_quantitative', s_weeks, s_n, s_n - s_dup, s_s0, s_q0, s_s1, s_q1, s_sd, s_qd, s_resp
    from grouped
    where s_n > 0
    union all
    select
        study_id, intervention, stratum_kind, stratum_value, data_origin,
        'ecca', e_weeks, e_n, e_n - e_dup, e_s0, e_q0, e_s1, e_q1, e_sd, e_qd, e_resp
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
        data_origin
    from by_scale
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

studies as (
    select study_id, bool_or(any_synthetic) as synthetic
    from cells
    group by study_id
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
