"""A scriptable HTTP server on a free loopback port, for testing provider adapters offline.

Each route answers with a list of scripted replies, one per request (the last one repeats), so a test
can say "503, 503, then 200" or "429 with Retry-After: 1, then 200". Every request is recorded.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | Any = b""  # bytes/str as is; anything else is sent as JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    gzip: bool = False

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            body = self.body
        elif isinstance(self.body, str):
            body = self.body.encode()
        else:
            body = json.dumps(self.body).encode()
            headers.setdefault("Content-Type", "application/json")
        if self.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return body, headers


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Request], Reply]


class LocalServer:
    """Routes: ``server.route("POST", "/v3/x", Reply(...), Reply(...))`` or a handler function."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[tuple[str, str], list[Reply] | Handler] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def route(self, method: str, path: str, *replies: Reply | Handler) -> None:
        if len(replies) == 1 and callable(replies[0]) and not isinstance(replies[0], Reply):
            self._routes[(method, path)] = replies[0]
        else:
            self._routes[(method, path)] = list(replies)

    def requests_to(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            route = self._routes.get((request.method, request.path))
            if route is None:
                return Reply(404, {"error": f"no route {request.method} {request.path}"})
            if callable(route):
                handler = route
            else:
                reply = route.pop(0) if len(route) > 1 else route[0]
                return reply
        return handler(request)

    def start(self) -> None:
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stall)

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, parts.path, parse_qs(parts.query), dict(self.headers),
                                  self.rfile.read(length) if length else b"")
                reply = server_self._answer(request)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                body, headers = reply.encoded()
                try:
                    self.send_response(reply.status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            do_GET = do_POST = _handle  # noqa: N815 — the http.server API

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
