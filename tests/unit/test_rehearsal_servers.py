"""The stand-ins' local servers stop at once and cleanly although they sleep while idle: the
connection that wakes a stopping server is no request, and nothing listens afterwards."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler

import pytest
import requests
from devtools.fault_server import ECHO, FaultServer

from release_actions.rehearsal.servers import serving
from release_actions.rehearsal.tp_index import AttestingIndex

SEEN: list[str] = []  # the paths Hello answered


class Hello(BaseHTTPRequestHandler):

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        SEEN.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")


def _refused(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


def test_a_served_handler_answers_then_stops_listening() -> None:
    SEEN.clear()
    with serving(Hello) as port:
        assert requests.get(f"http://127.0.0.1:{port}/a", timeout=5).text == "hello"

    assert SEEN == ["/a"]
    _refused(port)


def test_the_wake_up_of_a_stopping_server_is_no_request() -> None:
    with FaultServer(ECHO) as server:
        requests.get(f"{server.url}/one", timeout=5)
        port = int(server.url.rsplit(":", 1)[1])

    assert [request["path"] for request in server.requests] == ["/one"]
    assert not server._thread.is_alive()
    _refused(port)


def test_the_https_index_stops_after_its_tls_listener_is_woken() -> None:
    with AttestingIndex() as index:
        answer = requests.get(f"{index.simple_url}nothing/", verify=str(index.ca_file), timeout=5)
        assert answer.status_code == 404  # answered over TLS: no such project
        port = int(index.root_url.rsplit(":", 1)[1])

    assert not index._thread.is_alive()
    _refused(port)
