"""The sources file: which outlets to collect from (SOURCES_FILE, default seeds/sources.yml).

```yaml
sources:
  - id: shafaq_ar            # unique, [a-z0-9_]+
    name: Shafaq News (Arabic)
    kind: rss                # rss | atom | sitemap (news sitemap, plain sitemap or sitemap index)
    url: https://example.com/rss.xml
    enabled: true            # default false
    min_delay_s: 5           # least gap between two requests to this source's host (default 5)
    max_items_per_run: 200   # article pages fetched per run at most (default 200)
    max_age_days: null       # skip items whose feed/sitemap date is older (default: no limit)
    allowed_hosts: []        # hosts besides the feed's own whose article links may be fetched
    note: unverified         # free text, ignored
```

Every entry is validated on load; a bad file raises SourcesError listing every bad entry
(position, id, field, what is wrong), so the run fails before any request is made.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestration import config

DEFAULT_SOURCES_FILE = "seeds/sources.yml"
DEFAULT_MIN_DELAY_S = 5.0
DEFAULT_MAX_ITEMS_PER_RUN = 200


class SourcesError(ValueError):
    """The sources file cannot be used; the message lists every problem found."""


def host_key(host: str, port: int | None, scheme: str = "https") -> str:
    """How hosts are compared: lower-case, without a leading 'www.', with the port unless default."""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        return f"{host}:{port}"
    return host


def url_host_key(url: str) -> str | None:
    """host_key of an http(s) URL, or None when the URL is not one we would ever fetch."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return host_key(parts.hostname, port, parts.scheme)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    name: str = Field(min_length=1)
    kind: Literal["rss", "atom", "sitemap"]
    url: str
    enabled: bool = False
    min_delay_s: float = Field(default=DEFAULT_MIN_DELAY_S, ge=0, le=3600)
    max_items_per_run: int = Field(default=DEFAULT_MAX_ITEMS_PER_RUN, ge=1, le=100_000)
    max_age_days: int | None = Field(default=None, ge=1)
    allowed_hosts: tuple[str, ...] = ()
    note: str | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        v = v.strip()
        if url_host_key(v) is None:
            raise ValueError("must be an http:// or https:// URL with a host and no user:password@")
        return v

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, v):
        if v is None:
            return ()
        if not isinstance(v, (list, tuple)):
            raise ValueError("must be a list of host names")
        out = []
        for h in v:
            if not isinstance(h, str) or not h.strip():
                raise ValueError(f"{h!r} is not a host name")
            h = h.strip()
            parts = urlsplit("//" + h)
            try:
                port = parts.port
            except ValueError:
                raise ValueError(f"{h!r} has a bad port") from None
            if not parts.hostname or parts.path or parts.query or "@" in h or "/" in h:
                raise ValueError(
                    f"{h!r} is not a bare host name (write 'news.example.com', "
                    f"optionally with ':port', without scheme or path)"
                )
            out.append(host_key(parts.hostname, port))
        return tuple(out)

    @property
    def host(self) -> str:
        return url_host_key(self.url)

    def may_fetch(self, url: str) -> bool:
        """Only the source's own host or one of its allowed_hosts (never another host)."""
        key = url_host_key(url)
        return key is not None and (key == self.host or key in self.allowed_hosts)


def sources_file() -> Path:
    raw = os.environ.get("SOURCES_FILE") or DEFAULT_SOURCES_FILE
    p = Path(raw).expanduser()
    return p if p.is_absolute() else (config.REPO_ROOT / p).resolve()


def _describe(err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        where = ".".join(str(x) for x in e["loc"]) or "entry"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field missing"
        elif isinstance(e.get("input"), (str, int, float, bool)) or e.get("input") is None:
            msg += f" (got {e.get('input')!r})"  # e.g. YAML reads a bare `off` or `no` as false
        out.append(f"{where}: {msg}")
    return out


def parse_sources(data: object, origin: str = "sources file") -> list[Source]:
    """Validate the loaded YAML document; raises SourcesError naming every bad entry."""
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) - {"sources"}:
        raise SourcesError(f"{origin}: expected a mapping with one key 'sources' (a list of sources)")
    entries = data.get("sources") or []
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: 'sources' must be a list")
    problems, sources, seen = [], [], {}
    for i, entry in enumerate(entries, start=1):
        label = f"source {i}"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            label += f" (id {entry['id']!r})"
        if not isinstance(entry, dict):
            problems.append(f"{label}: expected a mapping of fields, got {type(entry).__name__}")
            continue
        try:
            src = Source.model_validate(entry)
        except ValidationError as err:
            problems += [f"{label}: {d}" for d in _describe(err)]
            continue
        if src.id in seen:
            problems.append(f"{label}: id {src.id!r} is already used by source {seen[src.id]}")
            continue
        seen[src.id] = i
        sources.append(src)
    if problems:
        raise SourcesError(f"{origin}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return sources


def load_sources(path: Path | str | None = None) -> list[Source]:
    """Every source of the file (enabled or not), validated."""
    path = Path(path) if path is not None else sources_file()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(
            f"sources file {path} cannot be read ({exc.strerror or exc}); set SOURCES_FILE to an existing file"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from None
    return parse_sources(data, str(path))
