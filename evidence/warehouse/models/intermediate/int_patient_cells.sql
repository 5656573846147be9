-- materialized: table
-- incremental: study_id
-- chunks: 2_500_000 patient rows
-- The sufficient statistics of the patient-level final visits, one row per study x
-- intervention x baseline grade x Fitzpatrick type x data origin x flagged or not: the only
-- pass over the patient rows that the analyses make (the arm summaries and the safety model
-- add these cells up). Each subject-side's last visit is found by
-- arg_max of its row key and read by a semi-join on that one integer; the final visits are
-- summed as they are read, never written out. Sums are exact (grades and sessions as integers,
-- the other values as DECIMAL with 9 places), so adding cells up gives the same numbers as one
-- pass, whatever DuckDB's thread scheduling.
-- A scale counts a subject-side only when both of its visits were scored. The *_dup_*
-- counts are right sides whose left partner (same subject and intervention) falls in the
-- same cell's stratum: a split-face subject is one patient (n_patients); g_dup_skin_active
-- counts those whose left partner of the same skin type is in any active arm.
-- is_flagged: the final visit broke a warning rule (row_flags); the declared sensitivity
-- analysis leaves those cells out. $studies: the studies to compute (NULL: all); a build
-- computes the studies a group at a time, each of at most 2.5M rows (build.py), so that the
-- join of the last visits holds a bounded number of row keys.
with latest as (
    select arg_max(_row_key, followup_weeks) as row_key
    from patient_files.all_rows
    where $studies is null or list_contains($studies, study_id)
    group by study_id, subject_id, side
),

left_latest as (
    select arg_max(_row_key, followup_weeks) as row_key
    from patient_files.all_rows
    where side = 'left' and ($studies is null or list_contains($studies, study_id))
    group by study_id, subject_id
),

partners as (
    select
        study_id, subject_id, intervention, baseline_grade, fitzpatrick_type,
        baseline_score is not null and followup_score is not null as has_score,
        baseline_ecca is not null and followup_ecca is not null as has_ecca
    from patient_files.all_rows
    semi join left_latest on _row_key = left_latest.row_key
    where side = 'left' and ($studies is null or list_contains($studies, study_id))
),

visits as (
    select
        f.study_id,
        f.intervention,
        f.fitzpatrick_type,
        f.baseline_grade,
        f.followup_weeks,
        f.data_origin,
        f.is_flagged,
        f.pih,
        f.erythema_days::decimal(38, 9) as ery,
        f.sessions,
        f.needle_depth_mm::decimal(38, 9) as needle_depth_mm,
        f.side in ('left', 'right') as is_one_side,
        f.baseline_grade as g0,
        f.followup_grade as g1,
        f.baseline_grade - f.followup_grade as gd,
        f.baseline_score::decimal(38, 9) as s0,
        f.followup_score::decimal(38, 9) as s1,
        (f.baseline_score - f.followup_score)::decimal(38, 9) as sd,
        f.baseline_ecca::decimal(38, 9) as e0,
        f.followup_ecca::decimal(38, 9) as e1,
        (f.baseline_ecca - f.followup_ecca)::decimal(38, 9) as ed,
        f.baseline_score is not null and f.followup_score is not null as has_score,
        f.baseline_ecca is not null and f.followup_ecca is not null as has_ecca,
        f.baseline_grade - f.followup_grade >= 1 as is_responder,
        -- the left partner in the same arm (intervention)
        p.intervention is not distinct from f.intervention as has_partner,
        p.intervention is not distinct from f.intervention
            and p.baseline_grade is not distinct from f.baseline_grade as partner_same_grade,
        p.intervention is not distinct from f.intervention
            and p.fitzpatrick_type is not distinct from f.fitzpatrick_type as partner_same_skin,
        p.intervention is not distinct from f.intervention and p.has_score as partner_has_score,
        p.intervention is not distinct from f.intervention and p.has_ecca as partner_has_ecca,
        -- an active left partner of the same skin type, in any active arm (safety counts)
        p.intervention <> 'control' and f.intervention <> 'control'
            and p.fitzpatrick_type is not distinct from f.fitzpatrick_type
            as partner_active_same_skin
    from patient_files.all_rows as f
    semi join latest on f._row_key = latest.row_key
    left join partners as p
        on f.side = 'right'
        and p.study_id = f.study_id
        and p.subject_id = f.subject_id
    where $studies is null or list_contains($studies, f.study_id)
),

final as (
    select
        study_id,
        intervention,
        baseline_grade,
        fitzpatrick_type,
        data_origin,
        is_flagged,
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
        bool_or(is_one_side) as any_one_side,
        -- safety
        count(*) filter (where partner_active_same_skin) as g_dup_skin_active,
        count(pih) as pih_n,
        count(*) filter (where pih) as pih_events,
        count(ery) as ery_n, sum(ery) as ery_s, sum(ery * ery) as ery_q
    from visits
    group by study_id, intervention, baseline_grade, fitzpatrick_type, data_origin, is_flagged
)

select * from final
