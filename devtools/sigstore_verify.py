"""`pypi-attestations verify attestation` (the real CLI) against a local Sigstore's trusted root.

Offline, sigstore reads the public-good trusted root from its cache folder without refreshing
it; in a fresh HOME that folder holds the local trusted root instead, so the verifier runs
unchanged (no patching) against the stand-ins' keys."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devtools.act import VENV_BIN

PUBLIC_GOOD_CACHE = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"


def cli_verify(trust_config: dict[str, Any], scratch: Path, files: Sequence[Path],
               identity: str) -> subprocess.CompletedProcess[str]:
    """One verifier run for `files` (each beside its `.publish.attestation`): exit 0 only
    when every one verifies."""
    home = scratch / "verifier-home"
    cache = home / ".cache" / "sigstore-python" / "tuf" / PUBLIC_GOOD_CACHE
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "trusted_root.json").write_text(json.dumps(trust_config["trustedRoot"]))
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_DATA_HOME": str(home / ".local" / "share"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(VENV_BIN / "pypi-attestations"), "verify", "attestation",
                           "--offline", "--identity", identity, *map(str, files)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
