-- Every warning of every loaded row: one row per row x rule. The row is in patient_outcomes
-- (is_flagged); a rule of severity warning flags a value to query with its source, it does
-- not refuse the row (scar-evidence run --strict makes warnings errors).
create table if not exists row_flags (
    source_file varchar not null,
    sha256 varchar not null,
    row_number bigint not null,          -- 1-based data row (header excluded)
    column_name varchar,
    value varchar,                       -- the flagged value, as stored
    rule varchar not null,
    message varchar not null,
    run_id varchar not null,
    flagged_at timestamp with time zone not null
);
