-- One row per loaded patient-level file x study: how many of the file's loaded rows are the
-- study's, and what they are. Written by the load (a file's earlier version goes with it):
-- the models size their chunks with it, the report lists each study's files from it.
create table if not exists patient_file_studies (
    source_file varchar not null,        -- path relative to the landing folder
    sha256 varchar not null,             -- content hash: the file's version
    study_id varchar not null,
    rows_loaded bigint not null,         -- the study's rows loaded from this file
    data_origin varchar,                 -- synthetic | literature | trial | mixed
    is_split_face boolean not null       -- some row treats one side (left or right)
);
