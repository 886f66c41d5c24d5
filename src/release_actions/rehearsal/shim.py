"""`python -m release_actions.rehearsal.shim COMMAND`: one command as a composite action runs
it, with what reaches the real PyPI pointed at the local index instead. A job that may request
an OIDC token (the rehearsal sets ACTIONS_ID_TOKEN_REQUEST_URL only for jobs with
`id-token: write`) uploads with the index's account in place of the token exchange; a job
without it keeps its inputs, so publish refuses exactly as on GitHub."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

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
    trusted = read_input(environ, "trusted-publishing") or ""
    if trusted not in ("", "never") and environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"):
        print("rehearsal: this job may request an OIDC token (id-token: write); the local "
              "index takes the upload with its own account in place of the token exchange",
              flush=True)
        _set(environ, "trusted-publishing", "never")
        _set(environ, "username", environ.get("REHEARSAL_INDEX_USERNAME", ""))
        _set(environ, "password", environ.get("REHEARSAL_INDEX_PASSWORD", ""))


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
    provider_stand_ins(os.environ)
    return run(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
