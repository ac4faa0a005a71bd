"""Make a built GX Data Docs site render with no network.

GX 1.24 writes every page with Bootstrap, jQuery, bootstrap-table, bootstrap-datepicker,
bootstrap-dark, Font Awesome and Vega loaded from public CDNs, and a logo from a cloud bucket
whose URL carries the data context id. `make_offline(site)` runs after each build:

1. copies the vendored libraries (vendor/web/, see web_vendor.py; versions pinned in
   web_vendor.json) into <site>/static/vendor/<dir>@<version>/ (only files that changed);
2. rewrites every HTML and CSS file of the site: each remote URL listed in web_vendor.json
   `gx_urls` (matched by its path, whatever the host) becomes a relative URL to the local copy,
   so the folder works opened as file:// and served; the logos point at GX's own
   static/images/logo-long.png. `integrity` hashes GX put on a tag are checked against the local
   file, then dropped with `crossorigin` (a CORS-mode load of a file:// script is refused); the
   favicon link GX writes one folder short on validation pages is corrected;
3. fails (OfflineDocsError) when the vendored files are missing, or when a page still loads a
   remote resource afterwards (a GX upgrade that references a new one): never silently.

Idempotent and cheap: a rewritten page has no remote URL left, so a second pass reads it and
writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import shutil
from pathlib import Path

from orchestration.quality import web_vendor

log = logging.getLogger(__name__)

SITE_VENDOR_DIR = Path("static") / "vendor"
PAGE_SUFFIXES = (".html", ".css")


class OfflineDocsError(RuntimeError):
    """The Data Docs site cannot be made to render offline; the message says why and what to do."""


# A loaded resource, as opposed to a link a person may follow: src/href/data/poster/srcset of a
# tag other than <a>, and CSS url() / @import.
_LOADING_TAG = re.compile(r"<(?!a[\s>])([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>", re.S)
_LOADING_ATTR = re.compile(
    r"""\b(?:src|href|data|poster|srcset|background)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I
)
_CSS_REMOTE = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*((?:https?:)?//[^"')\s]+)""", re.I)


def remote_resources(text: str) -> list[str]:
    """Remote URLs that `text` (HTML or CSS) would load when rendered."""
    found = [m.group(1) for tag in _LOADING_TAG.finditer(text) for m in _LOADING_ATTR.finditer(tag.group(0))]
    found += [m.group(1) for m in _CSS_REMOTE.finditer(text)]
    return found


# Any scheme-relative or http(s) URL: host, path (group 1), optional query string. Searched from
# its literal '//' (one pass per page); the scheme before it is taken in by _rewrite.
_ANY_URL = re.compile(r"""//[A-Za-z0-9.-]+(?::\d+)?/([^"'\s)>?#]+)(?:\?[^"'\s)>]*)?(?=["'\s)>])""")


class _Plan:
    """What to copy and how to rewrite, from web_vendor.json and the vendored files."""

    def __init__(self, site: Path, root: Path):
        pins = web_vendor.pins()
        self.site, self.root = site, root
        self.copies: list[tuple[Path, Path]] = []  # (vendored file, file in the site)
        missing = []
        self.package_site_dir = {}
        for name, spec in pins["packages"].items():
            src_dir = web_vendor.package_dir(name, spec, root)
            dst_dir = site / SITE_VENDOR_DIR / src_dir.name
            self.package_site_dir[name] = dst_dir
            if not web_vendor.is_vendored(name, spec, root):
                missing.append(f"{name}@{spec['version']}")
                continue
            for f in spec["files"]:
                sources = (
                    sorted(p for p in (src_dir / f).rglob("*") if p.is_file()) if f.endswith("/") else [src_dir / f]
                )
                for s in sources:
                    if not s.is_file():
                        missing.append(str(s))
                    self.copies.append((s, dst_dir / s.relative_to(src_dir)))
        if missing:
            raise OfflineDocsError(
                f"the GX Data Docs cannot be made offline: the vendored web libraries are missing from "
                f"{root} ({', '.join(missing)}). Run `make vendor` (npm pack of the versions pinned in "
                f"{web_vendor.PINS_FILE}); without them the pages would load Bootstrap, jQuery and Vega "
                f"from CDNs and render unstyled with an empty results list on a machine with no network."
            )
        self.targets: dict[str, Path] = {}  # path of a remote URL -> local file
        for path, target in pins["gx_urls"].items():
            kind, _, rest = target.partition(":")
            if kind == "vendor":
                name = next(n for n in sorted(pins["packages"], key=len, reverse=True) if rest.startswith(n + "/"))
                local = self.package_site_dir[name] / rest[len(name) + 1 :]
            elif kind == "site":
                local = site / rest
            else:
                raise OfflineDocsError(
                    f"{web_vendor.PINS_FILE}: gx_urls[{path!r}] = {target!r} is neither "
                    f"'vendor:<package>/<file>' nor 'site:<path>'"
                )
            self.targets[path] = local

    def copy(self) -> int:
        copied = 0
        for src, dst in self.copies:
            st = src.stat()
            try:
                d = dst.stat()
                if d.st_size == st.st_size and int(d.st_mtime) == int(st.st_mtime):
                    continue
            except FileNotFoundError:
                dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
            copied += 1
        return copied


_SRI_CACHE: dict[tuple[Path, str], str] = {}


def _sri(path: Path, algo: str) -> str:
    key = (path, algo)
    if key not in _SRI_CACHE:
        _SRI_CACHE[key] = base64.b64encode(hashlib.new(algo, path.read_bytes()).digest()).decode()
    return _SRI_CACHE[key]


_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.S)
_INTEGRITY = re.compile(r"""\s+integrity\s*=\s*["']([^"']*)["']""")
_CROSSORIGIN = re.compile(r"""\s+crossorigin(?:\s*=\s*["'][^"']*["'])?""")
_REF = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""")


def _drop_sri(page: Path, text: str) -> str:
    """On tags now pointing at a local file: check GX's integrity hash against it, then drop the
    integrity and crossorigin attributes."""

    def fix(m: re.Match) -> str:
        tag = m.group(0)
        sri = _INTEGRITY.search(tag)
        ref = _REF.search(tag)
        if not sri or not ref or "//" in ref.group(1):
            return tag
        local = (page.parent / ref.group(1)).resolve()
        for token in sri.group(1).split():
            algo, _, digest = token.partition("-")
            if algo in ("sha256", "sha384", "sha512") and local.is_file() and _sri(local, algo) != digest:
                raise OfflineDocsError(
                    f"{local} does not match the integrity {token} GX gives it in {page}: "
                    f"the version pinned in {web_vendor.PINS_FILE} differs from the one GX expects"
                )
        return _CROSSORIGIN.sub("", _INTEGRITY.sub("", tag))

    return _TAG.sub(fix, text)


# GX 1.24 writes the favicon link of validation pages (four folders down) one "../" short.
_FAVICON = re.compile(r"""(<link\b[^>]*\bhref=["'])((?:\.{1,2}/)*static/images/favicon\.ico)(["'])""")


def _rewrite(page: Path, plan: _Plan) -> bool:
    text = page.read_text(encoding="utf-8")
    out, pos = [], 0
    for m in _ANY_URL.finditer(text) if "//" in text else ():
        local = plan.targets.get(m.group(1))
        if local is None:
            continue
        start = m.start()
        for scheme in ("https:", "http:"):
            if text.startswith(scheme, start - len(scheme)):
                start -= len(scheme)
                break
        out += [text[pos:start], os.path.relpath(local, page.parent).replace(os.sep, "/")]
        pos = m.end()
    new = "".join(out) + text[pos:] if out else text
    if page.suffix == ".html":
        if out:
            new = _drop_sri(page, new)
        favicon = os.path.relpath(plan.site / "static/images/favicon.ico", page.parent).replace(os.sep, "/")
        new = _FAVICON.sub(lambda m: m.group(1) + favicon + m.group(3), new)
    if new == text:
        return False
    tmp = page.with_name(page.name + ".offline-tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(page)
    return True


def make_offline(site: Path, vendor_root: Path | None = None) -> dict:
    """Make the Data Docs site in `site` load nothing from the network (see the module doc).
    Returns counts: {'copied', 'rewritten', 'pages'}. Raises OfflineDocsError (nothing is
    changed when the vendored files are missing)."""
    site = Path(site)
    plan = _Plan(site, Path(vendor_root) if vendor_root else web_vendor.vendor_root())
    copied = plan.copy()
    pages = [
        p
        for p in site.rglob("*")
        if p.suffix in PAGE_SUFFIXES and p.is_file() and p.relative_to(site).parts[:2] != SITE_VENDOR_DIR.parts
    ]  # not the libraries
    rewritten = sum(_rewrite(p, plan) for p in pages)
    left = {}
    for p in pages:
        urls = remote_resources(p.read_text(encoding="utf-8"))
        if urls:
            left[str(p.relative_to(site))] = sorted(set(urls))
    if left:
        sample = "; ".join(f"{k}: {', '.join(v)}" for k, v in list(left.items())[:3])
        raise OfflineDocsError(
            f"{len(left)} Data Docs page(s) still load remote resources that {web_vendor.PINS_FILE.name} "
            f"does not map ({sample}): vendor them (add the package to `packages` and the URL's path to "
            f"`gx_urls`, then `make vendor`)"
        )
    log.info(
        "GX Data Docs made offline: %d vendored files copied, %d of %d pages rewritten (%s)",
        copied,
        rewritten,
        len(pages),
        site,
    )
    return {"copied": copied, "rewritten": rewritten, "pages": len(pages)}
