#!/usr/bin/env bash
# Runs one release-actions command for a composite action: `run.sh <command>`.
#
# One venv per job, in $RUNNER_TEMP, named after the hash of uv.lock. A command needs only the
# dependency sets that bootstrap/sets.txt names for it; each set is installed the first time a
# command of the job needs it, from bootstrap/requirements-<set>.txt (exported from uv.lock with
# hashes), and every later action reuses the venv. uv makes the venv when it is on PATH and
# works; `python -m venv` + pip otherwise. The venv is trusted only while `.complete` exists: a
# new one is made under another name and renamed when whole, and extending one removes
# `.complete` first, so a cancelled step never leaves a venv that a later action would use.
# Nothing runs the venv's scripts (their shebangs name the temporary path): only `python -m`.
# An earlier step of the job could plant code in the venv (a `.pth` runs at start-up, with the
# token in reach): bootstrap/manifest.py records every file when the venv is made or extended,
# and a venv that differs is made again. Its modules are compiled then, and run with -B, so
# Python itself never changes the venv after the manifest is written.
set -Eeuo pipefail

readonly TITLE="release-actions bootstrap"
readonly NO_PYTHON="The composite actions need Python 3.10 or later on PATH as \`python3\` (or \
\`python\`); found: %s. Add \`uses: actions/setup-python\` (with \`python-version: '3.x'\`) \
before this step, or install Python 3.10+ on the runner."
readonly UNKNOWN_COMMAND="release-actions has no command \`%s\` (bootstrap/sets.txt lists the \
commands and the dependency sets each needs). Use one of: %s."
readonly PIP_FAILED="pip could not install the dependencies of \`%s\` (%s) into %s: its last \
lines are in the group above. Check that the runner reaches the package index (PyPI, or the \
mirror that PIP_INDEX_URL names), then re-run the job."
readonly VENV_FAILED="\`%s\` (%s) needs a virtual environment, and Python could not make \
one at %s: its last lines are in the group above. On Debian and Ubuntu install \`python3-venv\`; \
or add \`uses: actions/setup-python\` before this step."
readonly TAMPERED="The environment %s changed since release-actions made it (%s): an earlier \
step of this job wrote into it. It is made again; nothing of it was run."
readonly UNEXPECTED="The bootstrap failed at bootstrap/run.sh line %s running \`%s\` (exit %s). \
This is a bug in release-actions; please report it with this log."

command_name="${1:?usage: run.sh COMMAND}"
root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
log=""
building=""
uv_state=""
outer_pip=""
made_with="pip"

# Workflow-command escaping of a message (the runner's toolkit: %, CR, LF).
escape() {
  local text="${1//'%'/%25}"
  text="${text//$'\r'/%0D}"
  printf '%s' "${text//$'\n'/%0A}"
}

# One line of ours in the log: a value in it (RUNNER_TEMP, a file name) cannot start a line of
# its own, so it cannot forge a workflow command.
say() {
  local text="${1//$'\r'/\\r}"
  printf 'release-actions: %s\n' "${text//$'\n'/\\n}"
}

# Removes what a step that stops now would leave half-made.
clean_up() {
  if [ -n "$building" ]; then rm -rf "$building"; fi
  if [ -n "$log" ]; then rm -f "$log"; fi
}

# The one ::error of a failed bootstrap; exit 2 (the runner lacks what the actions need).
fail() {
  clean_up
  echo "::error title=$TITLE::$(escape "$1")"
  exit "${2:-2}"
}

# A command that failed where none should; a failure inside $(...) is reported by its caller.
on_error() {
  [ "$BASH_SUBSHELL" -eq 0 ] || exit "$3"
  # shellcheck disable=SC2059
  fail "$(printf "$UNEXPECTED" "$1" "$2" "$3")" 3
}

on_cancel() {
  trap - INT TERM
  clean_up
  say "cancelled; the unfinished environment was removed."
  exit 130
}

# Shows the tail of a tool's output folded in a group, unable to issue workflow commands.
show_tail() {
  local token
  token="release-actions-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  echo "::group::$1: last lines of its output"
  echo "::stop-commands::$token"
  tail -n 25 "$log"
  echo "::$token::"
  echo "::endgroup::"
}

# The dependency sets of $command_name, from bootstrap/sets.txt, into the array `sets`.
read_sets() {
  local name rest known=""
  while read -r name rest || [ -n "$name" ]; do
    case "$name" in '' | '#'*) continue ;; esac
    if [ "$name" = "$command_name" ]; then
      read -r -a sets <<<"$rest"
      return 0
    fi
    known+="${known:+, }$name"
  done <"$root/bootstrap/sets.txt"
  # shellcheck disable=SC2059
  fail "$(printf "$UNKNOWN_COMMAND" "$command_name" "$known")"
}

lock_key() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$root/uv.lock" | cut -c1-16
  else
    shasum -a 256 "$root/uv.lock" | cut -c1-16
  fi
}

# $RUNNER_TEMP is a Windows path (D:\a\_temp) on Windows runners: Git Bash's tools want /d/a/_temp.
temp_dir() {
  local temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
  if [[ "$temp" == *\\* ]] && command -v cygpath >/dev/null 2>&1; then
    temp="$(cygpath -u "$temp")"
  fi
  printf '%s' "$temp"
}

# A venv's interpreter: Scripts/python.exe when a Windows Python made it, bin/python otherwise.
venv_python() {
  if [ -e "$1/Scripts/python.exe" ]; then
    printf '%s' "$1/Scripts/python.exe"
  else
    printf '%s' "$1/bin/python"
  fi
}

# The sets of `sets` that the venv lacks, into the array `missing` (all of them without a venv).
find_missing() {
  local set
  missing=()
  for set in "${sets[@]}"; do
    if [ ! -f "$venv/.complete" ] || [ ! -f "$venv/.set-$set" ]; then
      missing+=("$set")
    fi
  done
}

# The first of python3, python on PATH that is Python 3.10+, into `python`; else the ::error.
find_python() {
  local candidate version found=""
  for candidate in python3 python; do
    if ! command -v "$candidate" >/dev/null 2>&1; then
      found+="${found:+, }no \`$candidate\`"
      continue
    fi
    if version="$("$candidate" -I -S -c 'import sys; print("%d.%d" % sys.version_info[:2]); sys.exit(sys.version_info < (3, 10))' 2>/dev/null)"; then
      python="$(command -v "$candidate")"
      return 0
    fi
    found+="${found:+, }\`$candidate\` ${version:-that does not run}"
  done
  # shellcheck disable=SC2059
  fail "$(printf "$NO_PYTHON" "$found")"
}

requirement_args() {
  local set
  requirements=()
  for set in "${missing[@]}"; do
    requirements+=(-r "$root/bootstrap/requirements-$set.txt")
  done
}

# uv when it is on PATH and has not failed in this step; the first time, says which uv or why none.
uv_usable() {
  if [ -z "$uv_state" ]; then
    if command -v uv >/dev/null 2>&1; then
      uv_state="$(uv --version 2>/dev/null || echo "uv (version unknown)")"
    else
      uv_state="missing"
      say "uv is not on PATH; using python -m venv and pip."
    fi
  fi
  [ "$uv_state" != "missing" ] && [ "$uv_state" != "failed" ]
}

uv_failed() {
  say "$uv_state failed ($(tail -n 1 "$log")); using python -m venv and pip instead."
  uv_state="failed"
  return 1
}

# uv runs from our checkout, so the caller's project settings (uv.toml, [tool.uv]) do not apply.
uv_create() {
  uv_usable || return 1
  (cd "$root" && uv venv --quiet --no-project --python "$python" "$1") >"$log" 2>&1 || uv_failed
}

uv_install() {
  uv_usable || return 1
  if (cd "$root" && uv pip install --quiet --no-deps --require-hashes --only-binary :all: \
    --python "$(venv_python "$1")" "${requirements[@]}") >"$log" 2>&1; then
    made_with="$uv_state"
  else
    uv_failed
  fi
}

# Runs a step of the pip path quietly; on failure shows its output's tail and fails with `message`.
quietly() {
  local label="$1" message="$2"
  shift 2
  if ! "$@" >"$log" 2>&1; then
    show_tail "$label"
    # shellcheck disable=SC2059
    fail "$(printf "$message" "$command_name" "${missing[*]}" "$venv")"
  fi
}

# pip 22.3+ of the interpreter itself can install into the venv (--python): the venv then
# needs no pip of its own, which spares most of the time `python -m venv` takes.
outer_pip_usable() {
  if [ -z "$outer_pip" ]; then
    outer_pip="$("$python" -c 'import pip; print(pip.__version__)' 2>/dev/null || echo none)"
  fi
  [[ "$outer_pip" =~ ^([0-9]+)\.([0-9]+) ]] &&
    { [ "${BASH_REMATCH[1]}" -gt 22 ] || { [ "${BASH_REMATCH[1]}" -eq 22 ] && [ "${BASH_REMATCH[2]}" -ge 3 ]; }; }
}

pip_create() {
  if outer_pip_usable; then
    quietly "python -m venv" "$VENV_FAILED" "$python" -m venv --without-pip "$1"
  else
    quietly "python -m venv" "$VENV_FAILED" "$python" -m venv "$1"
  fi
}

pip_install() {
  local target_python pip
  target_python="$(venv_python "$1")"
  if compgen -G "$(dirname "$target_python")/pip*" >/dev/null; then
    pip=("$target_python" -m pip)
  elif outer_pip_usable; then
    pip=("$python" -m pip --python "$target_python")
  else  # a venv made by uv, and no pip outside it
    quietly "ensurepip" "$VENV_FAILED" "$target_python" -m ensurepip --default-pip
    pip=("$target_python" -m pip)
  fi
  quietly "pip" "$PIP_FAILED" "${pip[@]}" install --quiet --disable-pip-version-check \
    --no-input --no-deps --require-hashes --only-binary=:all: --no-compile "${requirements[@]}"
}

# Compiles the venv's modules and ours (so the run, with -B, writes none), then records every
# file of the venv in its manifest (both manifest.py's `write`); `.complete` last.
mark_sets() {
  local set
  for set in "${missing[@]}"; do
    touch "$1/.set-$set"
  done
  "$python" -I -S "$root/bootstrap/manifest.py" write "$1" "$root/src"
  touch "$1/.complete"
}

# A venv whose files differ from its manifest is removed (and made again), with a warning.
# The check is run by the first python3/python that is 3.10+ (exit 2 otherwise), which then is
# `python`: a reuse starts one interpreter besides the command's.
verify_environment() {
  local candidate difference status
  [ -f "$venv/.complete" ] || return 0
  for candidate in python3 python; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    status=0
    difference="$("$candidate" -I -S "$root/bootstrap/manifest.py" check "$venv" 2>/dev/null)" ||
      status=$?
    if [ "$status" -eq 0 ]; then
      python="$(command -v "$candidate")"
      return 0
    elif [ "$status" -eq 3 ]; then
      # shellcheck disable=SC2059
      echo "::warning title=$TITLE::$(escape "$(printf "$TAMPERED" "$venv" "$difference")")"
      rm -rf "$venv"
      return 0
    fi
  done
}

# A new venv with the missing sets, made under another name and renamed once whole.
create_environment() {
  local partial="$venv.partial"
  say "creating the environment $venv for $command_name (${missing[*]})"
  rm -rf "$venv" "$partial"
  mkdir -p "$(dirname "$venv")"
  building="$partial"
  if ! { uv_create "$partial" && uv_install "$partial"; }; then
    rm -rf "$partial"
    pip_create "$partial"
    pip_install "$partial"
  fi
  mark_sets "$partial"
  mv "$partial" "$venv"
  building=""
}

# The job's venv with the missing sets added; without `.complete` while it changes.
extend_environment() {
  say "adding ${missing[*]} to the environment $venv for $command_name"
  rm -f "$venv/.complete"
  building="$venv"
  uv_install "$venv" || pip_install "$venv"
  mark_sets "$venv"
  building=""
}

trap 'on_error "$LINENO" "$BASH_COMMAND" "$?"' ERR
trap on_cancel INT TERM

read_sets
venv="$(temp_dir)/release-actions-venv-$(lock_key)"
python=""
verify_environment
find_missing
if [ "${#missing[@]}" -eq 0 ]; then
  say "reusing the environment $venv"
else
  started=$SECONDS
  [ -n "$python" ] || find_python
  log="$venv.log"
  requirement_args
  if [ -f "$venv/.complete" ]; then
    extend_environment
  else
    create_environment
  fi
  rm -f "$log"
  say "environment ready in $((SECONDS - started)) s ($made_with)"
fi

trap - ERR INT TERM
# -I: neither the caller's checkout (the working directory) nor PYTHON* variables can put a
# module in front of ours or of a dependency; our source goes first on the path explicitly.
# -B: nothing is written into the venv its manifest does not know.
exec "$(venv_python "$venv")" -I -B -c 'import sys; sys.path.insert(0, sys.argv.pop(1)); from release_actions.cli import program; program()' \
  "$root/src" "$command_name"
