"""An index stand-in (tests, rehearsals) that does what PyPI does with PEP 740
attestations: Trusted Publishing (`/_/oidc/audience`, `/_/oidc/mint-token`), the legacy upload
with its `attestations` form field (refused, as PyPI does, when an attestation does not name the
uploaded file's sha256 or when a file comes without one after the first came with one), the
simple API (JSON), the JSON API (`/pypi/<project>/json`, what tag-guard reads) and the
integrity API (`GET /integrity/<project>/<version>/<filename>/provenance`). Uploads take only
the API tokens its Trusted Publishing exchange minted, as PyPI's do for a project without
passwords.

    with AttestingIndex() as index:
        ... uv publish --trusted-publishing always --publish-url index.upload_url ...
        index.attestations  # filename -> the attestation JSON objects uploaded with it
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import secrets
import ssl
import tempfile
import threading
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from release_actions.rehearsal.servers import stop

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
# PyPI's answer to a token no trusted publisher matches (warehouse/oidc/views.py).
INVALID_PUBLISHER = {"message": "Token request failed", "errors": [{
    "code": "invalid-publisher",
    "description": "valid token, but no corresponding publisher (Publisher with matching claims "
                   "was not found)"}]}


@dataclass(frozen=True)
class TrustedPublisher:
    """A GitHub trusted publisher as PyPI's form holds it: repository, workflow file name and,
    when set, the environment."""

    repository: str
    workflow: str
    environment: str = ""

    def matches(self, claims: dict[str, Any]) -> bool:
        """PyPI's checks: the repository, the workflow file the job runs in (job_workflow_ref)
        and, only when the publisher names one, the environment (case-insensitively)."""
        workflow_path = str(claims.get("job_workflow_ref", "")).split("@")[0]
        return (str(claims.get("repository", "")).lower() == self.repository.lower()
                and workflow_path.lower() == (f"{self.repository}/.github/workflows/"
                                              f"{self.workflow}").lower()
                and (not self.environment or str(claims.get("environment", "")).lower()
                     == self.environment.lower()))


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def release_of(filename: str) -> tuple[str, str]:
    """A distribution file's project (normalized) and version, read from its name."""
    name, version = (parse_wheel_filename(filename)[:2] if filename.endswith(".whl")
                     else parse_sdist_filename(filename))
    return str(name), str(version)


def _certificate(name: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
                 signer: ec.EllipticCurvePrivateKey, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _server_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A local CA and a certificate for 127.0.0.1 it signed (uv asks for Trusted Publishing over
    https only, and refuses a CA certificate as the server's)."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("local index CA", ca_key, x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "local index CA")]), ca_key, ca=True)
    leaf = _certificate("127.0.0.1", key, ca.subject, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    files = folder / "ca.pem", folder / "index.pem", folder / "index.key"
    files[0].write_bytes(ca.public_bytes(pem))
    files[1].write_bytes(leaf.public_bytes(pem))
    files[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return files


def trusted_roots() -> list[Path]:
    """The bundles this machine trusts now (a proxy's CA in SSL_CERT_FILE, the system's) and
    certifi's: the jobs' bundle replaces them, so a step that reaches a real index keeps working."""
    named = (os.environ.get("SSL_CERT_FILE"), os.environ.get("REQUESTS_CA_BUNDLE"),
             ssl.get_default_verify_paths().cafile, certifi.where())
    found: dict[Path, None] = {}
    for name in named:
        if name and Path(name).is_file():
            found.setdefault(Path(name).resolve())
    return list(found)


class AttestingIndex:
    """Served over https by a local CA's certificate: `ca_file` is this machine's roots plus that
    CA, for SSL_CERT_FILE (uv) and REQUESTS_CA_BUNDLE (requests)."""

    def __init__(self, *, integrity_api: bool = True, accepts_attestations: bool = True,
                 publisher: TrustedPublisher | None = None,
                 publishers: tuple[TrustedPublisher, ...] = ()) -> None:
        self.integrity_api = integrity_api
        # The project's trusted publishers (PyPI allows several); none: any GitHub token.
        self.trusted = (publisher, *publishers) if publisher else publishers
        self.accepts_attestations = accepts_attestations
        self.files: dict[str, bytes] = {}
        self.projects: dict[str, list[str]] = {}
        self.attestations: dict[str, list[dict[str, Any]]] = {}
        self.publishers: dict[str, dict[str, Any]] = {}
        self.uploads: list[str] = []  # every upload attempt's filename, in order
        self.uploaded_by: dict[str, dict[str, Any]] = {}  # filename -> the exchanged claims
        self._api_tokens: dict[str, dict[str, Any]] = {}  # minted API token -> OIDC claims
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._folder = tempfile.TemporaryDirectory(prefix="attesting-index-")
        ca_file, cert_file, key_file = _server_certificate(Path(self._folder.name))
        self.ca_file = Path(self._folder.name) / "ca-bundle.pem"
        self.ca_file.write_text("".join(path.read_text() for path in trusted_roots())
                                + ca_file.read_text())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> AttestingIndex:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self._server)
        self._folder.cleanup()

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"https://{host!s}:{port}"

    @property
    def upload_url(self) -> str:
        return f"{self.root_url}/legacy/"

    @property
    def simple_url(self) -> str:
        return f"{self.root_url}/simple/"

    @property
    def api_tokens(self) -> list[str]:
        """The API tokens the exchange minted (credentials: a rehearsal checks none leaked)."""
        return list(self._api_tokens)

    def forget(self, filename: str) -> None:
        """Lose a stored file, as after a partial upload."""
        with self._lock:
            del self.files[filename]
            self.attestations.pop(filename, None)
            for names in self.projects.values():
                if filename in names:
                    names.remove(filename)

    def _upload(self, form: dict[str, bytes], filename: str, claims: dict[str, Any],
                ) -> tuple[int, str]:
        content = form["content"]
        digest = hashlib.sha256(content).hexdigest()
        with self._lock:
            self.uploads.append(filename)
            if filename in self.files:
                return 400, f"File already exists ({filename})"
            raw = form.get("attestations")
            attested = json.loads(raw) if raw else []
            if attested and not self.accepts_attestations:
                return 400, "Attestations are not supported by this index"
            for attestation in attested:
                statement = json.loads(base64.b64decode(attestation["envelope"]["statement"]))
                subject = statement["subject"][0]
                if subject["name"] != filename or subject["digest"]["sha256"] != digest:
                    return 400, f"Invalid attestations supplied during upload: {filename}"
            project = canonicalize_name(form["name"].decode())
            self.files[filename] = content
            self.uploaded_by[filename] = claims
            self.projects.setdefault(project, []).append(filename)
            if attested:
                self.attestations[filename] = attested
                workflow = claims["job_workflow_ref"].split("@")[0].rsplit("/", 1)[-1]
                self.publishers[filename] = {"kind": "GitHub", "repository": claims["repository"],
                                             "workflow": workflow,
                                             "environment": claims.get("environment")}
        return 200, "OK"

    def _json_api(self, project: str, names: list[str]) -> dict[str, Any]:
        """PyPI's JSON API for a project: its releases, each with its files."""
        releases: dict[str, list[dict[str, Any]]] = {}
        for name in names:
            version = release_of(name)[1]
            releases.setdefault(version, []).append({
                "filename": name, "url": f"{self.root_url}/files/{name}", "yanked": False,
                "digests": {"sha256": hashlib.sha256(self.files[name]).hexdigest()}})
        return {"info": {"name": project}, "releases": releases}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _reply(self, status: int, body: bytes | str | dict[str, Any] | list[Any],
                       content_type: str = "application/json") -> None:
                if isinstance(body, dict | list):
                    body = json.dumps(body)
                raw = body.encode() if isinstance(body, str) else body
                self.send_response(status, None if status < 400 else str(body)[:200])
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                path = unquote(self.path.split("?")[0])
                parts = [p for p in path.split("/") if p]
                if path == "/_/oidc/audience":
                    self._reply(200, {"audience": "pypi"})
                elif parts[:1] == ["simple"] and len(parts) == 2:
                    names = owner.projects.get(canonicalize_name(parts[1]))
                    if names is None:
                        self._reply(404, {"message": "no such project"})
                        return
                    files = [{"filename": n, "url": f"/files/{n}",
                              "hashes": {"sha256": hashlib.sha256(owner.files[n]).hexdigest()},
                              "provenance": (f"{owner.root_url}/integrity/{parts[1]}/x/{n}/"
                                             "provenance" if n in owner.attestations else None)}
                             for n in names]
                    self._reply(200, {"meta": {"api-version": "1.1"}, "name": parts[1],
                                      "files": files}, SIMPLE_JSON)
                elif parts[:1] == ["pypi"] and len(parts) == 3 and parts[2] == "json":
                    names = owner.projects.get(canonicalize_name(parts[1]))
                    if names is None:
                        self._reply(404, {"message": "Not Found"})
                        return
                    self._reply(200, owner._json_api(parts[1], names))
                elif parts[:1] == ["files"] and len(parts) == 2 and parts[1] in owner.files:
                    self._reply(200, owner.files[parts[1]], "application/octet-stream")
                elif (owner.integrity_api and parts[:1] == ["integrity"] and len(parts) == 5
                      and parts[4] == "provenance"):
                    filename = parts[3]
                    if filename not in owner.attestations:
                        self._reply(404, {"message": "No provenance available"})
                        return
                    self._reply(200, {"version": 1, "attestation_bundles": [{
                        "publisher": owner.publishers[filename],
                        "attestations": owner.attestations[filename]}]})
                else:
                    self._reply(404, {"message": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path == "/_/oidc/mint-token":
                    claims = _claims(json.loads(body)["token"])
                    if owner.trusted and not any(p.matches(claims) for p in owner.trusted):
                        self._reply(422, INVALID_PUBLISHER)
                        return
                    token = "pypi-" + secrets.token_hex(16)
                    owner._api_tokens[token] = claims
                    self._reply(200, {"success": True, "token": token})
                    return
                if self.path.rstrip("/") != "/legacy":
                    self._reply(404, {"message": "not found"})
                    return
                user, _, password = base64.b64decode(
                    self.headers.get("Authorization", "Basic ").split()[-1] or b"",
                ).decode().partition(":")
                holder = owner._api_tokens.get(password)
                if user != "__token__" or holder is None:
                    self._reply(403, "Invalid or non-existent authentication information.",
                                "text/plain")
                    return
                message = BytesParser(policy=HTTP).parsebytes(
                    f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
                form: dict[str, bytes] = {}
                filename = ""
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True)
                    form[str(name)] = payload if isinstance(payload, bytes) else b""
                    if name == "content":
                        filename = str(part.get_filename())
                status, text = owner._upload(form, filename, holder)
                self._reply(status, text, "text/plain")

        return Handler
