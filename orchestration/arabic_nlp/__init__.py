"""Arabic language tools for conflict-event extraction.

Pure Python: nothing here imports Dagster or DuckDB, so every module can be unit-tested and
reused on its own (normalisation, numbers, dates, sentence splitting, lexicon matching and the
incident extractor built on them).
"""
