"""Great Expectations (GX Core 1.x) suites run as Dagster asset checks."""
