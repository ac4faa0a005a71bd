"""`make docs`: dbt docs generated from a copy of the analyst copy, served on 127.0.0.1 with the
GX Data Docs, rendering with no network (orchestration.quality.dbt_docs)."""

import json
import urllib.error
import urllib.request

import pytest
from offline_chromium import CHROMIUM, OfflineChromium, off_machine
from test_gx_docs_offline import REMOTE, Loads, css_remote

from orchestration import config
from orchestration.quality import dbt_docs

pytestmark = pytest.mark.integration

MARTS = [
    "fct_events",
    "fct_event_reports",
    "fct_casualties",
    "report_review_queue",
    "dim_articles",
    "dim_actors",
    "dim_locations",
    "acled_format",
    "ucdp_ged_format",
]
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def fetch(url: str) -> bytes:
    with LOOPBACK.open(url, timeout=30) as response:
        return response.read()


@pytest.fixture(scope="module")
def served_docs(bundled_pipeline_run, tmp_path_factory):
    env, result = bundled_pipeline_run
    assert result.success
    pipeline_manifest = config.DBT_PROJECT_DIR / "target" / "manifest.json"
    before = pipeline_manifest.stat().st_mtime_ns
    base = tmp_path_factory.mktemp("dbt_docs")
    site = dbt_docs.generate(base, env["ANALYST_DB_PATH"])
    # the pipeline's manifest (read by the code location) and dbt state are not dbt docs' target
    assert pipeline_manifest.stat().st_mtime_ns == before
    assert site == base / "site" and (base / "catalog_db" / "analyst.duckdb").is_file()
    server, url = dbt_docs.serve_in_thread(site, env["GX_DOCS_DIR"])
    try:
        yield env, site, url
    finally:
        server.shutdown()
        server.server_close()


def test_docs_are_generated_and_served_on_loopback(served_docs):
    env, site, url = served_docs
    assert url.startswith("http://127.0.0.1:")
    index = fetch(url).decode("utf-8")
    manifest = json.loads(fetch(url + "manifest.json"))
    catalog = json.loads(fetch(url + "catalog.json"))
    # the catalog (read from the analyst copy's schema marts) has every mart with its columns
    for mart in MARTS:
        node = catalog["nodes"][f"model.conflict_events.{mart}"]
        assert node["metadata"]["schema"] == "marts" and node["columns"], mart
    assert {"event_id", "fatalities_best", "notes"} <= set(
        catalog["nodes"]["model.conflict_events.fct_events"]["columns"]
    )
    # the manifest: descriptions, column docs, tests and lineage
    events = manifest["nodes"]["model.conflict_events.fct_events"]
    assert events["description"] and events["columns"]["event_id"]["description"]
    assert any(n.startswith("model.conflict_events.int_") for n in events["depends_on"]["nodes"])
    tests = [
        n
        for n, parents in manifest["child_map"].items()
        if n.startswith("test.") and "model.conflict_events.fct_events" in manifest["parent_map"][n]
    ]
    assert len(tests) >= 3
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False  # no analytics script
    # dbt's page loads nothing from the network (it is one file; the data comes from this server)
    parser = Loads()
    parser.feed(index)
    assert [r for r in parser.refs if REMOTE.match(r[2])] == []
    assert [u for css in parser.css for u in css_remote(css)] == []
    assert (site / "static_index.html").stat().st_size > len(index)  # manifest and catalog embedded
    # the GX Data Docs stay linked: served from the same server under /gx/
    assert b"ge-index-page-validation-results-table" in fetch(url + "gx/")
    assert fetch(url + "gx") == fetch(url + "gx/")  # redirected
    assert fetch(url + "gx/static/vendor/jquery@3.7.1/dist/jquery.min.js").startswith(b"/*! jQuery v3.7.1")
    with pytest.raises(urllib.error.HTTPError):
        fetch(url + "gx/../../catalog_db/analyst.duckdb")


def test_no_analyst_copy_is_a_clear_error(tmp_path):
    with pytest.raises(dbt_docs.DocsError, match="make run"):
        dbt_docs.generate(tmp_path / "docs", tmp_path / "missing.duckdb")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make brief-deps installs it)")
def test_served_docs_render_in_headless_chromium_with_the_network_off(served_docs, tmp_path):
    env, site, url = served_docs
    with OfflineChromium(tmp_path / "chromium") as browser:
        browser.open(url, settle=3)
        text = browser.eval("document.body.innerText")
        assert "fct_events" in text and "report_review_queue" in text  # the project tree
        browser.open(url + "#!/model/model.conflict_events.fct_events", settle=3)
        browser.screenshot(tmp_path / "dbt_docs_fct_events.png")
        text = browser.eval("document.body.innerText")
        assert "fatalities_best" in text and "VARCHAR" in text  # columns, typed by the catalog
        assert browser.eval("document.querySelectorAll('link[rel=stylesheet], style').length") >= 1
        browser.open(url + "gx/index.html", settle=1)
        assert (
            browser.eval(
                "document.querySelectorAll('table.ge-index-page-validation-results-table tbody tr[data-index]').length"
            )
            >= 1
        )
        assert off_machine(browser.requests) == [], off_machine(browser.requests)
    assert (tmp_path / "dbt_docs_fct_events.png").stat().st_size > 20_000
