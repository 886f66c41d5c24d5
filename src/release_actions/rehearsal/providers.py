"""Local stand-ins for OpenAI-compatible LLM providers: a real HTTP server on 127.0.0.1 (port 0)
in a thread, with one behaviour each. Used by the integration-gate tests, its act test and
`bench/gate.py`."""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from release_actions.rehearsal.servers import LocalServer

# What a server does with a probe.
OK = "ok"
HANG = "hang"  # read the request, never answer
RESET = "reset"  # read the request, then close the connection with a TCP reset
TRICKLE = "trickle"  # send a 200 header, then one body byte every 0.2 s, forever
NO_CHOICES = "no-choices"  # 200 with a JSON body that has no `choices`
STATUS_CODES = {"401": 401, "403": 403, "404": 404, "429": 429, "500": 500, "503": 503}
BEHAVIOURS = (OK, HANG, RESET, TRICKLE, NO_CHOICES, *STATUS_CODES)
# What each refusal stands for; the message echoes the Authorization header (masking tests).
SIMULATING = {401: "a wrong key", 403: "a key without access", 404: "an unknown model",
              429: "rate limiting", 500: "a server error", 503: "an overloaded server"}


@dataclass(frozen=True)
class Received:
    path: str
    authorization: str
    body: dict[str, object]


class FakeProvider(LocalServer):
    """`with FakeProvider("ok") as server:` → `server.base_url` answers POST /v1/chat/completions.

    `answer_after` holds the answer until that event is set (orderings without timing); `delay`
    stands for the network's round trip (the bench). Error answers echo the Authorization header
    back, as careless providers do, to prove redaction."""

    def __init__(self, behaviour: str, *, answer_after: threading.Event | None = None,
                 delay: float = 0.0) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}")
        self.behaviour = behaviour
        self.answer_after = answer_after
        self.delay = delay
        self.received: list[Received] = []
        self.arrived = threading.Event()  # a probe reached the server
        self.answered = threading.Event()  # the server sent its whole answer
        super().__init__()

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                authorization = self.headers.get("Authorization", "")
                fake.received.append(Received(self.path, authorization, json.loads(raw or "{}")))
                fake.arrived.set()
                if fake.answer_after is not None:
                    fake.answer_after.wait()
                if fake.delay:
                    fake.stopping.wait(fake.delay)
                self.answer(fake.behaviour, authorization)
                fake.answered.set()

            def answer(self, behaviour: str, authorization: str) -> None:
                if self.path != "/v1/chat/completions":
                    self.send_json(404, {"error": {"message": f"no route {self.path}"}})
                elif behaviour == OK:
                    self.send_json(200, {
                        "id": "chatcmpl-fake", "object": "chat.completion",
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": "OK"}}],
                        "usage": {"prompt_tokens": 12, "completion_tokens": 1,
                                  "total_tokens": 13},
                    })
                elif behaviour == NO_CHOICES:
                    self.send_json(200, {"id": "chatcmpl-fake", "object": "chat.completion"})
                elif behaviour == HANG:
                    fake.stopping.wait()
                    self.close_connection = True
                elif behaviour == RESET:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.wfile = io.BytesIO()  # nothing left to flush on the closed socket
                    self.close_connection = True
                elif behaviour == TRICKLE:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    while not fake.stopping.wait(0.2):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    self.close_connection = True
                else:
                    status = STATUS_CODES[behaviour]
                    self.send_json(status, {"error": {
                        "message": f"Stand-in provider simulating {SIMULATING[status]}: the "
                                   f"request with {authorization} refused (HTTP {status})",
                        "type": "invalid_request_error",
                    }})

            def send_json(self, status: int, document: dict[str, object]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

        return Handler


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (the port was bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@contextmanager
def fake_providers(*behaviours: str, delay: float = 0.0) -> Iterator[list[FakeProvider]]:
    """Several servers at once, stopped together."""
    servers = [FakeProvider(behaviour, delay=delay) for behaviour in behaviours]
    for server in servers:
        server.__enter__()
    try:
        yield servers
    finally:
        for server in servers:
            server.__exit__(None, None, None)
