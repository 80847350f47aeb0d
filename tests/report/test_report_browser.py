"""The report page in a real browser: headless Chromium, driven over the DevTools protocol on a pipe.

Chromium's ``--remote-debugging-pipe`` reads NUL-terminated JSON commands on file descriptor 3 and writes
replies and events on descriptor 4, so no websocket client or extra Python package is needed.  The test
command (``make test``) installs Debian's ``chromium`` where it is missing; without a browser the test
skips and says so.  ``ARCHRANK_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from archrank.report.build import write_report
from archrank.report.html import OWN_SECTIONS, SECTIONS
from archrank.store import open_store

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-pipe", "about:blank"]


def _chromium() -> str:
    if shutil.which("bash") is None:
        pytest.skip("the browser test starts Chromium through bash, which is not installed")
    for c in (os.environ.get("ARCHRANK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
              shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if c and Path(c).is_file():
            return c
    pytest.skip("no Chromium found (install Debian's 'chromium' package; 'make test' does so where it can, "
                "or set ARCHRANK_CHROMIUM)")


class Browser:
    """A headless Chromium with one page, spoken to through the DevTools protocol over a pipe pair."""

    def __init__(self, binary: str, profile: Path, timeout: float = 60.0):
        self.timeout = timeout
        to_r, self._to_w = os.pipe()      # commands: we write, Chromium reads on fd 3
        self._from_r, from_w = os.pipe()  # replies: Chromium writes on fd 4, we read
        # move the child's ends above 9 so that putting them on 3 and 4 cannot overwrite one another
        child = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_r, from_w)]
        for fd in (to_r, from_w):
            os.close(fd)
        script = f'exec "$0" "$@" 3<&{child[0]} 4>&{child[1]} {child[0]}<&- {child[1]}>&-'
        profile.mkdir(parents=True, exist_ok=True)
        self.log = profile / "chromium.log"  # a file, not a pipe: an unread pipe could fill and block Chromium
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(["bash", "-c", script, binary, f"--user-data-dir={profile}", *FLAGS],
                                         pass_fds=child, stdout=subprocess.DEVNULL, stderr=log)
        for fd in child:
            os.close(fd)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def send(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str) -> dict:
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            m = self._read()
            self.events.append(m)
            if m.get("method") == method:
                return m

    def _read(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_r, 1 << 16)
            if not chunk:
                err = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Chromium closed the pipe: {err}")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def open(self, url: str, width: int = 1200, height: int = 900) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self) -> bytes:
        import base64

        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])

    def console_errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(str(p.get("exceptionDetails", {}).get("text")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value")) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"{p['entry'].get('source')}: {p['entry'].get('text')}")
        return out

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_w)
        os.close(self._from_r)


def non_white_fraction(png: bytes) -> float:
    """Share of the screenshot's pixels that are not (near) white."""
    from matplotlib.image import imread

    img = imread(io.BytesIO(png), format="png")[..., :3]
    return float((img.min(axis=2) < 0.9).mean())


@pytest.fixture()
def browser(tmp_path):
    b = Browser(_chromium(), tmp_path / "profile")
    yield b
    b.close()


CHECK = """JSON.stringify({
  images: Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight]),
  sections: Array.from(document.querySelectorAll('section')).map(s => s.id),
  headings: Array.from(document.querySelectorAll('h2')).map(h => h.textContent),
  tables: document.querySelectorAll('table').length
})"""


@pytest.mark.parametrize("kind", ["truth", "own"])
def test_report_renders_in_chromium(kind, report_store, own_store, tmp_path, browser):
    path = report_store if kind == "truth" else own_store
    with open_store(path) as st:
        files = write_report(st, tmp_path / "rep", store_path=str(path))
    browser.open(files.page.resolve().as_uri())
    info = json.loads(browser.evaluate(CHECK))
    assert info["sections"] == list(SECTIONS if kind == "truth" else OWN_SECTIONS)
    assert len(info["images"]) == (5 if kind == "truth" else 3)
    assert all(complete and w > 0 and h > 0 for complete, w, h in info["images"]), info["images"]
    assert info["tables"] >= 6
    assert browser.console_errors() == []
    png = browser.screenshot()
    (tmp_path / "screenshot.png").write_bytes(png)
    assert non_white_fraction(png) > 0.02


def test_screenshot_check_fails_on_a_blank_page(tmp_path, browser):
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
                    "</head><body></body></html>")
    browser.open(page.as_uri())
    assert non_white_fraction(browser.screenshot()) < 0.001
    assert json.loads(browser.evaluate(CHECK))["images"] == []


def test_console_errors_are_seen(tmp_path, browser):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head><link rel='icon' href='data:,'></head><body>"
                    "<img src='data:image/png;base64,AAAA'><script>console.error('boom')</script></body></html>")
    browser.open(page.as_uri())
    assert any("boom" in e for e in browser.console_errors())
    assert json.loads(browser.evaluate(CHECK))["images"][0][1] == 0  # a broken image has no width
    assert np.isfinite(non_white_fraction(browser.screenshot()))
