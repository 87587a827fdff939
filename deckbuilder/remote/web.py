"""One remote image over http(s): each redirect followed by hand and checked again, the
answer refused when it is not an image, too big or too slow (`remote.download`)."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from deckbuilder import __version__
from deckbuilder.remote import SCHEMES, Limits, Refused

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Some image hosts refuse urllib's own User-Agent; this one says who is asking.
USER_AGENT = f"deckbuilder/{__version__} (remote_images: fetch)"
CHUNK = 64 * 1024


def download(url: str, limits: Limits = Limits()) -> bytes:
    """Return the body of the image at `url`; raise Refused saying why there is none."""
    deadline = time.monotonic() + limits.total
    chain = [url]
    while True:
        if time.monotonic() > deadline:
            raise Refused(f"took more than {limits.total:g} s")
        with _get(chain[-1], limits, deadline) as response:
            if response.status not in REDIRECTS:
                _expect_image(response)
                return _body(response, limits, deadline)
            chain.append(_redirect(chain, response.headers.get("Location"), limits))


def _redirect(chain: list[str], location: str | None, limits: Limits) -> str:
    """Return where a redirect leads, once it is known to be one deckbuilder may follow."""
    if not location:
        raise Refused("the server redirected without saying where to")
    target = urljoin(chain[-1], location.strip())
    if urlsplit(target).scheme.lower() not in SCHEMES:
        raise Refused(f"redirected to {_short(target)}: only http and https are followed")
    if target in chain:
        raise Refused(f"redirect loop ({' → '.join(map(_short, chain + [target]))})")
    if len(chain) > limits.redirects:
        raise Refused(f"more than {limits.redirects} redirects")
    return target


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:79] + "…"


def _opener() -> urllib.request.OpenerDirector:
    """Return an opener that speaks http and https only and follows no redirect itself.

    `build_opener` would add file:, ftp: and data: handlers and urllib's own redirects
    (which also go to ftp:); without HTTPErrorProcessor every answer, 3xx and 4xx
    included, comes back as a response to look at. Proxies from the environment are
    honoured, as for any command-line tool.
    """
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(context=ssl.create_default_context())):
        opener.add_handler(handler)
    return opener


def _get(url: str, limits: Limits, deadline: float) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise Refused("only http and https URLs with a host are downloaded")
    try:
        request = urllib.request.Request(_ascii(url), headers={"User-Agent": USER_AGENT,
                                                               "Accept": "image/*"})
    except (UnicodeError, ValueError) as e:   # a host IDNA refuses, a lone surrogate
        raise Refused(f"not a URL that can be asked for ({e})") from None
    wait = max(0.1, min(limits.timeout, deadline - time.monotonic()))
    try:
        response = _opener().open(request, timeout=wait)
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise Refused(_reason(e, parts.hostname, limits)) from None
    if response is None:   # a scheme no handler took: never for http/https
        raise Refused("only http and https URLs are downloaded")
    return response


def _ascii(url: str) -> str:
    """Return the URL as a browser sends it: non-ASCII (a Korean file name, a space)
    percent-encoded as UTF-8, what is encoded already left alone, the host in IDNA."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        netloc = parts.netloc.replace(host, host.encode("idna").decode("ascii"))
        parts = parts._replace(netloc=netloc)
    return quote(urlunsplit(parts), safe=":/?#[]@!$&'()*+,;=%~", errors="surrogateescape")


def _reason(e: BaseException, host: str, limits: Limits) -> str:
    """Return an error as the user reads it: offline, refused, timed out, bad TLS, …"""
    if isinstance(e, urllib.error.URLError) and isinstance(e.reason, BaseException):
        e = e.reason
    if isinstance(e, (TimeoutError, socket.timeout)):
        return f"no answer from {host} within {limits.timeout:g} s"
    if isinstance(e, socket.gaierror):
        return f"cannot find {host} (offline? {e.strerror or e})"
    if isinstance(e, ConnectionRefusedError):
        return f"{host} refused the connection"
    if isinstance(e, ssl.SSLError):
        return f"no secure connection to {host} ({getattr(e, 'reason', None) or e})"
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return f"cannot reach {host} ({text})"


def _expect_image(response: http.client.HTTPResponse) -> None:
    """Raise Refused unless the answer is a 200 that may be an image."""
    if response.status != 200:
        raise Refused(f"the server answered {response.status} {response.reason}".rstrip())
    kind = _content_type(response.headers)
    if kind == "text/html" or kind == "application/xhtml+xml":
        raise Refused("the server sent a web page (text/html), not an image: the link may "
                      "need a login, or lead to the page that shows the picture")
    # No type, or a generic one, is left to the decoder, which is the real test.
    if kind and not kind.startswith("image/") and kind != "application/octet-stream":
        raise Refused(f"the server sent {kind}, not an image")


def _content_type(headers: Message) -> str:
    raw = headers.get("Content-Type") or ""
    return raw.split(";", 1)[0].strip().lower()


def _body(response: http.client.HTTPResponse, limits: Limits, deadline: float) -> bytes:
    """Return the whole body, refusing it as soon as it is known to be too big or slow."""
    cap = limits.max_bytes
    declared = (response.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > cap:
        raise Refused(f"larger than {_mb(cap)} ({_mb(int(declared))})")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise Refused(f"took more than {limits.total:g} s")
        try:   # read1: one system call, so a trickling server meets the deadline
            chunk = response.read1(CHUNK)
        except (OSError, http.client.HTTPException) as e:
            host = urlsplit(getattr(response, "url", "") or "").hostname or "the server"
            raise Refused(f"the download broke off: {_reason(e, host, limits)}") from None
        if not chunk:
            break
        size += len(chunk)
        if size > cap:
            raise Refused(f"larger than {_mb(cap)} (stopped after {_mb(size)})")
        chunks.append(chunk)
    if response.length:   # the server closed before sending what it announced
        raise Refused(f"the download broke off after {size} bytes")
    return b"".join(chunks)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n % 1_000_000 else f"{n // 1_000_000} MB"
