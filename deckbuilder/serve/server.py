"""The HTTP side of `deckbuilder serve`: the current deck, its status, and the reload stream.

Routes: `/…` serves the current deck folder (index.html with the live-reload script
tag added); `/__deckbuilder/live.js` is that script; `/__deckbuilder/status` is the
status as JSON; `/__deckbuilder/events` is a Server-Sent Events stream that sends the
status on connect and again after every build attempt. `/__deckbuilder/picker` is the
entry browser (`picker`), with its data, thumbnails and its one write, POST `edit`.

Every request must name this server in its `Host:` header (`accepts`), else it is
answered 421: a web page whose own domain a DNS-rebinding attack points at 127.0.0.1
cannot read the deck, its speaker notes or the status.
"""

from __future__ import annotations

import errno
import hashlib
import ipaddress
import json
import re
import socket
import threading
from dataclasses import asdict, dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from deckbuilder.errors import BuildError
from deckbuilder.serve import picker as pick
from deckbuilder.serve import thumbs

PREFIX = "/__deckbuilder/"
PORT_TRIES = 20
KEEPALIVE = 15.0   # s between SSE comments: a vanished browser is noticed, proxies stay open
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^\[\]:@/\\\s]+)(?::([0-9]{1,5}))?")

# The live-reload script, injected into served pages only (a file, so it reads as JS).
LIVE_JS = (Path(__file__).parent / "livereload.js").read_bytes()
WAITING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deckbuilder serve</title></head>
<body style="font: 18px system-ui, sans-serif; margin: 2em">
<p>No deck yet: the first build failed. Fix the problems below and save; this page
reloads by itself.</p>
</body></html>
"""


@dataclass(frozen=True)
class Status:
    """What the preview shows: the served deck, and how the latest build attempt went."""

    build: str = ""                     # id of the served deck; "" before any good build
    ok: bool = False                    # did the latest attempt succeed
    errors: tuple[str, ...] = ()        # the latest attempt's diagnostics, when it failed
    slides: int = 0                     # of the served deck
    attempt: int = 0                    # counts build attempts
    warnings: tuple[str, ...] = ()      # of the served deck

    def to_json(self) -> dict[str, Any]:
        """Return the status as the /status endpoint and the event stream send it."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def deck_id(root: Path) -> str:
    """Return an id of a built deck folder's content: equal decks do not reload the page."""
    h = hashlib.sha256()
    for rel in ("index.html", "assets/deck.css"):   # images are named by content in these
        h.update((root / rel).read_bytes())
    return h.hexdigest()[:16]


class Hub:
    """The current status and deck folder, shared by the watcher and request threads."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.status = Status()
        self.root: Path | None = None
        self.closed = False

    def current(self) -> tuple[Status, Path | None]:
        """Return the status and the served deck folder, taken together."""
        with self._cond:
            return self.status, self.root

    def publish(self, status: Status, root: Path | None) -> None:
        """Make `status` current (and `root`, when a build succeeded); wake the streams."""
        with self._cond:
            self.status = status
            if root is not None:
                self.root = root
            self._cond.notify_all()

    def wait(self, after: int, timeout: float) -> Status | None:
        """Return the status once its attempt is past `after` (or at timeout); None if closed."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self.status.attempt > after, timeout)
            return None if self.closed else self.status

    def close(self) -> None:
        """End every event stream."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()


def _unspecified(host: str) -> bool:
    """Return whether `host` binds every interface ("", 0.0.0.0, ::)."""
    try:
        return host == "" or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def loopback(host: str) -> bool:
    """Return whether `host` is this machine only (127.0.0.1, ::1, localhost)."""
    try:
        return host.lower() == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def accepts(bound: str, port: int, header: str | None) -> bool:
    """Return whether a request with this `Host:` header is for a server on bound:port.

    The header must name the bound address with the port (no port only for 80). A
    loopback bind also answers to 127.0.0.1, localhost and [::1]. A server bound to
    every interface (`--host 0.0.0.0`) shows the deck to the network anyway, and is
    reached by names it cannot know: it answers any host.
    """
    if _unspecified(bound):
        return True
    found = _HOST.fullmatch((header or "").lower())
    if found is None or int(found.group(2) or 80) != port:
        return False
    names = {f"[{bound.lower()}]" if ":" in bound else bound.lower()}
    if loopback(bound):
        names |= LOOPBACK_NAMES
    return found.group(1) in names


class Handler(SimpleHTTPRequestHandler):
    """Serves the hub's current deck folder and the /__deckbuilder/ endpoints."""

    timeout = 60   # a client that stops reading cannot hold a thread forever
    server: ThreadingHTTPServer   # a TCP server (Server, Server6): its address is (host, port)

    def __init__(self, *args: Any, hub: Hub, picker: pick.Picker | None = None, **kwargs: Any):
        # One request per connection (HTTP/1.0), so the deck is fixed for the request:
        # a build finishing meanwhile cannot mix two decks in one response.
        self.hub, self.picker = hub, picker
        self.cacheable = False
        self.status, self.root = hub.current()
        super().__init__(*args, directory=str(self.root or Path.cwd()), **kwargs)

    def end_headers(self) -> None:
        # Revalidate everything: an unchanged image costs a 304, a new deck is never stale.
        # (Thumbnails are named by the vault's generation: those may be kept.)
        self.send_header("Cache-Control", "private, max-age=3600" if self.cacheable
                         else "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows builds, not requests

    def parse_request(self) -> bool:
        # Before any route: a request for another host (DNS rebinding) gets nothing.
        if not super().parse_request():
            return False
        hosts = self.headers.get_all("Host") or []
        address = self.server.server_address
        bound, port = getattr(self.server, "host", str(address[0])), address[1]
        if len(hosts) == 1 and accepts(bound, port, hosts[0]):
            return True
        self.send_error(HTTPStatus.MISDIRECTED_REQUEST,
                        "this preview answers only to the address it printed")
        return False

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(PREFIX):
            self._endpoint(path[len(PREFIX):])
        elif path in ("/", "/index.html"):
            self._index()
        elif path == "/favicon.ico":  # browsers ask; a 404 would be an error in the console
            self.send_response(HTTPStatus.NO_CONTENT)
            self.end_headers()
        elif self.root is None:  # never fall back to serving the current folder
            self.send_error(HTTPStatus.NOT_FOUND, "no deck yet")
        elif "\0" in unquote(path):  # os.stat would raise: no file has such a name
            self.send_error(HTTPStatus.NOT_FOUND)
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        if urlsplit(self.path).path.startswith(PREFIX) or self.root is None:
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)
        else:
            super().do_HEAD()

    def _endpoint(self, name: str) -> None:
        if name == "events":
            self._events()
        elif name == "status":
            self._send(json.dumps(self.status.to_json()).encode(), "application/json")
        elif name == "live.js":
            self._send(LIVE_JS, "text/javascript; charset=utf-8")
        elif self.picker is not None:
            self._picker_get(self.picker, name)
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def _picker_get(self, picker: pick.Picker, name: str) -> None:
        if name in pick.PAGES:
            self._send(pick.page(picker, name), pick.PAGES[name][1])
        elif name == "entries.json":
            self._send(picker.entries_json(), "application/json")
        elif name == "spec.json":
            self._reply(picker.state())
        elif name == "match":
            query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
            self._reply(picker.matching(query))
        elif name.startswith("thumb/"):
            self._thumb(picker, name[len("thumb/"):])
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def _thumb(self, picker: pick.Picker, rest: str) -> None:
        found = re.fullmatch(r"\d+/(\d{1,7})/(\d{1,4})", rest)   # generation/entry/image
        source = picker.image_file(int(found[1]), int(found[2])) if found else None
        if source is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        try:
            data = thumbs.thumbnail(source, picker.cache_dir, picker.thumb_slots)
        except (OSError, ValueError, SyntaxError):
            self.send_error(HTTPStatus.NOT_FOUND, "no picture")   # missing or unreadable
            return
        self.cacheable = True
        self._send(data, "image/jpeg")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        name = path[len(PREFIX):] if path.startswith(PREFIX) else ""
        if self.picker is None:
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)
            return
        no = pick.refused(self.picker, self.headers, name)
        if no is not None:
            self._reply(no)
            return
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._reply(self.picker.edit(body))

    def _reply(self, reply: pick.Reply) -> None:
        data = reply.data()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _index(self) -> None:
        root = self.root
        html = (root / "index.html").read_text(encoding="utf-8") if root else WAITING
        self._send(inject(html, self.status.build if root else "").encode(),
                   "text/html; charset=utf-8")

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        status: Status | None = self.status
        sent = -1
        try:
            self.wfile.write(b"retry: 1000\n\n")   # reconnect fast after a restart
            while status is not None:
                if status.attempt != sent:
                    data = json.dumps(status.to_json())
                    self.wfile.write(f"event: status\ndata: {data}\n\n".encode())
                    sent = status.attempt
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
                status = self.hub.wait(status.attempt, KEEPALIVE)
        except (ConnectionError, TimeoutError):
            pass  # the page reloaded or was closed: nothing to send it anymore


def inject(html: str, build: str) -> str:
    """Return the deck's index.html with the live-reload script tag before </body>."""
    tag = f'<script src="{PREFIX}live.js" data-build="{build}"></script>\n'
    at = html.lower().rfind("</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


class Server(ThreadingHTTPServer):
    """The preview's HTTP server: joins its request threads on close, quiet on hang-ups."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[Any, ...], handler: Any):
        self.host = str(address[0])   # as given (a name stays a name): what Host must say
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a browser that reloads mid-download hangs up; that is normal
        super().handle_error(request, client_address)


class Server6(Server):
    """The same, for an IPv6 --host such as ::1."""

    address_family = socket.AF_INET6


def bind(host: str, port: int, hub: Hub, picker: pick.Picker | None = None
         ) -> tuple[Server, str]:
    """Return a listening server on `port` or the next free one, and a note if it moved."""
    kind = Server6 if ":" in host else Server
    handler = partial(Handler, hub=hub, picker=picker)
    last = port if port == 0 else min(port + PORT_TRIES - 1, 65535)
    for candidate in range(port, last + 1):
        try:
            server = kind((host, candidate), handler)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                continue
            raise BuildError(f"cannot listen on {host}:{candidate}: {e.strerror or e}") from None
        note = f"port {port} is in use; using {candidate}" if candidate != port else ""
        return server, note
    raise BuildError(f"ports {port}-{last} are all in use: choose another with --port")


def url_of(server: Server, host: str) -> str:
    """Return the address to open in a browser."""
    port = server.server_address[1]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
