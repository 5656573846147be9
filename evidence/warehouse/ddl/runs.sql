-- One row per pipeline run that published the warehouse.
create table if not exists runs (
    run_id varchar primary key,
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone,
    landing_dir varchar,
    files_seen bigint,
    files_loaded bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    method varchar,
    test varchar,
    rho double,
    prefect_flow_run_id varchar,
    versions varchar                     -- JSON: package -> version
);
