"""Benchmarks: seeded SYNTHETIC data, a plain-DuckDB baseline and the pipeline, same run."""
