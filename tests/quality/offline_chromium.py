"""Headless Chromium with the network off, driven over the DevTools protocol (tests' helper).

Every host name resolves to nothing and every proxied request goes to a closed port, so only
file:// and 127.0.0.1 load. The DevTools connection (a websocket on 127.0.0.1) lets a test open
several pages in one browser, read values computed after the page's scripts ran (rows of a
table, CSS applied, fonts loaded) and see every request the page attempted.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OFFLINE_FLAGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
]


class OfflineChromium:
    def __init__(self, profile_dir: Path, width: int = 1280, height: int = 1400):
        from websockets.sync.client import connect

        profile_dir.mkdir(parents=True, exist_ok=True)
        (profile_dir / "DevToolsActivePort").unlink(missing_ok=True)  # a previous browser's
        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                *OFFLINE_FLAGS,
                f"--window-size={width},{height}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile_dir}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "HOME": str(profile_dir)},
        )
        try:
            self._connect(profile_dir, connect)
        except BaseException:
            self.close()
            raise

    def _connect(self, profile_dir: Path, connect) -> None:
        port_file = profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        pages = json.load(opener.open(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(p for p in pages if p["type"] == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self._id = 0
        self.requests: list[str] = []
        self.failed: list[tuple[str, str]] = []  # (url, error) of requests that failed
        self._urls: dict[str, str] = {}
        self.call("Network.enable")
        self.call("Page.enable")

    def _handle(self, msg: dict) -> None:
        method = msg.get("method")
        if method == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])
            self._urls[msg["params"]["requestId"]] = msg["params"]["request"]["url"]
        elif method == "Network.loadingFailed":
            self.failed.append((self._urls.get(msg["params"]["requestId"], "?"), msg["params"].get("errorText", "")))
        elif method == "Page.loadEventFired":
            self._loaded = True

    def call(self, method: str, timeout: float = 60, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._handle(msg)

    def open(self, url: str, settle: float = 1.0, timeout: float = 60) -> None:
        """Navigate and wait for the load event, then `settle` seconds for scripts run after it."""
        self._loaded = False
        result = self.call("Page.navigate", url=url)
        if "errorText" in result:
            raise RuntimeError(f"{url}: {result['errorText']}")
        # a change of the #fragment only has no loaderId and fires no load event
        deadline = time.monotonic() + timeout
        while not self._loaded and "loaderId" in result:
            self._handle(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))
        end = time.monotonic() + settle
        while time.monotonic() < end:
            try:
                self._handle(json.loads(self.ws.recv(timeout=max(0.05, end - time.monotonic()))))
            except TimeoutError:
                break

    def eval(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, png: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        png.write_bytes(base64.b64decode(data))
        return png

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            # the browser's own process group (its renderers and helpers), started above
            for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(timeout=wait)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def off_machine(urls: list[str]) -> list[str]:
    """The requests that would have left the machine (anything but file:, data:, blob:,
    about:, devtools and 127.0.0.1)."""
    return [
        u
        for u in urls
        if not u.startswith(
            ("file:", "data:", "blob:", "about:", "chrome", "devtools:", "http://127.0.0.1:", "http://127.0.0.1/")
        )
    ]
