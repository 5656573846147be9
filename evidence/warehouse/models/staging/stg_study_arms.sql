-- materialized: view
-- Published study-level rows as loaded: every contract column, plus the source file and row.
with source as (
    select * from study_arms
),

final as (
    select * exclude (source_sha256, run_id)
    from source
)

select * from final
