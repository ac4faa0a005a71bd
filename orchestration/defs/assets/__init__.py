"""Dagster assets, one module per pipeline stage. Kept import-light on purpose:
`extract_worker` is imported by spawned worker processes and must not pull in dagster."""
