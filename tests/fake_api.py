"""A small HTTP API on 127.0.0.1 that a test starts, for the HTTP connector to call.

It records every request it gets (method, path, headers, body) and answers by path:

- ``/orders/<no>``   GET: 200 JSON about the order; POST: 201 echoing the JSON received
- ``/echo-auth``     200 JSON and an ``X-Echo`` header repeating the Authorization header
- ``/text``          200 text/plain
- ``/status/<n>``    answers status n with a JSON error (``Retry-After: 7`` on 429 and 503)
- ``/redirect``      302 to ``/orders/followed`` (which a client that follows would ask for)
- ``/huge``          ``size`` bytes with no Content-Length (read until the connection closes)
- ``/huge-declared`` a Content-Length of 2 MiB, then a few bytes
- ``/wait``          answers only once ``release`` is set (a test's timeout), then 200

The server stops with the test; ``release`` is set first so no handler is left waiting.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.waiting import DEADLINE


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeApi:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.huge_size = (1 << 20) + 1
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet: the test reads ``seen``
                pass

            def do_GET(self) -> None:
                api._handle(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def start(self) -> "FakeApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=DEADLINE)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        self.seen.append(Seen(h.command, h.path, dict(h.headers.items()), body))
        path = h.path.split("?")[0]
        if path.startswith("/orders/"):
            if h.command == "GET":
                self._json(h, 200, {"order_no": path.rsplit("/", 1)[1], "state": "shipped"},
                           {"ETag": '"v7"', "X-Internal": "not kept"})
            else:
                self._json(h, 201, {"received": json.loads(body or b"null")})
        elif path == "/echo-auth":
            auth = h.headers.get("Authorization", "")
            self._json(h, 200, {"you_sent": auth}, {"X-Echo": auth, "Location": f"/x/{auth}"})
        elif path == "/text":
            self._send(h, 200, "text/plain; charset=utf-8", "已发货".encode())
        elif path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            extra = {"Retry-After": "7"} if status in (429, 503) else {}
            self._json(h, status, {"error": f"status {status}"}, extra)
        elif path == "/redirect":
            self._send(h, 302, "text/plain", b"", {"Location": f"{self.base}/orders/followed"})
        elif path == "/huge":
            h.send_response(200)
            h.send_header("Content-Type", "text/plain")
            h.end_headers()
            h.close_connection = True
            try:
                h.wfile.write(b"x" * self.huge_size)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading once it had more than it takes
        elif path == "/huge-declared":
            self._send(h, 200, "text/plain", b"x" * 10, {"Content-Length": str(2 << 20)})
        elif path == "/wait":
            self.release.wait(DEADLINE)
            self._json(h, 200, {"late": True})
        else:
            self._json(h, 404, {"error": "no such path"})

    @staticmethod
    def _json(h: BaseHTTPRequestHandler, status: int, data: Any,
              headers: dict[str, str] | None = None) -> None:
        FakeApi._send(h, status, "application/json",
                      json.dumps(data, ensure_ascii=False).encode(), headers)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        headers = dict(headers or {})
        h.send_header("Content-Length", headers.pop("Content-Length", str(len(body))))
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (a response too big for it)
