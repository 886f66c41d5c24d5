"""PEP 740 attestations for `publish`: minted with the job's ambient OIDC identity through Sigstore
(`sigstore` signs, `pypi-attestations` makes the PEP 740 objects), verified here against the
workflow that runs, written beside each distribution as `<file>.publish.attestation` (where
`uv publish` picks them up), and read back from the index's integrity API after the upload.

Everything Sigstore-facing runs under one `Deadline` (`attestations-timeout`): sigstore's HTTP
clients set no timeouts of their own, so the work runs under `Deadline.run` (a daemon thread the
command stops waiting for); this module's own requests read through the one bounded reader."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

from release_actions.answers import Malformed, json_field, parse_json
from release_actions.deadline import Deadline, DeadlineExceeded
from release_actions.distributions import Distribution
from release_actions.errors import CheckFailed, InputError
from release_actions.gha import Console

if TYPE_CHECKING:
    from sigstore.models import ClientTrustConfig

SUFFIX = ".publish.attestation"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "sigstore"
MAX_OIDC_ANSWER_BYTES = 64 << 10  # an OIDC token answer is a few KiB
# The index's provenance of one file: a few KiB per attestation bundle.
MAX_PROVENANCE_BYTES = 1 << 20
PROVENANCE_REQUEST_SECONDS = 30.0

TIMED_OUT = (
    "Attestations: Sigstore did not finish within {seconds:g} s ({step}). Nothing was "
    "uploaded. Re-run the job when Sigstore answers again (status.sigstore.dev), raise "
    "`attestations-timeout`, or set `attestations: false` to publish without provenance."
)
FAILED = (
    "Attestations: {step} failed: {detail}. Nothing was uploaded. Re-run the job when Sigstore "
    "answers again, or set `attestations: false` to publish without provenance."
)
NO_TOKEN = (
    "the runner gave no OIDC token for the `sigstore` audience ({detail}); the job needs "
    "`permissions: id-token: write`"
)
WRONG_IDENTITY = "the certificate names {found}, not this workflow ({expected})"
WRONG_SUBJECT = "the signed statement names {found}, not {expected}"
REFUSED_BY_INDEX = (
    "{index} refused the upload with its attestations: {detail}. Files before the refused one "
    "may be on the index. If this index does not take PEP 740 attestations, set "
    "`attestations: false`."
)
PROVENANCE_MISMATCH = (
    "The index's provenance for {file} names {found}, not this repository's workflow "
    "({expected}). The files are uploaded; check the project's Trusted Publisher on the index."
)

T = TypeVar("T")


@dataclass(frozen=True)
class Signing:
    """What a signing needs: where Sigstore is, how long it may take, whom it must certify."""

    trust_config: Path | None  # None: Sigstore's public-good instance (through TUF)
    timeout: float
    repository: str
    workflow_ref: str  # owner/repo/.github/workflows/x.yml@refs/tags/v1
    server_url: str = "https://github.com"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], trust_config: Path | None,
                     timeout: float) -> Signing:
        return cls(trust_config=trust_config, timeout=timeout,
                   repository=environ.get("GITHUB_REPOSITORY", ""),
                   workflow_ref=environ.get("GITHUB_WORKFLOW_REF", ""),
                   server_url=environ.get("GITHUB_SERVER_URL") or "https://github.com")

    @property
    def identity(self) -> str:
        """The certificate SAN a consumer checks: this repository's workflow at this ref."""
        return f"{self.server_url.rstrip('/')}/{self.workflow_ref}"

    @property
    def workflow_file(self) -> str:
        return self.workflow_ref.split("@", 1)[0].rsplit("/", 1)[-1]


def attestation_path(dist: Distribution) -> Path:
    return dist.path.with_name(dist.filename + SUFFIX)


class _Progress:
    """The Sigstore step in progress, named in the error when the deadline passes first."""

    step = "starting"


def _run(deadline: Deadline, progress: _Progress, work: Callable[[], T]) -> T:
    """`work()` under the one deadline of all Sigstore work, its failures as one CheckFailed."""
    try:
        return deadline.run(work)
    except DeadlineExceeded:
        raise CheckFailed(TIMED_OUT.format(seconds=deadline.seconds, step=progress.step)) from None
    except (CheckFailed, InputError):
        raise
    except Exception as error:
        detail = " ".join(f"{type(error).__name__}: {error}".split())[:400]
        raise CheckFailed(FAILED.format(step=progress.step, detail=detail)) from None


def trust_of(signing: Signing) -> ClientTrustConfig:
    """The Sigstore that `signing` names: its trust-config file, else the public-good one."""
    from sigstore.models import ClientTrustConfig

    if signing.trust_config is None:
        return ClientTrustConfig.production()  # TUF: network, so under the deadline
    try:
        return ClientTrustConfig.from_json(signing.trust_config.read_text())
    except Exception as error:  # pydantic's and sigstore's errors share no base
        detail = " ".join(str(error).split())[:300]
        raise InputError(f"Input `sigstore-trust-config`: {signing.trust_config} is not a "
                         f"Sigstore client trust configuration ({detail}). Give the JSON with "
                         "`trustedRoot` and `signingConfig` sigstore-python reads.",
                         file=signing.trust_config) from None


def _identity_token(id_token_url: str, request_token: str, deadline: Deadline,
                    console: Console) -> str:
    from release_actions import http

    reply, body = http.get(
        id_token_url, deadline, timeout=deadline.seconds, retries=1,
        max_bytes=MAX_OIDC_ANSWER_BYTES, params={"audience": AUDIENCE},
        headers={"Authorization": f"bearer {request_token}"})
    try:
        token = str(json_field(body, "value", id_token_url) or "") if reply.ok else ""
        detail = f"HTTP {reply.status_code}"
    except Malformed as error:
        token, detail = "", f"HTTP {reply.status_code}, {error.why}"
    if not token:
        raise CheckFailed(FAILED.format(step="asking the runner for an OIDC token",
                                        detail=NO_TOKEN.format(detail=detail)))
    console.mask(token)  # before anything else can print it
    return token


def mint(dists: Sequence[Distribution], *, id_token_url: str, request_token: str,
         signing: Signing, console: Console) -> list[Path]:
    """Sign each distribution, verify the attestation here, write it beside the file."""
    started = time.monotonic()
    local_trust = trust_of(signing) if signing.trust_config else None  # a bad file: exit 2
    deadline = Deadline.after(signing.timeout)
    progress = _Progress()

    def work() -> list[Path]:
        from pypi_attestations import Attestation
        from pypi_attestations import Distribution as AttestedFile
        from sigstore.oidc import IdentityToken
        from sigstore.sign import SigningContext

        progress.step = "reading Sigstore's trust configuration"
        trust = local_trust or trust_of(signing)
        progress.step = "asking the runner for an OIDC token"
        token = _identity_token(id_token_url, request_token, deadline, console)
        progress.step = "asking Fulcio for a signing certificate"
        context = SigningContext.from_trust_config(trust)
        written = []
        with context.signer(IdentityToken(token)) as signer:
            for dist in dists:
                progress.step = f"signing {dist.filename} (Rekor)"
                attestation = Attestation.sign(signer, AttestedFile.from_file(dist.path))
                progress.step = f"verifying the attestation of {dist.filename}"
                verify(attestation.model_dump_json().encode(), dist, signing, trust)
                path = attestation_path(dist)
                partial = path.with_name(path.name + ".partial")
                partial.write_text(attestation.model_dump_json())
                partial.replace(path)
                written.append(path)
        return written

    written = _run(deadline, progress, work)
    console.info(f"Attestations: {len(written)} minted and verified for {signing.identity} "
                 f"({time.monotonic() - started:.2f} s)")
    return written


def verify(raw: bytes, dist: Distribution, signing: Signing,
           trust: ClientTrustConfig | None = None) -> None:
    """Refuse (CheckFailed) an attestation that Sigstore's verifier refuses, that another
    workflow signed, or whose statement names another file or other bytes."""
    from pypi_attestations import Attestation
    from sigstore.verify import Verifier, policy

    trust = trust or trust_of(signing)
    attestation = Attestation.model_validate_json(raw)
    verifier = Verifier(trusted_root=trust.trusted_root)
    try:
        _, payload = verifier.verify_dsse(attestation.to_bundle(), policy.Identity(
            identity=signing.identity, issuer=GITHUB_ISSUER))
    except Exception as error:  # sigstore raises VerificationError, ValueError, InvalidBundle
        found = _certified_identity(attestation)
        why = (WRONG_IDENTITY.format(found=found, expected=signing.identity)
               if found and found != signing.identity else str(error))
        raise CheckFailed(f"Attestations: the attestation of {dist.filename} does not verify: "
                          f"{why}. Nothing was uploaded.") from None
    subject = json.loads(payload)["subject"][0]
    found = f"{subject['name']} sha256 {subject['digest'].get('sha256')}"
    expected = f"{dist.filename} sha256 {dist.sha256}"
    if found != expected:
        raise CheckFailed(f"Attestations: the attestation of {dist.filename} does not verify: "
                          f"{WRONG_SUBJECT.format(found=found, expected=expected)}. Nothing "
                          "was uploaded.")


def _certified_identity(attestation: Any) -> str:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(attestation.verification_material.certificate)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return ", ".join(str(n.value) for n in names)
    except (ValueError, x509.ExtensionNotFound):
        return ""


# --- after the upload: the index's integrity API -------------------------------------------------


def integrity_url(index: str, project: str, version: str, filename: str) -> str:
    """PyPI's provenance endpoint for a file, on the host of the index's simple API."""
    parts = urlsplit(index)
    return (f"{parts.scheme}://{parts.netloc}/integrity/{quote(project)}/{quote(version)}/"
            f"{quote(filename)}/provenance")


def check_provenance(dists: Sequence[Distribution], index: str, signing: Signing,
                     console: Console) -> str:
    """`verified` when the index serves, for every file, provenance naming this repository's
    workflow; `unavailable` when it has no integrity API; CheckFailed when it names another."""
    from requests import RequestException

    from release_actions import http

    deadline = Deadline.after(signing.timeout)
    expected = f"{signing.repository} {signing.workflow_file}"
    for dist in dists:
        url = integrity_url(index, dist.name, str(dist.version), dist.filename)
        try:
            reply, body = http.get(url, deadline, timeout=PROVENANCE_REQUEST_SECONDS, retries=1,
                                   max_bytes=MAX_PROVENANCE_BYTES,
                                   headers={"Accept": "application/vnd.pypi.integrity.v1+json"})
            document = parse_json(body, url) if reply.ok else None
        except (RequestException, Malformed):
            document = None
        if not isinstance(document, dict):
            console.info(f"Provenance: {url} answers no provenance: the index has no "
                         "integrity API (provenance `unavailable`).")
            return "unavailable"
        found = _publishers(document)
        if expected not in found:
            raise CheckFailed(PROVENANCE_MISMATCH.format(
                file=dist.filename, found=", ".join(sorted(found)) or "no GitHub publisher",
                expected=expected))
    console.info(f"Provenance: the index names {expected} for every file")
    return "verified"


def _publishers(document: Mapping[str, Any]) -> set[str]:
    bundles = document.get("attestation_bundles")
    found = set()
    for bundle in bundles if isinstance(bundles, list) else []:
        publisher = bundle.get("publisher") if isinstance(bundle, dict) else None
        if isinstance(publisher, dict) and publisher.get("kind") == "GitHub":
            found.add(f"{publisher.get('repository')} {publisher.get('workflow')}")
    return found

