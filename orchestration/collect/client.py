"""The one HTTP client of the collector, polite by construction.

Why one module of this size: every politeness rule below must hold for every request, so they all
live in the one method every request goes through, with the robots and per-host state it reads.

Every request goes through `PoliteClient.fetch`, which:
- refuses any URL that is not http(s), carries user:password@, or whose host the caller does not
  allow (`may_fetch`: the source's own host or its allowed_hosts), redirect targets included;
- reads robots.txt of the host first (cached for the run and, through `store`, for
  ROBOTS_TTL between runs), refuses disallowed paths and honours Crawl-delay;
- keeps at least max(min_delay_s, Crawl-delay) between two requests to one host (requests are
  made one at a time, so there is never more than one per host in flight);
- sends the project's own User-Agent, If-None-Match / If-Modified-Since when it has them,
  follows at most MAX_REDIRECTS redirects itself (each hop checked as above) and records the
  final URL, verifies TLS, and stops reading a body past the size cap;
- retries connection errors and 5xx a couple of times with jittered backoff, but never sleeps
  on a 429 or a 503 with Retry-After: the host is left alone for the rest of the run and the
  caller gets `next_fetch_at` (kept in the store, so later runs leave the host alone too).

Time comes from an injected clock (`now`, `monotonic`, `sleep`), so tests never sleep.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from orchestration.collect.sources import url_host_key
from orchestration.config import env_number

BOT_NAME = "ArabicConflictEventsBot"
DEFAULT_CONTACT = "https://example.invalid/set-COLLECT_CONTACT"
MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 5_000_000  # a page or a feed
ROBOTS_MAX_BYTES = 500_000  # RFC 9309: at least 500 KiB must be read
ROBOTS_TTL = dt.timedelta(hours=24)
DEFAULT_RETRIES = 2  # after the first attempt: 3 attempts in all
DEFAULT_DEFER = dt.timedelta(hours=1)  # a 429 without Retry-After
MAX_DEFER = dt.timedelta(days=7)
RESPONSE_MAX_SECONDS = 120.0
REDIRECT_STATUSES = (301, 302, 303, 307, 308)  # whole response, against servers that drip bytes

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class Clock(Protocol):
    def now(self) -> dt.datetime: ...  # naive UTC
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def user_agent() -> str:
    try:
        version = importlib.metadata.version("arabic-conflict-events")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    contact = os.environ.get("COLLECT_CONTACT", "").strip() or DEFAULT_CONTACT
    return f"{BOT_NAME}/{version} (+{contact})"


def max_bytes() -> int:
    return env_number("COLLECT_MAX_BYTES", DEFAULT_MAX_BYTES)


def timeouts() -> httpx.Timeout:
    connect = env_number("COLLECT_CONNECT_TIMEOUT", 10.0, float)
    read = env_number("COLLECT_READ_TIMEOUT", 30.0, float)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def parse_retry_after(value: str | None, now: dt.datetime) -> dt.datetime | None:
    """Retry-After as seconds or an HTTP date -> naive UTC time (capped at MAX_DEFER)."""
    if not value:
        return None
    value = value.strip()
    when = None
    if value.isdigit():
        when = now + dt.timedelta(seconds=int(value))
    else:
        try:
            d = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if d.tzinfo is not None:
            d = d.astimezone(dt.UTC).replace(tzinfo=None)
        when = d
    return max(now, min(when, now + MAX_DEFER))


@dataclass
class FetchResult:
    url: str  # as asked for
    outcome: str  # see OUTCOMES
    final_url: str | None = None  # after redirects
    status: int | None = None  # HTTP status of the last response
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    next_fetch_at: dt.datetime | None = None
    error: str | None = None
    attempts: int = 0
    redirects: list[str] = field(default_factory=list)


OUTCOMES = {
    "ok": "fetched, new content",
    "not_modified": "304 Not Modified",
    "unchanged": "200 with the same body as last time",
    "not_found": "404",
    "gone": "410",
    "deferred": "429 / 503 with Retry-After: next_fetch_at set, not retried in this run",
    "disallowed": "robots.txt disallows the URL (or robots.txt was unreachable)",
    "off_host": "URL (or a redirect target) on a host the source may not fetch",
    "too_large": "body over the size cap",
    "http_error": "another 4xx, or 5xx after the retries",
    "network_error": "connection error / timeout after the retries",
    "redirect_error": "more than MAX_REDIRECTS redirects, or a redirect without Location",
    "out_of_time": "the run's time budget ran out before the request",
}


class _TooLarge(Exception):
    pass


@dataclass
class _Robots:
    parser: Protego | None  # None: allow everything (no robots.txt, 4xx)
    disallow_all: bool = False  # unreachable (5xx, network error): nothing may be fetched
    why: str = ""

    def allows(self, url: str) -> bool:
        if self.disallow_all:
            return False
        return self.parser is None or self.parser.can_fetch(url, BOT_NAME)

    def crawl_delay(self) -> float:
        if self.parser is None:
            return 0.0
        d = self.parser.crawl_delay(BOT_NAME)
        return float(d) if d else 0.0


class Store(Protocol):
    """What the client keeps between runs (state.CollectState implements it on the warehouse):
    robots.txt per origin, and hosts that asked to be left alone (429 / 503 + Retry-After)."""

    def load(self, origin: str) -> tuple[int, str, dt.datetime] | None: ...
    def save(self, origin: str, status: int, body: str, fetched_at: dt.datetime) -> None: ...
    def deferred_hosts(self, now: dt.datetime) -> dict[str, dt.datetime]: ...
    def save_deferral(self, host: str, until: dt.datetime, reason: str, now: dt.datetime) -> None: ...


class PoliteClient:
    def __init__(
        self,
        clock: Clock | None = None,
        *,
        store: Store | None = None,
        on_request: Callable[[dict], None] | None = None,
        rng: random.Random | None = None,
        retries: int = DEFAULT_RETRIES,
        backoff_s: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        deadline: float | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.store = store
        self.on_request = on_request or (lambda rec: None)
        self.rng = rng or random.Random()
        self.retries = retries
        self.backoff_s = backoff_s
        self.deadline = deadline  # clock.monotonic() after which no request starts
        self.user_agent = user_agent()
        self._robots: dict[str, _Robots] = {}
        self._last_request: dict[str, float] = {}
        self._deferred: dict[str, dt.datetime] = dict(store.deferred_hosts(self.clock.now())) if store else {}
        self._http = httpx.Client(
            headers={"User-Agent": self.user_agent, "Accept-Language": "ar, en;q=0.5"},
            timeout=timeouts(),
            follow_redirects=False,
            verify=True,
            trust_env=False,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ politeness

    def host_deferred_until(self, url: str) -> dt.datetime | None:
        return self._deferred.get(url_host_key(url) or "")

    def ready_at(self, host: str, min_delay: float) -> float:
        """clock.monotonic() from which the host may be asked again."""
        rules = self._robots.get(host)
        gap = max(min_delay, rules.crawl_delay() if rules else 0.0)
        last = self._last_request.get(host)
        return float("-inf") if last is None else last + gap

    def _out_of_time(self, host: str, min_delay: float) -> bool:
        """The request could not start (after the host's delay) before the run's deadline."""
        if self.deadline is None:
            return False
        return max(self.clock.monotonic(), self.ready_at(host, min_delay)) >= self.deadline

    def _wait_turn(self, host: str, min_delay: float) -> None:
        wait = self.ready_at(host, min_delay) - self.clock.monotonic()
        if wait > 0:
            self.clock.sleep(wait)
        self._last_request[host] = self.clock.monotonic()

    def robots(self, url: str, min_delay: float, source_id: str | None = None) -> _Robots:
        """robots.txt rules of the URL's host: from this run's cache, the store, or fetched."""
        host = url_host_key(url)
        if host in self._robots:
            return self._robots[host]
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = self.clock.now()
        stored = self.store.load(origin) if self.store else None
        if stored is not None and now - stored[2] < ROBOTS_TTL:
            rules = self._rules(stored[0], stored[1])
        else:
            rules = self._fetch_robots(origin, host, min_delay, source_id)
        self._robots[host] = rules
        return rules

    def _rules(self, status: int, body: str) -> _Robots:
        if 200 <= status < 300:
            return _Robots(Protego.parse(body), why="robots.txt")
        return _Robots(None, why=f"no robots.txt (HTTP {status}): everything allowed")

    def _fetch_robots(self, origin: str, host: str, min_delay: float, source_id: str | None) -> _Robots:
        url = origin + "/robots.txt"
        for _hop in range(MAX_REDIRECTS + 1):
            self._wait_turn(host, min_delay)
            try:
                resp, body = self._send(url, {}, ROBOTS_MAX_BYTES, source_id, "robots")
            except _TooLarge:
                return _Robots(
                    None, disallow_all=True, why=f"robots.txt over {ROBOTS_MAX_BYTES} bytes: nothing fetched this run"
                )
            except httpx.HTTPError as exc:
                return _Robots(None, disallow_all=True, why=f"robots.txt unreachable ({_err(exc)})")
            if resp.status_code in REDIRECT_STATUSES and resp.headers.get("location"):
                target = urljoin(url, resp.headers["location"])
                if url_host_key(target) is None:
                    break
                url = target
                continue
            status = resp.status_code
            if status == 429 or status >= 500:
                return _Robots(
                    None, disallow_all=True, why=f"robots.txt unreachable (HTTP {status}): nothing fetched this run"
                )
            text = body.decode("utf-8", errors="replace") if 200 <= status < 300 else ""
            if self.store:
                self.store.save(origin, status, text, self.clock.now())
            return self._rules(status, text)
        return _Robots(None, disallow_all=True, why="robots.txt: too many redirects")

    # ------------------------------------------------------------------ requests

    def _send(
        self, url: str, headers: dict, cap: int, source_id: str | None, purpose: str, attempt: int = 1
    ) -> tuple[httpx.Response, bytes]:
        """One GET, body streamed up to `cap` bytes; every request lands in the fetch log."""
        started = time.monotonic()
        rec = {
            "url": url,
            "source_id": source_id,
            "purpose": purpose,
            "attempt": attempt,
            "requested_at": self.clock.now(),
            "status": None,
            "n_bytes": None,
            "error": None,
            "if_none_match": headers.get("If-None-Match"),
            "if_modified_since": headers.get("If-Modified-Since"),
        }
        try:
            with self._http.stream("GET", url, headers=headers) as resp:
                rec["status"] = resp.status_code
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise _TooLarge(f"Content-Length {declared} > {cap} bytes")
                chunks, n = [], 0
                for chunk in resp.iter_bytes():
                    n += len(chunk)
                    if n > cap:
                        raise _TooLarge(f"body over {cap} bytes")
                    if time.monotonic() - started > RESPONSE_MAX_SECONDS:
                        raise httpx.ReadTimeout(f"response took over {RESPONSE_MAX_SECONDS:g}s")
                    chunks.append(chunk)
                body = b"".join(chunks)
                rec["n_bytes"] = len(body)
                return resp, body
        except (_TooLarge, httpx.HTTPError) as exc:
            rec["error"] = f"{type(exc).__name__}: {exc}" if not isinstance(exc, _TooLarge) else f"too large: {exc}"
            raise
        finally:
            rec["elapsed_ms"] = int((time.monotonic() - started) * 1000)
            self.on_request(rec)

    def fetch(
        self,
        url: str,
        *,
        may_fetch: Callable[[str], bool],
        min_delay: float = 0.0,
        etag: str | None = None,
        last_modified: str | None = None,
        known_sha256: str | None = None,
        cap: int | None = None,
        accept: str = PAGE_ACCEPT,
        source_id: str | None = None,
        purpose: str = "page",
    ) -> FetchResult:
        cap = max_bytes() if cap is None else cap
        res = FetchResult(url=url, outcome="ok")
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            host = url_host_key(current)
            if host is None or not may_fetch(current):
                res.outcome, res.final_url = "off_host", current
                res.error = (
                    f"redirected to {current}, a host this source may not fetch"
                    if hop
                    else f"{current}: not on the source's host nor in its allowed_hosts"
                )
                return res
            if host in self._deferred:
                res.outcome, res.final_url, res.next_fetch_at = "deferred", current, self._deferred[host]
                res.error = f"host {host} asked to be left alone until {self._deferred[host]:%Y-%m-%d %H:%M} UTC"
                return res
            if self._out_of_time(host, min_delay):
                res.outcome, res.final_url, res.error = "out_of_time", current, "collection time budget spent"
                return res
            rules = self.robots(current, min_delay, source_id)
            if not rules.allows(current):
                res.outcome, res.final_url = "disallowed", current
                res.error = rules.why if rules.disallow_all else f"robots.txt disallows {urlsplit(current).path}"
                return res
            if self._out_of_time(host, min_delay):  # Crawl-delay now known
                res.outcome, res.final_url, res.error = "out_of_time", current, "collection time budget spent"
                return res
            headers = {"Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            resp, body = self._attempts(current, host, min_delay, headers, cap, source_id, purpose, res)
            if resp is None:
                res.final_url = current
                return res
            res.status = resp.status_code
            if resp.status_code in REDIRECT_STATUSES:
                location = resp.headers.get("location")
                if not location:
                    res.outcome, res.final_url, res.error = "redirect_error", current, "redirect without Location"
                    return res
                current = urljoin(current, location)
                res.redirects.append(current)
                continue
            res.final_url = current
            return self._classify(res, resp, body, known_sha256, host)
        res.outcome, res.final_url = "redirect_error", current
        res.error = f"more than {MAX_REDIRECTS} redirects"
        return res

    def _attempts(self, url, host, min_delay, headers, cap, source_id, purpose, res):
        """Send with retries; returns (response, body) or (None, None) with res filled in."""
        for attempt in range(1, self.retries + 2):
            res.attempts += 1
            if attempt > 1:
                # exponential backoff with full jitter, on the injected clock
                self.clock.sleep(self.backoff_s * (2 ** (attempt - 2)) * (0.5 + self.rng.random()))
            self._wait_turn(host, min_delay)
            try:
                resp, body = self._send(url, headers, cap, source_id, purpose, attempt)
            except _TooLarge as exc:
                res.outcome, res.error = "too_large", str(exc)
                return None, None
            except httpx.HTTPError as exc:
                res.outcome, res.error = "network_error", _err(exc)
                continue
            retry_after = parse_retry_after(resp.headers.get("retry-after"), self.clock.now())
            if resp.status_code == 429 or (resp.status_code == 503 and retry_after is not None):
                when = retry_after or self.clock.now() + DEFAULT_DEFER
                self._deferred[host] = when
                res.status, res.outcome, res.next_fetch_at = resp.status_code, "deferred", when
                res.error = f"HTTP {resp.status_code}, Retry-After {resp.headers.get('retry-after') or '(none)'}"
                if self.store:
                    self.store.save_deferral(host, when, f"{url}: {res.error}", self.clock.now())
                return None, None
            if resp.status_code >= 500:
                res.status, res.outcome, res.error = resp.status_code, "http_error", f"HTTP {resp.status_code}"
                continue
            return resp, body
        return None, None

    @staticmethod
    def _classify(res: FetchResult, resp: httpx.Response, body: bytes, known_sha256, host) -> FetchResult:
        status = resp.status_code
        res.headers = {k.lower(): v for k, v in resp.headers.items()}
        if status == 304:
            res.outcome = "not_modified"
            return res
        if status == 404 or status == 410:
            res.outcome, res.error = ("not_found" if status == 404 else "gone"), f"HTTP {status}"
            return res
        if not 200 <= status < 300:
            res.outcome, res.error = "http_error", f"HTTP {status}"
            return res
        res.body = body
        res.etag = resp.headers.get("etag")
        res.last_modified = resp.headers.get("last-modified")
        res.body_sha256 = hashlib.sha256(body).hexdigest()
        res.outcome = "unchanged" if known_sha256 and res.body_sha256 == known_sha256 else "ok"
        return res


def _err(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
