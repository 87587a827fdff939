"""A small headless-Chromium client over the DevTools pipe, with only the standard library.

Chromium is started with `--remote-debugging-pipe` and spoken to over fds 3 and 4 with
NUL-terminated JSON (tech brief §2.3): no websocket library, no port to pick, and no
other process can connect to it. Used to test the HTML deck for real and to print PDFs.

    with Browser.launch() as browser:
        page = browser.new_page(1280, 720)
        page.goto(path.as_uri())
        page.wait_for("window.Reveal && Reveal.isReady()")
        png = page.screenshot()
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckbuilder.errors import BuildError
from deckbuilder.fsutil import temp_prefix

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# The brief's verified set; the background/component/sync switches stop Chromium's own
# calls home, which a closed network would refuse over and over.
FLAGS = ("--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--disable-dev-shm-usage", "--remote-debugging-pipe")
BLOCKED = ("http://*", "https://*", "ws://*", "wss://*", "ftp://*")
TIMEOUT = 30.0
STREAM_CHUNK = 4 << 20      # bytes asked for by each IO.read of a printed PDF


def find_chrome() -> str:
    """Return the Chromium executable: $DECKBUILDER_CHROME, else the first found on PATH."""
    explicit = os.environ.get("DECKBUILDER_CHROME")
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise BuildError(f"DECKBUILDER_CHROME={explicit} is not an executable program")
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BuildError("Chromium is needed for this step but was not found: install it "
                     "(e.g. `apt-get install chromium`) or set DECKBUILDER_CHROME to its path")


@dataclass(frozen=True)
class ConsoleMessage:
    """A console message, uncaught exception or browser log entry of a page."""

    level: str                 # error | warning | info | log | debug ...
    text: str
    source: str = ""           # console | exception | log (network, security, ...)

    def __str__(self) -> str:
        return f"{self.level}: {self.text} [{self.source}]"


class _Pipe:
    """The DevTools connection: numbered commands out, replies and events in."""

    def __init__(self, write_fd: int, read_fd: int, log: Path):
        self.write_fd, self.read_fd, self.log = write_fd, read_fd, log
        self.buffer = bytearray()
        self.next_id = 0
        self.replies: dict[int, dict[str, Any]] = {}
        self.pages: dict[str, Page] = {}
        self.new_targets: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> int:
        """Send a command without waiting; return its id."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.write_fd, data):]
        except BrokenPipeError:
            raise self.closed() from None
        return self.next_id

    def closed(self) -> BuildError:
        """Return the error for a Chromium that went away, with the end of its log."""
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        return BuildError(f"Chromium closed the DevTools pipe.\n{tail}".rstrip())

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Send a command and return its result; raise BuildError on a protocol error."""
        ident = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while ident not in self.replies:
            self.pump(deadline - time.monotonic(), f"a reply to {method}")
        reply = self.replies.pop(ident)
        if "error" in reply:
            raise BuildError(f"Chromium: {method} failed: {reply['error'].get('message')}")
        return reply.get("result", {})

    def pump(self, timeout: float, waiting_for: str) -> None:
        """Read and dispatch what Chromium sends within `timeout` s; raise if nothing came."""
        if timeout <= 0 or not self.read(timeout):
            raise BuildError(f"Chromium: timed out waiting for {waiting_for}")

    def read(self, timeout: float) -> bool:
        """Dispatch what Chromium sent within `timeout` seconds; return whether it sent any."""
        ready, _, _ = select.select([self.read_fd], [], [], max(timeout, 0))
        if not ready:
            return False
        chunk = os.read(self.read_fd, 1 << 20)
        if not chunk:
            raise self.closed()
        self.buffer += chunk
        if b"\0" not in chunk:  # a big reply (a screenshot, a PDF) arrives in many chunks
            return True
        *messages, rest = bytes(self.buffer).split(b"\0")
        self.buffer = bytearray(rest)
        for raw in messages:
            self._dispatch(json.loads(raw))
        return True

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            self.replies[message["id"]] = message
        elif message.get("method") == "Target.targetCreated":
            if message["params"]["targetInfo"].get("type") == "page":
                self.new_targets.append(message["params"]["targetInfo"])
        elif message.get("sessionId") in self.pages:
            self.pages[message["sessionId"]]._on_event(message["method"], message["params"])


def _without_sandbox() -> bool:
    """Return whether Chromium must run without its sandbox.

    Chromium refuses to start as root with a sandbox, and CI containers often lack the
    user namespaces it needs; the pages it opens are the deck's own files.
    """
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return as_root or bool(os.environ.get("CI")) or bool(os.environ.get("DECKBUILDER_NO_SANDBOX"))


class Browser:
    """A headless Chromium process; use as a context manager, or call close()."""

    def __init__(self, proc: subprocess.Popen[bytes], pipe: _Pipe, workdir: Path):
        self.proc, self.pipe, self.workdir = proc, pipe, workdir
        self.closed = self.quitting = False

    @classmethod
    def launch(cls, executable: str | None = None) -> Browser:
        """Return a started browser with a fresh profile; raise BuildError when missing."""
        return cls.start(executable).ready()

    @classmethod
    def start(cls, executable: str | None = None) -> Browser:
        """Return a browser whose process is starting; call ready() before using it.
        (Started early, Chromium gets going while the caller does something else.)"""
        chrome = executable or find_chrome()
        # Named with this process's id: an export that was killed leaves it behind, and
        # the next export removes it (`fsutil.clean_stale_temp`).
        workdir = Path(tempfile.mkdtemp(prefix=temp_prefix("chrome")))
        cmd_r, cmd_w = os.pipe()   # we write commands, Chromium reads them on fd 3
        res_r, res_w = os.pipe()   # Chromium writes replies on fd 4, we read them

        def expose_pipes() -> None:  # runs in the child, before the fds are closed
            a, b = os.dup(cmd_r), os.dup(res_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        flags = [*FLAGS, f"--user-data-dir={workdir / 'profile'}"]
        if _without_sandbox():
            flags.append("--no-sandbox")
        log = workdir / "chrome.log"
        with open(log, "wb") as err:
            proc = subprocess.Popen([chrome, *flags, "about:blank"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err, pass_fds=(3, 4),
                                    preexec_fn=expose_pipes)
        os.close(cmd_r)
        os.close(res_w)
        return cls(proc, _Pipe(cmd_w, res_r, log), workdir)

    def ready(self) -> Browser:
        """Return this browser once it answers; close it and raise BuildError if it fails."""
        try:
            self.pipe.call("Target.setDiscoverTargets", {"discover": True})
        except BaseException:
            self.close()
            raise
        return self

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def new_page(self, width: int = 1280, height: int = 720,
                 block_network: bool = True) -> Page:
        """Return a new tab of `width`×`height` CSS px; http(s) requests fail when blocked."""
        target = self.pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        return self._attach(target, width, height, block_network)

    def _attach(self, target: str, width: int | None, height: int | None,
                block_network: bool) -> Page:
        session = self.pipe.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self.pipe, target, session)
        self.pipe.pages[session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.pipe.call(f"{domain}.enable", session=session)
        if block_network:
            patterns = [{"urlPattern": p, "requestStage": "Request"} for p in BLOCKED]
            self.pipe.call("Fetch.enable", {"patterns": patterns}, session)
        if width and height:
            self.pipe.call("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": False}, session)
        return page

    def wait_for_popup(self, opener: Page, timeout: float = TIMEOUT,
                       block_network: bool = True) -> Page:
        """Return the next window `opener` opens (e.g. reveal's speaker view), attached."""
        deadline = time.monotonic() + timeout
        while True:
            for info in self.pipe.new_targets:
                if info.get("type") == "page" and info.get("openerId") == opener.target:
                    self.pipe.new_targets.remove(info)
                    return self._attach(info["targetId"], None, None, block_network)
            self.pipe.pump(deadline - time.monotonic(), "a new window")

    def quit(self) -> None:
        """Ask Chromium to exit, without waiting for it to (close() waits): it shuts
        down while the caller goes on."""
        if not self.quitting:
            self.quitting = True
            self.pipe.send("Browser.close")

    def close(self) -> None:
        """Close Chromium and remove its temporary profile (once: the pipe's fd numbers
        may belong to other files afterwards)."""
        if self.closed:
            return
        self.closed = True
        if self.proc.poll() is None:
            try:
                self.quit()
                self.proc.wait(timeout=10)
            except (OSError, BuildError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for fd in (self.pipe.write_fd, self.pipe.read_fd):
            try:
                os.close(fd)
            except OSError:
                pass  # not open any more
        shutil.rmtree(self.workdir, ignore_errors=True)


class Page:
    """One attached tab: navigate, evaluate, press keys, capture; records what happened."""

    def __init__(self, pipe: _Pipe, target: str, session: str):
        self.pipe, self.target, self.session = pipe, target, session
        self.console: list[ConsoleMessage] = []
        self.requests: list[str] = []      # every URL the page asked for, in order
        self.blocked: list[str] = []       # the network URLs that were refused
        self.dialogs: list[str] = []       # alert/confirm/prompt messages (all dismissed)
        self.loads = 0

    @property
    def errors(self) -> list[ConsoleMessage]:
        """Return the console errors and uncaught exceptions seen so far."""
        return [m for m in self.console if m.level == "error"]

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            level = "error" if params["type"] in ("error", "assert") else params["type"]
            self.console.append(ConsoleMessage(level, text, "console"))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console.append(ConsoleMessage("error", text, "exception"))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            text = f"{entry.get('text', '')} {entry.get('url', '')}".strip()
            self.console.append(ConsoleMessage(entry["level"], text, entry.get("source", "log")))
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Fetch.requestPaused":
            self.blocked.append(params["request"]["url"])
            self.pipe.send("Fetch.failRequest", {"requestId": params["requestId"],
                                                 "errorReason": "BlockedByClient"}, self.session)
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(params.get("message", ""))
            self.pipe.send("Page.handleJavaScriptDialog", {"accept": False}, self.session)
        elif method == "Page.loadEventFired":
            self.loads += 1

    def call(self, method: str, params: dict[str, Any] | None = None,
             timeout: float = TIMEOUT) -> dict[str, Any]:
        """Send any DevTools command to this page and return its result."""
        return self.pipe.call(method, params, self.session, timeout)

    def goto(self, url: str, timeout: float = TIMEOUT) -> None:
        """Navigate to `url` and return once its load event has fired."""
        before = self.loads
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BuildError(f"Chromium could not open {url}: {result['errorText']}")
        deadline = time.monotonic() + timeout
        while self.loads == before:
            self.pipe.pump(deadline - time.monotonic(), f"{url} to load")

    def evaluate(self, expression: str, timeout: float = TIMEOUT) -> Any:
        """Return the JSON value of a JavaScript expression (promises are awaited)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True, "userGesture": True},
                           timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BuildError(f"Chromium: JavaScript error in {expression[:60]!r}: {text}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = TIMEOUT) -> Any:
        """Return the first truthy value of `expression`, polled; raise BuildError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BuildError(f"Chromium: timed out waiting for {expression!r}")
            self.pipe.read(0.05)  # the polling interval; events arriving meanwhile are kept

    def press(self, key: str, code: str, key_code: int) -> None:
        """Type one key as a real keyboard event (a user gesture: popups are allowed)."""
        event = {"key": key, "code": code, "windowsVirtualKeyCode": key_code,
                 "nativeVirtualKeyCode": key_code}
        text = {"text": key} if len(key) == 1 else {}
        self.call("Input.dispatchKeyEvent", {"type": "keyDown", **event, **text})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", **event})

    def screenshot(self, fmt: str = "png", quality: int | None = None) -> bytes:
        """Return an image of the viewport (png, or jpeg/webp at `quality`)."""
        params: dict[str, Any] = {"format": fmt}
        if quality is not None:
            params["quality"] = quality
        return base64.b64decode(self.call("Page.captureScreenshot", params, 60)["data"])

    def pdf(self, **options: Any) -> bytes:
        """Return the page printed to PDF; `options` are Page.printToPDF parameters."""
        params = {"printBackground": True, "preferCSSPageSize": True,
                  "displayHeaderFooter": False, "marginTop": 0, "marginBottom": 0,
                  "marginLeft": 0, "marginRight": 0, **options}
        # As a stream, read in chunks: a deck's PDF of many megabytes as one reply would
        # be one huge JSON string for Chromium to build and for us to parse and decode.
        params["transferMode"] = "ReturnAsStream"
        handle = self.call("Page.printToPDF", params, 300)["stream"]
        try:
            return self.read_stream(handle)
        finally:
            self.call("IO.close", {"handle": handle})

    def read_stream(self, handle: str) -> bytes:
        """Return the whole content of a DevTools stream (IO.read until eof)."""
        out = bytearray()
        while True:
            chunk = self.call("IO.read", {"handle": handle, "size": STREAM_CHUNK})
            data = chunk.get("data", "")
            out += base64.b64decode(data) if chunk.get("base64Encoded") else data.encode()
            if chunk.get("eof"):
                return bytes(out)

    def close(self) -> None:
        """Close this tab."""
        self.pipe.call("Target.closeTarget", {"targetId": self.target})
        self.pipe.pages.pop(self.session, None)
