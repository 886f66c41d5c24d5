"""`python -m release_actions.rehearsal.shim COMMAND`: one command as a composite action runs
it, with what reaches the real PyPI pointed at the local index instead, and what would reach
Sigstore's public-good instance pointed at the local Sigstore. Nothing else changes: publish
exchanges the job's OIDC token (the rehearsal sets ACTIONS_ID_TOKEN_REQUEST_URL only for jobs
with `id-token: write`) with the index as it would with PyPI, and a job without one refuses
exactly as on GitHub."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

from release_actions.gha import input_env_names, read_input

# What the inputs say for PyPI → the environment variable holding the local index's URL.
PYPI_URLS = {
    "https://upload.pypi.org/legacy/": "REHEARSAL_UPLOAD_URL",
    "https://pypi.org/simple/": "REHEARSAL_SIMPLE_URL",
    "https://pypi.org": "REHEARSAL_INDEX_URL",
    "https://pypi.org/": "REHEARSAL_INDEX_URL",
}


def redirect(environ: MutableMapping[str, str]) -> None:
    for key, value in list(environ.items()):
        if key.startswith("INPUT_") and value.strip() in PYPI_URLS:
            environ[key] = environ.get(PYPI_URLS[value.strip()], value)


def sigstore_stand_in(environ: MutableMapping[str, str]) -> None:
    """publish's `sigstore-trust-config` → the local Sigstore's (REHEARSAL_SIGSTORE_TRUST_CONFIG),
    whatever the workflow set: no real Sigstore is reached. The input takes a file inside the
    checkout, so a copy goes into the checkout's .git folder, which no build or commit reads
    (the checkout's root when there is none)."""
    source = environ.get("REHEARSAL_SIGSTORE_TRUST_CONFIG")
    workspace = environ.get("GITHUB_WORKSPACE")
    if not source or not workspace:
        return
    folder = Path(workspace) / ".git"
    target = (folder / "rehearsal-sigstore-trust-config.json" if folder.is_dir()
              else Path(workspace) / ".rehearsal-sigstore-trust-config.json")
    target.write_bytes(Path(source).read_bytes())
    if read_input(environ, "sigstore-trust-config"):
        print("rehearsal: `sigstore-trust-config` → the local Sigstore stand-in", flush=True)
    _set(environ, "sigstore-trust-config", str(target))


def _set(environ: MutableMapping[str, str], name: str, value: str) -> None:
    """Every spelling of the input's variable (the runner keeps the hyphen, act adds both)."""
    for key in input_env_names(name):
        environ[key] = value


def provider_stand_ins(environ: MutableMapping[str, str]) -> None:
    """Each provider's base URL → its local stand-in (REHEARSAL_PROVIDER_<NAME>), whatever the
    workflow set: the real providers are never reached."""
    from release_actions.providers import KNOWN

    for provider in KNOWN:
        local = environ.get(f"REHEARSAL_PROVIDER_{provider.name.upper().replace('-', '_')}")
        if local:
            environ[provider.base_url_env] = local


def main() -> int:
    from release_actions.cli import main as run

    redirect(os.environ)
    if sys.argv[1:2] == ["publish"]:
        sigstore_stand_in(os.environ)
    provider_stand_ins(os.environ)
    return run(sys.argv[1:])


if __name__ == "__main__":
    from release_actions.cli import end

    end(main())
