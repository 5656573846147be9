-- One row per version of a landing file that a run looked at.
create table if not exists ingest_log (
    source_file varchar not null,        -- path relative to the landing folder
    sha256 varchar not null,             -- content hash: the file's version
    layout varchar,                      -- patient | study | null when unreadable
    data_origin varchar,                 -- synthetic | literature | trial | mixed
    status varchar not null,             -- loaded | superseded | duplicate_content | unreadable
    rows_in bigint not null,             -- data rows read (header excluded)
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    file_bytes bigint,
    unknown_columns varchar,             -- columns not in the contract (ignored), comma-separated
    message varchar,
    run_id varchar not null,
    loaded_at timestamp with time zone not null,
    manifest varchar,                    -- what the file's manifest declares, JSON (e.g. study pseudonyms)
    rows_flagged bigint,                 -- rows loaded with a warning (listed in row_flags)
    primary key (source_file, sha256)
);
alter table ingest_log add column if not exists manifest varchar;
alter table ingest_log add column if not exists rows_flagged bigint;
