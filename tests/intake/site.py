"""A small web site on 127.0.0.1 for capture tests: a page with a photo, a redirect to it,
a picture on a private address, one behind a name that resolves to loopback and one
redirected to the metadata service over IPv6 (all refused), a redirect to the cloud
metadata address, and a page that never finishes."""

from __future__ import annotations

import contextlib
import io
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

#: Longest a request for /hang.png is held (ends earlier when the site stops).
HANG_S = 20.0


def noise_png(size: tuple[int, int] = (96, 96), seed: int = 3) -> bytes:
    """A PNG of noise (large enough to be kept as a media item: about 28 KB)."""
    rng = random.Random(seed)
    buf = io.BytesIO()
    Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3)).save(buf, "PNG")
    return buf.getvalue()


PHOTO = noise_png()
ICON = noise_png((4, 4), seed=5)


@dataclass
class Site:
    port: int
    #: Every path asked for, in order.
    asked: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self) -> bytes:
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>Обстріл: test page</title>"
            "<link rel='icon' href='/icon.png'></head><body><h1>Strike on a shelter</h1>"
            "<p>CAPTURE-MARKER-7731</p><img src='/photo.png' alt='photo'>"
            "<img src='http://10.255.255.1/secret.png' alt='private'>"
            "<img src='/image-to-metadata' alt='redirected'>"
            f"<img src='http://localhost:{self.port}/photo.png?via=name' alt='by name'>"
            "<div style='height:2400px'></div><p>bottom</p></body></html>"
        ).encode()


def handler(site: Site) -> type[BaseHTTPRequestHandler]:
    """The request handler of the test site (also served over HTTPS by tls_site)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, kind: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k.replace("_", "-"), v)
            self.end_headers()
            with contextlib.suppress(OSError):  # a capture that gave up on the answer
                self.wfile.write(body)

        def do_GET(self) -> None:
            site.asked.append(self.path)
            path = self.path.split("?")[0]
            if path == "/page.html":
                self._send(200, site.page(), "text/html; charset=utf-8")
            elif path == "/start":
                self._send(302, b"", "text/plain", Location="/page.html")
            elif path == "/to-metadata":
                self._send(
                    302, b"", "text/plain", Location="http://169.254.169.254/latest/meta-data/"
                )
            elif path == "/image-to-metadata":
                self._send(
                    302, b"", "text/plain", Location="http://[fd00:ec2::254]/latest/user-data"
                )
            elif path == "/photo.png":
                self._send(200, PHOTO, "image/png")
            elif path == "/icon.png":
                self._send(200, ICON, "image/png")
            elif path == "/slow.html":
                body = b"<html><title>slow</title><body>loading<img src='/hang.png'></body></html>"
                self._send(200, body, "text/html")
            elif path == "/hang.png":
                deadline = time.monotonic() + HANG_S
                while time.monotonic() < deadline and not site.stop.is_set():
                    time.sleep(0.1)
                self._send(200, ICON, "image/png")
            else:
                self._send(404, b"not here", "text/plain")

    return Handler


@contextmanager
def running_site() -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(Site(0)))
    site = Site(server.server_address[1])
    server.RequestHandlerClass = handler(site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.stop.set()
        server.shutdown()
        server.server_close()
