"""Local stand-ins for Sigstore: an OIDC issuer (the runner's token endpoint), Fulcio (a local CA
that issues short-lived certificates with the GitHub workflow identity extensions and an embedded
SCT) and Rekor v1 (records entries; answers inclusion proofs, signed checkpoints and signed entry
timestamps from a local key). `LocalSigstore.trust_config()` is the client trust configuration
(trusted root + signing config) that points sigstore at them: no library is patched.

Only `cryptography` (it comes with sigstore) is used; the servers follow the wire
formats sigstore-python reads, so a real `sigstore` client signs against them and a real verifier
checks what they answered."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from release_actions.rehearsal.servers import LocalServer

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
SCT_OID = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
# Fulcio's certificate extensions (docs/oid-info.md in sigstore/fulcio): raw-string issuer (v1)
# and the DER UTF8String claims (v2) that PyPI and pypi-attestations read.
FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
FULCIO_CLAIMS = {
    "1.3.6.1.4.1.57264.1.8": "iss",
    "1.3.6.1.4.1.57264.1.9": "build_signer_uri",
    "1.3.6.1.4.1.57264.1.10": "workflow_sha",
    "1.3.6.1.4.1.57264.1.11": "runner_environment",
    "1.3.6.1.4.1.57264.1.12": "source_repository_uri",
    "1.3.6.1.4.1.57264.1.13": "workflow_sha",
    "1.3.6.1.4.1.57264.1.14": "ref",
    "1.3.6.1.4.1.57264.1.18": "build_signer_uri",
    "1.3.6.1.4.1.57264.1.21": "run_invocation_uri",
}
CERT_LIFETIME = dt.timedelta(minutes=10)


def _der_utf8(text: str) -> bytes:
    raw = text.encode()
    return bytes([0x0C]) + _der_length(len(raw)) + raw


def _der_octets(raw: bytes) -> bytes:
    return bytes([0x04]) + _der_length(len(raw)) + raw


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: ec.EllipticCurvePublicKey) -> bytes:
    """The log and CT key id sigstore uses: SHA-256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(_spki(key)).digest()


def _canonical(obj: object) -> bytes:
    """RFC 8785 (JCS) for what the stand-ins sign: objects of strings and integers only."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unsigned_jwt_part(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


@dataclass(frozen=True)
class WorkflowIdentity:
    """The GitHub Actions job a token speaks for."""

    repository: str = "octo-org/octo-lib"
    workflow: str = ".github/workflows/release.yml"
    ref: str = "refs/tags/v1.0.0"
    sha: str = "0" * 40
    server: str = "https://github.com"
    environment: str = ""  # the job's `environment:`; GitHub sends the claim only with one
    run_id: str = "1"
    run_number: str = "1"
    event_name: str = "push"

    @property
    def workflow_uri(self) -> str:
        """The certificate's SAN: the identity a consumer checks."""
        return f"{self.server}/{self.repository}/{self.workflow}@{self.ref}"

    @property
    def workflow_ref(self) -> str:
        """GITHUB_WORKFLOW_REF, and the token's workflow_ref and job_workflow_ref (the same for
        a job of a top-level workflow)."""
        return f"{self.repository}/{self.workflow}@{self.ref}"

    def claims(self, audience: str, now: dt.datetime) -> dict[str, Any]:
        """What GitHub's token for this job says (docs.github.com, "About security hardening
        with OpenID Connect"): `sub` names the environment when the job has one."""
        stamp = int(now.timestamp())
        subject = (f"environment:{self.environment}" if self.environment else f"ref:{self.ref}")
        return {
            "iss": GITHUB_ISSUER, "aud": audience, "iat": stamp, "nbf": stamp,
            "exp": stamp + 300, "sub": f"repo:{self.repository}:{subject}",
            "repository": self.repository,
            "repository_owner": self.repository.split("/")[0],
            "ref": self.ref, "ref_type": "tag" if self.ref.startswith("refs/tags/") else "branch",
            "sha": self.sha, "workflow_ref": self.workflow_ref,
            "workflow_sha": self.sha, "job_workflow_ref": self.workflow_ref,
            "job_workflow_sha": self.sha, "event_name": self.event_name,
            "run_id": self.run_id, "run_number": self.run_number, "run_attempt": "1",
            "runner_environment": "github-hosted",
            **({"environment": self.environment} if self.environment else {}),
        }


def identity_token(identity: WorkflowIdentity, audience: str = "sigstore") -> str:
    """A JWT shaped like the runner's (signed with a local key: Fulcio stand-in trusts it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    header = _unsigned_jwt_part({"alg": "ES256", "typ": "JWT", "kid": "local"})
    payload = _unsigned_jwt_part(identity.claims(audience, dt.datetime.now(dt.timezone.utc)))
    signature = key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


# -- Merkle tree (RFC 6962), the proofs Rekor answers ------------------------------------------

def _leaf(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def merkle_root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def audit_path(index: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*audit_path(index, leaves[:k]), merkle_root(leaves[k:])]
    return [*audit_path(index - k, leaves[k:]), merkle_root(leaves[:k])]


# -- the authorities: keys, CA, CT log, transparency log ----------------------------------------

@dataclass
class Authorities:
    """The local keys and CA behind the stand-ins, and the records they keep."""

    ca_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    ct_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    log_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    origin: str = "rekor.local - 1"
    bodies: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    not_before: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))

    def __post_init__(self) -> None:
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "local sigstore"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "local fulcio root")])
        self.ca_cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_before + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()),
                           critical=False)
            .sign(self.ca_key, hashes.SHA256()))

    # Fulcio ----------------------------------------------------------------------------------
    def issue(self, csr_pem: bytes, token: str) -> list[str]:
        """The PEM chain for a CSR: leaf (with the token's identity and an embedded SCT), root."""
        csr = x509.load_pem_x509_csr(csr_pem)
        claims = _claims(token)
        workflow = f"https://github.com/{claims['job_workflow_ref']}"
        values = {**claims, "build_signer_uri": workflow,
                  "source_repository_uri": f"https://github.com/{claims['repository']}",
                  "workflow_sha": claims["sha"],
                  "run_invocation_uri": f"https://github.com/{claims['repository']}/actions/"
                                        f"runs/{claims.get('run_id', '1')}/attempts/1"}
        now = dt.datetime.now(dt.timezone.utc)
        builder = (
            x509.CertificateBuilder().subject_name(x509.Name([]))
            .issuer_name(self.ca_cert.subject).public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(seconds=1))
            .not_valid_after(now + CERT_LIFETIME)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(workflow)]), critical=True)
            .add_extension(x509.UnrecognizedExtension(
                ObjectIdentifier(FULCIO_ISSUER_V1), claims["iss"].encode()), critical=False))
        for oid, claim in FULCIO_CLAIMS.items():
            builder = builder.add_extension(x509.UnrecognizedExtension(
                ObjectIdentifier(oid), _der_utf8(str(values[claim]))), critical=False)
        # The SCT signs the certificate without its SCT list (the precertificate's TBS):
        # build once with a placeholder to learn it, then again with the real list.
        draft = builder.add_extension(
            x509.UnrecognizedExtension(SCT_OID, _der_octets(b"\x00\x00")), critical=False,
        ).sign(self.ca_key, hashes.SHA256())
        sct = self._sct(draft.tbs_precertificate_bytes, now)
        leaf = builder.add_extension(
            x509.UnrecognizedExtension(SCT_OID, _der_octets(sct)), critical=False,
        ).sign(self.ca_key, hashes.SHA256())
        return [c.public_bytes(serialization.Encoding.PEM).decode()
                for c in (leaf, self.ca_cert)]

    def _sct(self, tbs: bytes, now: dt.datetime) -> bytes:
        """An RFC 6962 SignedCertificateTimestampList with one precert SCT from the CT key."""
        stamp = int(now.timestamp() * 1000)
        issuer_hash = key_id(self.ca_key.public_key())
        signed = (struct.pack("!BBQH", 0, 0, stamp, 1) + issuer_hash
                  + len(tbs).to_bytes(3, "big") + tbs + struct.pack("!H", 0))
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (struct.pack("!B", 0) + key_id(self.ct_key.public_key())
               + struct.pack("!QH", stamp, 0) + struct.pack("!BBH", 4, 3, len(signature))
               + signature)
        return struct.pack("!HH", len(sct) + 2, len(sct)) + sct

    # Rekor ------------------------------------------------------------------------------------
    def record(self, proposed: dict[str, Any]) -> dict[str, Any]:
        """Records a proposed dsse or hashedrekord entry; Rekor v1's answer for it."""
        body = _canonical(_canonical_entry(proposed))
        with self.lock:
            self.bodies.append(body)
            index, leaves = len(self.bodies) - 1, [_leaf(b) for b in self.bodies]
        root = merkle_root(leaves)
        log_id = key_id(self.log_key.public_key())
        integrated = int(dt.datetime.now(dt.timezone.utc).timestamp())
        payload: dict[str, str | int] = {"body": _b64(body), "integratedTime": integrated,
                   "logID": log_id.hex(), "logIndex": index}
        entry: dict[str, Any] = {
            **payload,
            "verification": {
                "signedEntryTimestamp": _b64(self.log_key.sign(
                    _canonical(payload), ec.ECDSA(hashes.SHA256()))),
                "inclusionProof": {
                    "logIndex": index, "treeSize": len(leaves), "rootHash": root.hex(),
                    "hashes": [h.hex() for h in audit_path(index, leaves)],
                    "checkpoint": self._checkpoint(len(leaves), root),
                },
            },
        }
        return {hashlib.sha256(body).hexdigest(): entry}

    def _checkpoint(self, size: int, root: bytes) -> str:
        note = f"{self.origin}\n{size}\n{_b64(root)}\n"
        signature = self.log_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        hint = key_id(self.log_key.public_key())[:4]
        return f"{note}\n\u2014 {self.origin.split()[0]} {_b64(hint + signature)}\n"

    # the trust configuration -------------------------------------------------------------------
    def trusted_root(self, rekor_url: str, fulcio_url: str) -> dict[str, Any]:
        start = {"start": self.not_before.strftime("%Y-%m-%dT%H:%M:%SZ")}

        def log(url: str, key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
            return {"baseUrl": url, "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": _b64(_spki(key.public_key())),
                                  "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": start},
                    "logId": {"keyId": _b64(key_id(key.public_key()))}}

        ca_der = self.ca_cert.public_bytes(serialization.Encoding.DER)
        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(rekor_url, self.log_key)],
            "certificateAuthorities": [{
                "subject": {"organization": "local sigstore", "commonName": "local fulcio root"},
                "uri": fulcio_url, "certChain": {"certificates": [{"rawBytes": _b64(ca_der)}]},
                "validFor": start}],
            "ctlogs": [log(fulcio_url + "/ct", self.ct_key)],
            "timestampAuthorities": [],
        }


def _canonical_entry(proposed: dict[str, Any]) -> dict[str, Any]:
    """What Rekor v1 stores for a proposed entry (its canonicalized body)."""
    spec = proposed["spec"]
    if proposed["kind"] == "dsse":
        content = spec["proposedContent"]
        envelope = json.loads(content["envelope"])
        payload = base64.b64decode(envelope["payload"])
        return {"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256",
                             "value": hashlib.sha256(content["envelope"].encode()).hexdigest()},
            "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
            "signatures": [{"signature": s["sig"], "verifier": content["verifiers"][0]}
                           for s in envelope["signatures"]]}}
    return {"apiVersion": proposed.get("apiVersion", "0.0.1"), "kind": proposed["kind"],
            "spec": spec}


# -- the servers ------------------------------------------------------------------------------

Fault = Callable[[BaseHTTPRequestHandler], bool]


class LocalSigstore(LocalServer):
    """One local server for all three services: `/oidc` (the runner's token endpoint),
    `/api/v2/signingCert` (Fulcio) and `/rekor/api/v1/log/entries`. `fault`, when set, may answer
    a request itself (return True) to stand in for an unreachable, slow or garbage service."""

    def __init__(self, identity: WorkflowIdentity | None = None) -> None:
        self.identity = identity or WorkflowIdentity()
        self.authorities = Authorities()
        self.fault: Fault | None = None
        self.tokens_issued: list[str] = []
        self.requests: list[str] = []
        # A rehearsal's jobs: the key in each job's token URL → its identity and the request
        # token the runner would hand that job (ACTIONS_ID_TOKEN_REQUEST_TOKEN).
        self.jobs: dict[str, tuple[WorkflowIdentity, str]] = {}
        super().__init__()

    def add_job(self, identity: WorkflowIdentity) -> dict[str, str]:
        """The OIDC request variables for one job: its own URL, whose tokens carry `identity`,
        and the request token that URL wants (as the runner's endpoint does)."""
        key, request = secrets.token_hex(8), f"oidc-request-{secrets.token_hex(12)}"
        self.jobs[key] = (identity, request)
        return {"ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.root_url}/oidc/jobs/{key}/token",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": request}

    def _job_token(self, path: str, authorization: str, audience: str) -> tuple[int, object]:
        """GET /oidc/jobs/<key>/token: the job's identity token, for its request token only."""
        identity, request = self.jobs.get(path.split("/")[3], (None, ""))
        if identity is None:
            return 404, {"message": "no such job"}
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, request):
            return 401, {"message": "Bad credentials"}
        token = identity_token(identity, audience)
        self.tokens_issued.append(token)
        return 200, {"value": token}

    @property
    def fulcio_url(self) -> str:
        return self.root_url  # sigstore joins Fulcio's absolute API path onto the URL

    @property
    def rekor_url(self) -> str:
        return f"{self.root_url}/rekor"

    @property
    def oidc_url(self) -> str:
        return f"{self.root_url}/oidc/token?kind=runner"

    def trust_config(self) -> dict[str, Any]:
        """The ClientTrustConfig JSON: a trusted root and a signing config naming these servers."""
        start = {"start": self.authorities.not_before.strftime("%Y-%m-%dT%H:%M:%SZ")}

        def service(url: str) -> dict[str, Any]:
            return {"url": url, "majorApiVersion": 1, "validFor": start, "operator": "local"}

        return {
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": self.authorities.trusted_root(self.rekor_url, self.fulcio_url),
            "signingConfig": {
                "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                "caUrls": [service(self.fulcio_url)],
                "oidcUrls": [service(f"{self.root_url}/oidc")],
                "rekorTlogUrls": [service(self.rekor_url)],
                "tsaUrls": [],
                "rekorTlogConfig": {"selector": "ANY"},
                "tsaConfig": {"selector": "ANY"},
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet: tests read their own output
                return

            def _reply(self, status: int, obj: object) -> None:
                raw = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                return dict(json.loads(self.rfile.read(length) or b"{}"))

            def do_GET(self) -> None:
                owner.requests.append(f"GET {self.path}")
                if owner.fault and owner.fault(self):
                    return
                url = urlparse(self.path)
                audience = parse_qs(url.query).get("audience", ["sigstore"])[0]
                if re.fullmatch(r"/oidc/jobs/[0-9a-f]+/token", url.path):
                    self._reply(*owner._job_token(
                        url.path, self.headers.get("Authorization", ""), audience))
                    return
                if url.path == "/oidc/token":
                    token = identity_token(owner.identity, audience)
                    owner.tokens_issued.append(token)
                    self._reply(200, {"value": token})
                    return
                self._reply(404, {"message": "not found"})

            def do_POST(self) -> None:
                owner.requests.append(f"POST {self.path}")
                if owner.fault and owner.fault(self):
                    return
                body = self._body()
                if self.path == "/api/v2/signingCert":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in owner.tokens_issued:
                        self._reply(401, {"message": "unknown identity token"})
                        return
                    csr = base64.b64decode(body["certificateSigningRequest"])
                    chain = owner.authorities.issue(csr, token)
                    self._reply(201, {"signedCertificateEmbeddedSct": {
                        "chain": {"certificates": chain}}})
                elif self.path == "/rekor/api/v1/log/entries":
                    self._reply(201, owner.authorities.record(body))
                else:
                    self._reply(404, {"message": "not found"})

        return Handler
