"""Where the extractor (Python) and the dbt models apply the same rule, they agree.

Most such rules are written once, as data both read (seed-paths, countries.csv, acled_admin1.csv,
the gazetteers and armed_actor_types vars). Alias splitting is the one implemented on both
sides (Python's lexicon and dbt's split_aliases macro): this test runs the macro in DuckDB on the
same awkward values and compares.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import duckdb
import pytest
from test_dbt_layout import _compile_inline  # the same `dbt compile --inline` the layout tests use

from orchestration import config
from orchestration.arabic_nlp.lexicon import ARMED_ACTOR_TYPES, GAZETTEERS, _split_aliases, in_scope_countries

pytestmark = pytest.mark.integration

DBT_BIN = Path(sys.executable).with_name("dbt")
ALIAS_VALUES = ["كركوك| محافظة كركوك |", "", "|", "  ", "الموصل", "a||b", " تل أبيض |تل ابيض", None]


def test_alias_splitting_is_the_same_in_python_and_in_dbt(tmp_path):
    values = ", ".join("(NULL)" if v is None else "('" + v.replace("'", "''") + "')" for v in ALIAS_VALUES)
    sql = _compile_inline(tmp_path, f"select v, {{{{ split_aliases('v') }}}} as aliases from (values {values}) t(v)")
    rows = duckdb.connect().execute(sql).fetchall()
    assert len(rows) == len(ALIAS_VALUES)
    for value, aliases in rows:
        assert list(aliases) == _split_aliases(value), value


def test_the_shared_lists_are_the_ones_dbt_reads():
    seeds = config.DBT_SEEDS_DIR

    def rows(name):
        with open(seeds / name, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    assert in_scope_countries(seeds) == {r["country"] for r in rows("countries.csv")}
    admin1 = rows("acled_admin1.csv")
    assert {r["country"] for r in admin1} == in_scope_countries(seeds)
    assert [g["seed"] for g in GAZETTEERS] == ["places", "places_geonames"]  # curated first: it wins
    assert set(config.dbt_var("armed_actor_types")) == ARMED_ACTOR_TYPES
    assert json.dumps(config.dbt_var("gazetteers")) == json.dumps(list(GAZETTEERS))
