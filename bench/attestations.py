"""What minting PEP 740 attestations costs per distribution, against the local Sigstore stand-ins.

Each run mints and verifies attestations for N wheels (one OIDC token, one Fulcio certificate,
one Rekor entry and one local verification per file) through `release_actions.attestations.mint`
in a fresh process, so the first run's cost includes importing sigstore and pypi-attestations
(what a job pays once). Prints a Markdown table: the whole process, the minting alone as the
command logs it, and the minting per distribution.

    .venv/bin/python bench/attestations.py [--runs 5] [--files 1 2 8]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from devtools.act import VENV_BIN  # noqa: E402

CHILD = """
import io, json, sys, time, zipfile
from pathlib import Path
from packaging.version import Version
from release_actions import attestations
from release_actions.distributions import Distribution, sha256_of
from release_actions.gha import Console
from release_actions.sigstore_standins import LocalSigstore, WorkflowIdentity

folder, count = Path(sys.argv[1]), int(sys.argv[2])
identity = WorkflowIdentity()
dists = []
for n in range(count):
    path = folder / f"octo_lib-1.0.{n}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("octo_lib/__init__.py", "x = %d\\n" % n)
    dists.append(Distribution(path, "octo-lib", Version(f"1.0.{n}"), sha256_of(path)))
with LocalSigstore(identity) as server:
    config = folder / "trust.json"
    config.write_text(json.dumps(server.trust_config()))
    signing = attestations.Signing(trust_config=config, timeout=60,
                                   repository=identity.repository,
                                   workflow_ref=identity.workflow_uri.split("/", 3)[3])
    log = io.StringIO()
    attestations.mint(dists, id_token_url=server.oidc_url, request_token="t", signing=signing,
                      console=Console(actions=True, stream=log))
print(log.getvalue())
"""
MINTED = re.compile(r"Attestations: \d+ minted and verified for \S+ \(([\d.]+) s\)")


def once(files: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        out = subprocess.run([str(VENV_BIN / "python"), "-c", CHILD, folder, str(files)],
                             capture_output=True, text=True, check=True,
                             env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
        whole = time.perf_counter() - started
    match = MINTED.search(out.stdout)
    assert match, out.stdout + out.stderr
    return whole, float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, nargs="+", default=[1, 2, 8])
    args = parser.parse_args()
    print("| files | whole process (median) | minting (median) | minting (fastest) "
          "| per file (median) |")
    print("|---|---|---|---|---|")
    for files in args.files:
        runs = [once(files) for _ in range(args.runs)]
        whole = statistics.median(r[0] for r in runs)
        minting = [r[1] for r in runs]
        print(f"| {files} | {whole:.2f} s | {statistics.median(minting):.2f} s | "
              f"{min(minting):.2f} s | {statistics.median(minting) / files:.3f} s |")


if __name__ == "__main__":
    main()
