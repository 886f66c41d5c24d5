"""The repository's origin as GitHub serves git to a job, on 127.0.0.1: smart HTTP (`git
http-backend` behind a small CGI bridge) that takes a token as basic auth (`x-access-token:
<token>`, any user name) and decides as GitHub does from what the token's job was granted.

The decision (`decide`): a push (receive-pack) needs `contents: write`, else GitHub's 403
`Permission to OWNER/NAME.git denied to github-actions[bot].`; a fetch (upload-pack) needs
`contents: read` unless the repository is public. A rehearsal takes the repository as public
(packages published to PyPI mostly are): any job may fetch, with or without a token, as on
GitHub; `public=False` is GitHub's private repository. No credential at all where one is needed
answers 401, on which git asks for a user name (a runner has no terminal: the push fails). A
token the stand-in does not know (a PAT or App token from a secret) may do anything, as in the
API stand-in. Every Authorization header is recorded, so a test can prove which credential a
git command carried."""

from __future__ import annotations

import base64
import binascii
import re
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from release_actions.rehearsal.permissions import allows
from release_actions.rehearsal.servers import serving

if TYPE_CHECKING:
    from release_actions.workflows import Workflow

# GitHub's words, shown by git as `remote: ...` before its own `fatal:` line.
DENIED = "Permission to {repository}.git denied to github-actions[bot]."
NOT_FOUND = "Repository not found."
BAD_CREDENTIAL = ("Invalid username or token. Password authentication is not supported for Git "
                  "operations.")
TWO_CREDENTIALS = "More than one Authorization header: send one credential."

PUSH = "git-receive-pack"
FETCH = "git-upload-pack"
_RELAYED = ("Content-Type", "Content-Encoding", "Git-Protocol")
_PATH = re.compile(r"^/([^/]+)/([^/]+?)(?:\.git)?(/.*)$")


@dataclass(frozen=True)
class Refusal:
    status: int  # 401: git asks for credentials; 403, 404: git shows `message` and stops
    message: str = ""


@dataclass(frozen=True)
class Credential:
    """What an Authorization header carried: the token, or why it is no credential at all."""

    token: str = ""
    problem: str = ""


def credential(headers: list[str]) -> Credential | None:
    """The token of the request's Authorization headers (basic auth, the token as password);
    None without any header."""
    if not headers:
        return None
    if len(headers) > 1:
        return Credential(problem=TWO_CREDENTIALS)
    scheme, _, encoded = headers[0].strip().partition(" ")
    try:
        user_and_token = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return Credential(problem=BAD_CREDENTIAL)
    _user, colon, token = user_and_token.partition(":")
    if scheme.lower() != "basic" or not colon or not token:
        return Credential(problem=BAD_CREDENTIAL)
    return Credential(token)


def decide(service: str, sent: Credential | None, tokens: Mapping[str, Mapping[str, str]],
           repository: str, *, public: bool = True) -> Refusal | None:
    """None when GitHub would serve `service` for `repository` to this credential; else how
    it refuses. `tokens`: token → the scopes its job was granted."""
    if sent is not None and sent.problem:
        return Refusal(401, sent.problem)
    writes = service == PUSH
    if sent is None:
        return None if public and not writes else Refusal(401)
    scopes = tokens.get(sent.token)
    if scopes is None:
        return None  # not a job's token: the rehearsal cannot judge it
    readable = public or allows(dict(scopes), "contents", "read")
    if not readable:
        return Refusal(404, NOT_FOUND)
    if writes and not allows(dict(scopes), "contents", "write"):
        return Refusal(403, DENIED.format(repository=repository))
    return None


def service_of(path: str, query: str) -> str:
    """receive-pack for a push's two requests, upload-pack for everything else."""
    asked = parse_qs(query).get("service", [""])[0]
    return PUSH if asked == PUSH or path.endswith(f"/{PUSH}") else FETCH


@dataclass
class GitOrigin:
    repositories: dict[str, Path]  # owner/name → bare repository
    tokens: dict[str, dict[str, str]]  # token → scopes, shared with the API stand-in
    public: bool = True
    url: str = ""
    authorizations: list[str] = field(default_factory=list)

    def repository_url(self, repository: str) -> str:
        return f"{self.url}/{repository}.git"

    def find(self, owner: str, name: str) -> tuple[str, Path] | None:
        """As GitHub, owner and name in any case."""
        wanted = f"{owner}/{name}".lower()
        return next(((key, path) for key, path in self.repositories.items()
                     if key.lower() == wanted), None)


class _Handler(BaseHTTPRequestHandler):
    origin: GitOrigin

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        headers = self.headers.get_all("Authorization") or []
        self.origin.authorizations.extend(headers)
        matched = _PATH.match(parts.path)
        found = self.origin.find(matched.group(1), matched.group(2)) if matched else None
        if matched is None or found is None:
            self._refuse(Refusal(404, NOT_FOUND))
            return
        repository, folder = found
        refusal = decide(service_of(parts.path, parts.query), credential(headers),
                         self.origin.tokens, repository, public=self.origin.public)
        if refusal is not None:
            self._refuse(refusal)
            return
        self._relay(_backend(folder, method, matched.group(3), parts.query, body,
                             {key: self.headers.get(key, "") for key in _RELAYED}))

    def _body(self) -> bytes:
        """The request body; git sends a large push chunked."""
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        return b"".join(chunks)

    def _refuse(self, refusal: Refusal) -> None:
        data = f"{refusal.message}\n".encode() if refusal.message else b""
        self.send_response(refusal.status)
        if refusal.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _relay(self, output: bytes) -> None:
        head, _, body = output.partition(b"\r\n\r\n")
        headers = [line.split(":", 1) for line in head.decode().splitlines() if ":" in line]
        status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
        self.send_response(status)
        for key, value in headers:
            if key.lower() != "status":
                self.send_header(key, value.strip())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _backend(folder: Path, method: str, rest: str, query: str, body: bytes,
             headers: Mapping[str, str]) -> bytes:
    environ = {
        "GIT_PROJECT_ROOT": str(folder.parent), "GIT_HTTP_EXPORT_ALL": "1",
        # http-backend serves receive-pack only to an authenticated user; decide() judged it.
        "REMOTE_USER": "x-access-token", "REQUEST_METHOD": method,
        "PATH_INFO": f"/{folder.name}{rest}", "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
        "HTTP_CONTENT_ENCODING": headers.get("Content-Encoding", ""),
        "GIT_PROTOCOL": headers.get("Git-Protocol", ""),
    }
    return subprocess.run(["git", "http-backend"], input=body, env=environ,
                          capture_output=True, check=False).stdout


@contextmanager
def git_origin(repositories: dict[str, Path], tokens: dict[str, dict[str, str]], *,
               public: bool = True) -> Iterator[GitOrigin]:
    """Serve `repositories` (owner/name → bare repository) at `<url>/owner/name(.git)` on
    127.0.0.1 for the duration of the block."""
    state = GitOrigin(repositories, tokens, public)
    handler = type("Handler", (_Handler,), {"origin": state})
    with serving(handler) as port:
        state.url = f"http://127.0.0.1:{port}"
        yield state


# --- what a failed job's log says about git ---------------------------------------------------

PUSH_DENIED_FIX = (
    "job `{job}` of {file} pushed to origin with a token that may not write the repository: "
    "GitHub answers 403 `{denied}`. Give the job `permissions: contents: write` (a job's own "
    "`permissions:` replace the workflow's), or push with a GitHub App token or PAT that may."
)
NO_CREDENTIAL_FIX = (
    "job `{job}` of {file} reached origin without a credential (on GitHub: `could not read "
    "Username for 'https://github.com'`): its checkout has `persist-credentials: false`, so git "
    "kept no token for later steps. Set `persist-credentials: true` on that checkout (doctor "
    "accepts it in a job that pushes) and give the job `permissions: contents: write`, or pass "
    "a token to the push itself."
)
_JOB_LINE = r"^\[[^\]/]+/([^\]]+)\].*?"
_DENIED_LINE = re.compile(_JOB_LINE + r"(Permission to \S+ denied to github-actions\[bot\])",
                          re.M)
_NO_CREDENTIAL_LINE = re.compile(_JOB_LINE + r"could not read Username for 'http://127\.0\.0\.1",
                                 re.M)


def refusal_fix(file: str, log: str, failed: set[str]) -> str:
    """The fix for the first job of `failed` whose git the server refused (from act's log of
    the run), or "" when git is not why any failed."""
    for job, denied in _DENIED_LINE.findall(log):
        if job.strip() in failed:
            return PUSH_DENIED_FIX.format(job=job.strip(), file=file, denied=denied)
    for job in _NO_CREDENTIAL_LINE.findall(log):
        if job.strip() in failed:
            return NO_CREDENTIAL_FIX.format(job=job.strip(), file=file)
    return ""


def checkout_fix(workflow: Workflow | None, job_id: str, command: str) -> str:
    """The fix for a failed push (`command`) by `job_id` when act's log lost git's own words
    (act may drop the last lines of a failed step): a checkout of that job with
    `persist-credentials: false` left git no credential, as on GitHub. "" otherwise."""
    from release_actions.workflow_audit import PUSH_RUN, is_checkout

    job = next((job for job in workflow.jobs if job.id == job_id), None) if workflow else None
    if job is None or workflow is None or not PUSH_RUN.search(command):
        return ""
    for step in filter(is_checkout, job.steps):
        persist = step.inputs.get("persist-credentials")
        if persist is not None and persist.text.lower() == "false":
            return NO_CREDENTIAL_FIX.format(job=job_id, file=workflow.name)
    return ""
