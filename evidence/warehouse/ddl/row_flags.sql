-- Every warning of every loaded row: one row per row x rule. The row is in patient_outcomes
-- (is_flagged); a rule of severity warning flags a value to query with its source, it does
-- not refuse the row (scar-evidence run --strict makes warnings errors). A view over the
-- loaded files' rows, which keep the warning rules they broke: each load rebuilds it.
create view if not exists row_flags (
    source_file,
    sha256,
    row_number,                          -- 1-based data row (header excluded)
    column_name,
    value,                               -- the flagged value, as stored
    rule,
    message,
    run_id,
    flagged_at
) as
select null::varchar, null::varchar, null::bigint, null::varchar, null::varchar,
       null::varchar, null::varchar, null::varchar, null::timestamp with time zone
where false;
