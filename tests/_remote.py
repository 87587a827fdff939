"""A loopback HTTP server for the remote-image tests: good and hostile answers, counted.

It listens on 127.0.0.1 on a free port, in a thread of the test, so the tests need no
network; `requests` lists every path asked for, so a test can prove none was made.
"""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

from PIL import Image

MB = 1_000_000


def png(size: tuple[int, int] = (160, 90), color: str = "crimson") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (120, 160), color: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


class _Handler(BaseHTTPRequestHandler):
    server: "Loopback"   # type: ignore[assignment]

    def do_GET(self) -> None:   # noqa: N802 - http.server's name
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self._send(404, "text/plain", b"not here")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client gave up, as it should (too big, too slow)

    def _send(self, status: int, kind: str | None, body: bytes,
              headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass   # quiet: pytest shows failures, not access logs


Route = Callable[[_Handler], None]


def _file(kind: str, body: bytes) -> Route:
    return lambda h: h._send(200, kind, body)


def _redirect(to: str, status: int = 302) -> Route:
    return lambda h: h._send(status, "text/plain", b"", {"Location": to})


def _stream(kind: str, head: bytes, total: int, length: int | None) -> Route:
    """Send `head` then zeros up to `total` bytes; announce `length` (None: no header)."""
    def route(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", kind)
        if length is not None:
            h.send_header("Content-Length", str(length))
        h.end_headers()
        h.wfile.write(head)
        sent, block = len(head), bytes(64 * 1024)
        while sent < total:
            h.wfile.write(block)
            sent += len(block)
    return route


class Loopback(ThreadingHTTPServer):
    """The test server; `url(path)` names one of its routes."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self.release = threading.Event()   # set at the end: slow routes stop waiting
        self.routes: dict[str, Route] = {
            "/good.png": _file("image/png", png()),
            "/photo.jpg": _file("image/jpeg", jpeg()),
            # 그림 파일.png, as a browser asks for it
            "/%EA%B7%B8%EB%A6%BC%20%ED%8C%8C%EC%9D%BC.png": _file("image/png", png()),
            "/no-type.png": lambda h: h._send(200, None, png((50, 50), "olive")),
            "/slow.png": self._slow,
            "/trickle.png": self._trickle,
            "/loop-a": _redirect("/loop-b"),
            "/loop-b": _redirect("/loop-a", 301),
            "/self": _redirect("/self", 307),
            "/to-file": _redirect("file:///etc/passwd"),
            "/to-ftp": _redirect("ftp://127.0.0.1/good.png"),
            "/to-data": _redirect("data:image/png;base64,iVBORw0KGgo="),
            "/to-javascript": _redirect("javascript:alert(1)"),
            "/moved.png": _redirect("/good.png", 301),
            "/huge.png": _stream("image/png", png(), 21 * MB, 21 * MB),
            "/endless.png": _stream("image/png", png(), 25 * MB, None),
            "/fake.png": _file("image/png", b"this is no picture, whatever the header says"),
            "/page.html": _file("text/html; charset=utf-8",
                                b"<!doctype html><title>Log in</title><p>Please log in"),
            "/short.png": lambda h: h._send(200, "image/png", png()[:100],
                                            {"Content-Length": "5000"}, length=False),
        }
        for n in range(1, 8):   # /hop/7 -> /hop/6 -> ... -> /hop/1 -> /good.png
            self.routes[f"/hop/{n}"] = _redirect(f"/hop/{n - 1}" if n > 1 else "/good.png")
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def _slow(self, h: _Handler) -> None:
        self.release.wait(30)      # longer than any timeout the tests set
        h._send(200, "image/png", png())

    def _trickle(self, h: _Handler) -> None:
        """A byte at a time, each well within the read timeout, forever."""
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.end_headers()
        for byte in png() * 100:
            if self.release.wait(0.05):
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()

    def __enter__(self) -> "Loopback":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


def serving() -> Iterator[Loopback]:
    """Yield a running loopback server (for a fixture)."""
    with Loopback() as server:
        yield server
