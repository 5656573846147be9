-- Which version of each table model the warehouse holds: a digest of its SQL and parameters.
create table if not exists model_state (
    model varchar primary key,           -- the model's name (its relation)
    digest varchar not null              -- sha256 of the model's SQL and bound parameters
);
