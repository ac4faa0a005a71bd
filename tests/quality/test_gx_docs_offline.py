"""The GX Data Docs site the pipeline builds renders with no network.

GX writes its pages with Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs
and a logo from a cloud bucket; orchestration.quality.gx_docs_offline points them at the copies
`make vendor` fetched (web_vendor.json). Checked on the site of the session's bundled pipeline
run: no file loads a remote resource, and headless Chromium with the network off shows the
validation results list and styled suite and validation pages.
"""

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from offline_chromium import CHROMIUM, OfflineChromium, off_machine

from orchestration.quality import gx_docs_offline, web_vendor

pytestmark = pytest.mark.integration

REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)
CSS_LOADS = re.compile(r"""url\(\s*["']?([^"')]+)|@import\s+(?:url\()?\s*["']?([^"');\s]+)""", re.I)
# URLs in the vendored libraries that are not loaded: XML namespaces, licence and home pages in
# comments, Vega's schema ids and the "Open in Vega Editor" action (a person's click, off here).
JS_URL = re.compile(r"""(?:https?:)?//([a-z0-9-]+(?:\.[a-z0-9-]+)+)""", re.I)
JS_NOT_LOADED = {
    "www.w3.org",
    "github.com",
    "opensource.org",
    "www.apache.org",
    "getbootstrap.com",
    "popper.js.org",
    "bootstrap-table.com",
    "wenzhixin.net.cn",
    "fontawesome.com",
    "vega.github.io",
    "djhvscf.github.io",
}


class Loads(HTMLParser):
    """What an HTML page loads: src/href/... of every tag but <a>, CSS in style blocks and
    attributes, URLs in inline scripts."""

    ATTRS = {"src", "href", "srcset", "data", "poster", "background", "xlink:href", "action", "formaction"}

    def __init__(self):
        super().__init__()
        self.refs, self.css, self.scripts = [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        self._in = tag if tag in ("style", "script") else None
        for name, value in attrs:
            if name in self.ATTRS and tag != "a":
                self.refs.append((tag, name, value or ""))
            if name == "style":
                self.css.append(value or "")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.css.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def css_remote(css: str) -> list[str]:
    return [u for m in CSS_LOADS.finditer(css) for u in m.groups() if u and REMOTE.match(u)]


def site_files(site: Path, suffix: str) -> list[Path]:
    return sorted(p for p in site.rglob(f"*{suffix}") if p.is_file())


@pytest.fixture(scope="module")
def site(bundled_pipeline_run):
    env, result = bundled_pipeline_run
    assert result.success
    return env["GX_DOCS_DIR"]


def test_no_page_of_the_site_loads_a_remote_resource(site):
    pages = site_files(site, ".html")
    assert (site / "index.html") in pages and len(pages) >= 10
    loaded_local = set()
    for page in pages:
        parser = Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        remote = [r for r in parser.refs if REMOTE.match(r[2])]
        remote += [u for css in parser.css for u in css_remote(css)]
        remote += [u for js in parser.scripts for u in re.findall(r"""["'`]((?:https?:)?//[^"'`\s]+)""", js)]
        assert remote == [], f"{page.relative_to(site)} loads {remote}"
        for tag, _, ref in parser.refs:
            if tag in ("script", "link", "img") and ref:
                assert not ref.startswith("/"), f"{page}: {ref} is not relative"
                target = (page.parent / ref.split("?")[0]).resolve()
                assert target.is_file(), f"{page.relative_to(site)}: {ref} does not exist"
                loaded_local.add(target.relative_to(site.resolve()).as_posix())
    # the libraries GX uses, at the pinned versions, from the site's own folder
    for lib in (
        "bootstrap@4.3.1/dist/css/bootstrap.min.css",
        "jquery@3.7.1/dist/jquery.min.js",
        "bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
        "fontawesome-free@6.6.0/css/all.min.css",
        "vega@5.33.1/build/vega.min.js",
        "vega-lite@5.23.0/build/vega-lite.min.js",
        "vega-embed@6.29.0/build/vega-embed.min.js",
    ):
        assert f"static/vendor/{lib}" in loaded_local, lib
    assert "static/images/logo-long.png" in loaded_local  # the logo is GX's local copy
    for css in site_files(site, ".css"):
        text = css.read_text(encoding="utf-8")
        assert css_remote(text) == [], f"{css.relative_to(site)} loads {css_remote(text)}"
        for ref in (u for m in CSS_LOADS.finditer(text) for u in m.groups() if u and not u.startswith("data:")):
            assert (css.parent / ref.split("?")[0].split("#")[0]).is_file(), f"{css}: {ref} missing"
    fonts = {p.name for p in (site / "static" / "vendor" / "fontawesome-free@6.6.0" / "webfonts").iterdir()}
    assert {"fa-solid-900.woff2", "fa-regular-400.woff2"} <= fonts
    for js in site_files(site, ".js"):
        hosts = {m.group(1).lower() for m in JS_URL.finditer(js.read_text(encoding="utf-8"))}
        assert hosts <= JS_NOT_LOADED, f"{js.relative_to(site)} names {hosts - JS_NOT_LOADED}"


def test_make_offline_is_idempotent_and_refuses_without_the_vendored_files(site, tmp_path, monkeypatch):
    copy = tmp_path / "gx_docs"
    shutil.copytree(site, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert gx_docs_offline.make_offline(copy) == {
        "copied": 0,
        "rewritten": 0,
        "pages": len(
            [p for p in before if p.suffix in (".html", ".css") and "vendor" not in p.relative_to(copy).parts[:2]]
        ),
    }
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before
    # a freshly built page (CDN links, as GX writes it) is rewritten; with no vendored files the
    # step refuses and says what to run, leaving the page as it was
    page = copy / "fresh.html"
    page.write_text(
        '<link rel="stylesheet" href="https://cdn.example.net/bootstrap/4.3.1/css/bootstrap.min.css"/>'
        '<script src="https://cdn.example.net/ajax/libs/popper.js/1.12.9/umd/popper.min.js" '
        'integrity="sha384-ApNbgh9B+Y1QKtv3Rn7W3mgPxhU9K/ScQsAP7hUibX39j7fakFPskvXusvfa0b4Q" '
        'crossorigin="anonymous"></script><a href="https://greatexpectations.io">GX</a>',
        encoding="utf-8",
    )
    original = page.read_text(encoding="utf-8")
    monkeypatch.setenv("GX_DOCS_VENDOR_DIR", str(tmp_path / "no_vendor"))
    with pytest.raises(gx_docs_offline.OfflineDocsError, match="make vendor"):
        gx_docs_offline.make_offline(copy)
    assert page.read_text(encoding="utf-8") == original
    monkeypatch.delenv("GX_DOCS_VENDOR_DIR")
    gx_docs_offline.make_offline(copy)
    assert page.read_text(encoding="utf-8") == (
        '<link rel="stylesheet" href="static/vendor/bootstrap@4.3.1/dist/css/bootstrap.min.css"/>'
        '<script src="static/vendor/popper.js@1.12.9/dist/umd/popper.min.js"></script>'
        '<a href="https://greatexpectations.io">GX</a>'
    )
    # a remote resource the pins do not know is an error, not a page left loading it
    page.write_text('<script src="https://cdn.example.net/npm/newlib@1/x.js"></script>', encoding="utf-8")
    with pytest.raises(gx_docs_offline.OfflineDocsError, match="newlib"):
        gx_docs_offline.make_offline(copy)


def test_vendored_packages_match_their_pins():
    for name, spec in web_vendor.pins()["packages"].items():
        assert web_vendor.is_vendored(name, spec), f"{name}: run make vendor"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make brief-deps installs it)")
def test_site_renders_offline_in_headless_chromium(site, tmp_path):
    n_runs = len(list((site / "validations").glob("*/*/*/*.html")))
    suites = site_files(site / "expectations", ".html")
    runs = sorted((site / "validations").glob("*/*/*/*.html"))
    assert n_runs >= 10 and len(suites) >= 10
    with OfflineChromium(tmp_path / "chromium") as browser:
        browser.open((site / "index.html").as_uri())
        browser.screenshot(tmp_path / "gx_docs_index.png")
        rows = browser.eval(
            "document.querySelectorAll('table.ge-index-page-validation-results-table tbody tr[data-index]').length"
        )
        assert rows == min(10, n_runs)  # bootstrap-table (jQuery) filled the list, 10 a page
        assert browser.eval("getComputedStyle(document.body).fontFamily").startswith("-apple-system")  # bootstrap
        assert browser.eval("!!window.vegaEmbed && !!window.vega && !!window.vegaLite")
        assert "Font Awesome 6 Free" in browser.eval(
            "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
        )
        for page in [*suites, *runs]:
            browser.open(page.as_uri(), settle=0.2)
            styled = browser.eval(
                "({font: getComputedStyle(document.body).fontFamily,"
                "  navbar: getComputedStyle(document.querySelector('nav.navbar')).position,"
                "  rows: document.querySelectorAll('table.table tbody tr').length,"
                "  wrapped: document.querySelectorAll('.bootstrap-table').length})"
            )
            where = page.relative_to(site)
            assert styled["font"].startswith("-apple-system") and styled["navbar"] == "sticky", (where, styled)
            assert styled["rows"] >= 1 and styled["wrapped"] >= 1, (where, styled)
        browser.screenshot(tmp_path / "gx_docs_last_page.png")
        assert off_machine(browser.requests) == [], off_machine(browser.requests)
        assert browser.failed == [], browser.failed
    assert (tmp_path / "gx_docs_index.png").stat().st_size > 20_000
