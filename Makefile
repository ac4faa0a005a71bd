# Offline Arabic conflict-event pipeline. `make run` builds everything from the bundled inbox.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DAGSTER_HOME_DIR := $(CURDIR)/.dagster_home
# Absolute paths: dbt records the project root it was parsed with, and Dagster runs dbt from inside it.
DBT_FLAGS := --project-dir $(CURDIR)/dbt_project --profiles-dir $(CURDIR)/dbt_project

# No usage pings from dbt / GX / Dagster (the machines have no network besides package registries).
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False

.PHONY: venv vendor sql-venv parse dagster-home run dev test test-unit lint format score clean sql demo-collect docs

venv: $(STAMP)

# Re-installs only when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The web libraries the GX Data Docs load (Bootstrap, jQuery, bootstrap-table, Font Awesome, Vega...),
# fetched once with `npm pack` at the versions and sha512 pinned in orchestration/quality/web_vendor.json
# and extracted into vendor/web/ (gitignored); every Data Docs build copies them into the site and
# points the pages at them, so the site renders with no network. Checks every package's marker each
# time (a tenth of a second) and fetches only what is missing or whose pin changed.
vendor: venv
	@$(BIN)/python -m orchestration.cli.vendor_web

# The SQL console (`make sql`): harlequin in its own venv (requirements-sql.txt).
SQL_VENV := .venv-sql
SQL_STAMP := $(SQL_VENV)/.installed-stamp
ANALYST_DB := $(or $(ANALYST_DB_PATH),data/analyst.duckdb)

sql-venv: $(SQL_STAMP)

$(SQL_STAMP): requirements-sql.txt
	test -x $(SQL_VENV)/bin/python || $(PYTHON) -m venv $(SQL_VENV)
	$(SQL_VENV)/bin/pip install -q -r requirements-sql.txt
	touch $(SQL_STAMP)

# Opens the analyst copy read-only in harlequin: write a query, Ctrl+J runs it (F1: help,
# Ctrl+Q: quit). The pipeline can publish meanwhile: the console keeps the copy it opened.
sql: sql-venv
	@test -f "$(ANALYST_DB)" || { echo "no analyst copy at $(ANALYST_DB): run 'make run' first"; exit 1; }
	$(SQL_VENV)/bin/harlequin --read-only "$(ANALYST_DB)"

# dbt manifest for @dbt_assets (dbt_project/target/manifest.json).
parse: venv
	$(BIN)/dbt parse $(DBT_FLAGS) --quiet

dagster-home:
	mkdir -p $(DAGSTER_HOME_DIR)
	cp orchestration/dagster_home/dagster.yaml $(DAGSTER_HOME_DIR)/dagster.yaml

run: venv vendor parse dagster-home
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/dagster job execute -m orchestration.definitions -j daily_pipeline
	@echo
	@echo "Warehouse:    $${WAREHOUSE_PATH:-data/warehouse.duckdb}"
	@echo "Analyst copy: $${ANALYST_DB_PATH:-data/analyst.duckdb}  (schema marts)"
	@echo "Exports:      $${EXPORTS_DIR:-data/exports}/  (Parquet per mart; fct_events.csv/.geojson; acled_format.csv/.parquet, ucdp_ged_format.csv)"
	@echo "GX data docs: $${GX_DOCS_DIR:-data/gx_docs}/index.html  (offline: libraries in static/vendor/)"
	@echo "Brief:        $${BRIEFS_DIR:-data/briefs}/latest.html"
	@echo "dbt docs:     make docs  (dbt docs + GX data docs on http://127.0.0.1:$(DOCS_PORT)/ and /gx/)"

# dbt docs (models, columns, descriptions, tests, lineage) generated into $(DBT_DOCS_DIR)/site/ with
# the catalog read from a copy of the analyst copy (never the warehouse a run writes), then served on
# 127.0.0.1:$(DOCS_PORT) only: / the dbt docs, /gx/ the GX Data Docs. Nothing loads from the network.
# Ctrl+C stops the server; site/static_index.html also opens as a file.
DOCS_PORT ?= 8580
DBT_DOCS_DIR ?= data/dbt_docs
docs: venv vendor
	DBT_DOCS_DIR=$(DBT_DOCS_DIR) $(BIN)/python -m orchestration.cli.docs --port $(DOCS_PORT)

# The bundled articles served as a local news site (robots.txt, RSS, Atom, news sitemap) on
# 127.0.0.1 and collected by daily_pipeline, twice (the second run gets 304s). Output in data/demo/.
demo-collect: venv vendor parse dagster-home
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/python -m orchestration.cli.collect_demo

dev: venv vendor parse dagster-home
	DAGSTER_HOME=$(DAGSTER_HOME_DIR) $(BIN)/dagster dev -h 127.0.0.1 -p 3000

# Everything: unit tests, then the integration tests that run dbt, Dagster jobs, subprocesses,
# servers on 127.0.0.1 and Chromium. Lint first: a lint error fails CI before the long part.
test: venv vendor sql-venv parse lint
	$(BIN)/python -m pytest -q

# The fast part alone (pure functions, no pipeline run): under a minute.
test-unit: venv
	$(BIN)/python -m pytest -q -m "not integration"

# ruff, configured in pyproject.toml: lint, and the formatter in check mode.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

score: venv
	$(BIN)/python ../shared/eval/score.py --db data/warehouse.duckdb --gold ../shared/eval/seeds_gold.jsonl

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs .pytest_cache

# Throughput / scaling benchmark of the real daily_pipeline job on generated inboxes
# (benchmarks/README.md). BENCH_N="200 2000" by default; results in benchmarks/results/.
BENCH_N ?= 200 2000
.PHONY: bench
bench: venv vendor parse
	$(BIN)/python benchmarks/run_benchmark.py --no-parse $(foreach n,$(BENCH_N),--n $(n))

# The brief for a chosen day or range over the analyst copy (README "The morning brief"):
# make brief DATE=2022-12-18, or make brief FROM=2022-12-01 TO=2022-12-18.
.PHONY: brief brief-deps
brief: venv
	$(BIN)/python -m orchestration.cli.brief $(if $(DATE),--date $(DATE)) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

# Debian's headless Chromium and an Arabic font for the brief's rendering test (the brief itself
# needs neither). Needs root and apt-get; otherwise that test is skipped.
brief-deps:
	@dpkg -s chromium fonts-noto-core >/dev/null 2>&1 \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	       && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-core; } \
	  || echo "brief-deps: chromium not installed (needs root and apt-get): the rendering test will be skipped"
