-- Every failure of every refused input row: one row per row x column x rule.
create table if not exists quarantine (
    source_file varchar not null,
    sha256 varchar not null,
    row_number bigint,                   -- 1-based data row (header excluded); null = whole file
    column_name varchar,
    value varchar,                       -- the value as it was in the file
    rule varchar not null,
    message varchar not null,
    original_row varchar,                -- the whole row as received, JSON
    run_id varchar not null,
    quarantined_at timestamp with time zone not null
);
