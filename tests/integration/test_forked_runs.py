"""tests/forked.py, which runs the CLI for run_cli and the fault suites: a forked run is a process
of its own (its folder, its environment, its streams, its exit code), one past its limit is
killed, and an environment only a new interpreter reads gets one."""

from __future__ import annotations

import time
from pathlib import Path

from devtools.fault_server import HANG, FaultServer

from tests import forked
from tests.helpers import clean_env, parse_key_values


def test_a_forked_run_has_its_own_folder_environment_streams_and_exit_code(
        tmp_path: Path) -> None:
    """version-rewrite reads pyproject.toml from the run's folder and its inputs from the run's
    environment, writes the output file the environment names, and exits 0; a refused input
    exits 2 with its `::error` on the run's stdout."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.2.3.dev0"\n')
    output = tmp_path.parent / f"{tmp_path.name}-output"
    output.write_text("")
    env = clean_env(PYTHONPATH=forked.SRC, GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(output),
                    GITHUB_WORKSPACE=str(tmp_path), INPUT_RUN_NUMBER="7")

    ran = forked.run(["version-rewrite"], cwd=tmp_path, env=env, limit=60)
    outputs = parse_key_values(output.read_text())
    refused = forked.run(["version-rewrite"], cwd=tmp_path,
                         env={**env, "INPUT_RUN_NUMBER": "seven"}, limit=60)

    assert ran.code == 0, ran.stdout + ran.stderr
    assert outputs["version"] == "1.2.3.dev7"
    assert '"1.2.3.dev7"' in (tmp_path / "pyproject.toml").read_text()
    assert refused.code == 2, refused.stdout + refused.stderr
    assert [line for line in refused.stdout.splitlines() if line.startswith("::error")]
    assert "seven" in refused.stdout


def test_a_forked_run_past_its_limit_is_killed(tmp_path: Path) -> None:
    """A probe of a provider that never answers, with a deadline far past the run's limit: the
    run is killed at the limit and reported as unfinished (code None)."""
    with FaultServer(HANG) as server:
        env = clean_env(PYTHONPATH=forked.SRC, DEEPSEEK_API_KEY="sk-hang-123456",
                        DEEPSEEK_BASE_URL=server.url)
        started = time.monotonic()
        ran = forked.run(["integration-gate", "--providers", "deepseek", "--timeout", "120"],
                         cwd=tmp_path, env=env, limit=1.5)
        seconds = time.monotonic() - started

    assert ran.code is None, ran.stdout + ran.stderr
    assert seconds < 30


def test_a_pythonpath_of_its_own_gets_a_new_interpreter(tmp_path: Path) -> None:
    """Only an interpreter's start reads PYTHONPATH's sitecustomize: such a run is not forked,
    and the sitecustomize runs; the peak memory is printed last either way."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import sys\nprint('sitecustomize ran', "
                                           "file=sys.stderr)\n")
    forked_env = clean_env(PYTHONPATH=forked.SRC)
    own_env = clean_env(PYTHONPATH=f"{site}:{forked.SRC}")

    plain = forked.run(["--version"], cwd=tmp_path, env=forked_env, limit=60, peak=True)
    own = forked.run(["--version"], cwd=tmp_path, env=own_env, limit=60, peak=True)

    assert plain.code == own.code == 0, (plain, own)
    assert "sitecustomize ran" not in plain.stderr
    assert "sitecustomize ran" in own.stderr
    for ran in (plain, own):
        assert ran.stderr.strip().splitlines()[-1].startswith(forked.PEAK), ran.stderr
