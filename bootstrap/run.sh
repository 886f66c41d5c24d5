#!/usr/bin/env bash
# Runs one release-actions command for a composite action.
#
# The locked dependencies go into one venv per job, in $RUNNER_TEMP, named after the hash of
# uv.lock: the first action of a job creates it, every later one reuses it. uv is used when it
# is on PATH (astral-sh/setup-uv); otherwise python3 -m venv and pip install the hashed
# requirements exported from the same lock. The code itself runs from this checkout.
set -euo pipefail

command_name="$1"
root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"

if command -v sha256sum >/dev/null 2>&1; then
  key="$(sha256sum "$root/uv.lock" | cut -c1-16)"
else
  key="$(shasum -a 256 "$root/uv.lock" | cut -c1-16)"
fi
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/release-actions-venv-$key"
case "$(uname -s)" in
  MINGW* | MSYS* | CYGWIN*) python="$venv/Scripts/python.exe" ;;
  *) python="$venv/bin/python" ;;
esac

# A venv is used only once it is complete; a half-made one (a cancelled step) is made again.
if [ -f "$venv/.complete" ]; then
  echo "release-actions: reusing the environment $venv"
else
  started=$SECONDS
  rm -rf "$venv"
  echo "::group::release-actions: creating the environment $venv"
  if command -v uv >/dev/null 2>&1; then
    UV_PROJECT_ENVIRONMENT="$venv" uv sync --project "$root" --locked --no-dev \
      --no-install-project --no-progress --quiet
  else
    python3 -m venv "$venv"
    "$python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
      -r "$root/bootstrap/requirements.txt"
  fi
  touch "$venv/.complete"
  echo "::endgroup::"
  echo "release-actions: environment ready in $((SECONDS - started)) s"
fi

# -I: neither the caller's checkout (the working directory) nor PYTHON* variables can put a
# module in front of ours or of a dependency; our source goes first on the path explicitly.
exec "$python" -I -c 'import sys; sys.path.insert(0, sys.argv.pop(1)); from release_actions.cli import main; raise SystemExit(main())' \
  "$root/src" "$command_name"
