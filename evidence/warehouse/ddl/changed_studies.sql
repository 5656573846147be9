-- Studies whose patient rows changed since the models were last built (emptied by each build).
create table if not exists changed_studies (
    study_id varchar primary key         -- a study with patient rows loaded, replaced or removed
);
