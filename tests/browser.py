"""A real headless browser for the HTML report's tests: Debian's ``chromium``, driven over
the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON messages ended by a
NUL byte on file descriptors 3 and 4), so no port, no websocket library, no driver.

``OKRTUI_TEST_BROWSER=1`` (set by .ci/run, which installs chromium as root) makes a
missing browser an error; otherwise the tests are skipped, saying why.
"""

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SKIP_REASON = (
    "the HTML report's browser tests need chromium (Debian: apt-get install chromium), "
    "or set OKRTUI_TEST_BROWSER=1 to insist"
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_or_skip() -> str:
    """The browser's path; a skip without one, or a failure when CI insists on it."""
    found = find_chromium()
    if found is None:
        if os.environ.get("OKRTUI_TEST_BROWSER", "").strip() == "1":
            pytest.fail("OKRTUI_TEST_BROWSER=1 but no chromium on PATH")
        pytest.skip(SKIP_REASON)
    return found


class Page:
    """One page of a headless chromium, with what it requested recorded."""

    def __init__(self, proc: subprocess.Popen[bytes], to_browser: int, from_browser: int):
        self._proc = proc
        self._out = os.fdopen(to_browser, "wb", buffering=0)
        self._in = os.fdopen(from_browser, "rb", buffering=0)
        self._buffer = b""
        self._next = 0
        self.session = ""
        self.requests: list[str] = []  # every URL the page asked for (Network domain)
        self.blocked: dict[str, str] = {}  # URL → why the browser refused it ("csp", …)
        self._ids: dict[str, str] = {}
        self.events: list[dict[str, Any]] = []

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = self._in.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
            self._ids[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed" and params.get("blockedReason"):
            self.blocked[self._ids.get(params["requestId"], "?")] = params["blockedReason"]
        if "method" in message:
            self.events.append(message)
        return message

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False
    ) -> Any:
        """Call a DevTools method (on the page's session unless ``browser``); its answer."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if not browser and self.session:
            message["sessionId"] = self.session
        self._out.write(json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def wait_for(self, method: str) -> dict[str, Any]:
        for seen in self.events:
            if seen.get("method") == method:
                self.events.remove(seen)
                return seen
        while True:
            event = self._read()
            if event.get("method") == method:
                self.events.remove(event)
                return event

    def open(self, url: str, width: int, height: int, *, mobile: bool = False) -> None:
        """Load ``url`` in a viewport ``width`` × ``height`` CSS pixels wide and wait for it."""
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
        })  # fmt: skip
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value, evaluated by DevTools (the page's own CSP
        forbids scripts; the debugger is not the page)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            width = self.evaluate("document.documentElement.scrollWidth")
            height = self.evaluate("document.documentElement.scrollHeight")
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


@contextmanager
def headless_page(chromium: str) -> Iterator[Page]:
    """A fresh headless chromium (its own throw-away profile) with one page open."""
    profile = tempfile.mkdtemp(prefix="okrtui-chromium-")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def child_fds() -> None:  # chromium reads fd 3 and writes fd 4
        read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
                       for fd in (to_browser_r, from_browser_w))  # fmt: skip
        os.dup2(read, 3)
        os.dup2(write, 4)

    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--disable-background-networking", "--disable-sync", "--hide-scrollbars",
         f"--user-data-dir={profile}", "about:blank"],
        # close_fds would close 3 and 4 after child_fds made them; the pipes' own ends are
        # not inheritable (Python's default), so nothing else leaks to the browser.
        close_fds=False, preexec_fn=child_fds,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(to_browser_r)
    os.close(from_browser_w)
    page = Page(proc, to_browser_w, from_browser_r)
    try:
        target = page.send("Target.createTarget", {"url": "about:blank"}, browser=True)
        attached = page.send("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True},
                             browser=True)  # fmt: skip
        page.session = attached["sessionId"]
        page.send("Page.enable")
        page.send("Network.enable")
        yield page
    finally:
        proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
