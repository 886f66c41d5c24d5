"""Workflow-command injection: values holding a line break (`\\r`, `\\r\\n` or `\\n`) and a
command never reach the log as a command, and never forge an output or an env variable. The
log is split exactly as the runner splits it; GITHUB_OUTPUT/GITHUB_ENV are read as it reads
them."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from release_actions import cli, gha, processes
from tests.helpers import commands_in
from tests.hostile.conftest import Workspace, run_in_process

# Each payload: a line break of one kind, then a command the runner would obey.
PAYLOADS = {
    "cr-error": ("x\r::error::forged", "::error::forged"),
    "crlf-add-mask": ("x\r\n::add-mask::0", "::add-mask::0"),
    "lf-stop-commands": ("x\n::stop-commands::forgedtoken", "::stop-commands::"),
    "cr-legacy-error": ("x\r##[error]forged", "##[error]forged"),
    "cr-set-output": ("x\r::set-output name=forged::1", "::set-output"),
    "cr-spaced-warning": ("x\r   ::warning::forged", "::warning::forged"),
    "cr-set-env": ("x\r::set-env name=FORGED::1", "::set-env"),
}
TRIED: list[str] = []
FORGED: list[str] = []


def forged(log: str, command: str) -> bool:
    """True when a line of the runner's log starts with the injected command."""
    return any(line.startswith(command) for line in commands_in(log))


def record(name: str, log: str, command: str) -> None:
    TRIED.append(name)
    if forged(log, command):
        FORGED.append(name)


# --- every way the shared console prints -----------------------------------------------------


def _child(console: gha.Console, text: str) -> None:
    """A sub-process (a build backend) printing the value, through `processes.stream`."""
    script = f"import sys; sys.stdout.write({text!r} + '\\n')"
    processes.stream(console, "child", [sys.executable, "-c", script], cwd=Path.cwd(),
                     env=dict(os.environ))


SITES: dict[str, Callable[[gha.Console, str], object]] = {
    "info": lambda console, text: console.info(text),
    "warning": lambda console, text: console.warning(text),
    "error": lambda console, text: console.error(text),
    "notice": lambda console, text: console.notice(text, title="t"),
    "debug": lambda console, text: console.debug(text),
    "group-title": lambda console, text: console.group(text).__enter__(),
    "annotation-title": lambda console, text: console.warning("m", title=text),
    "annotation-file": lambda console, text: console.error("m", file=text, line=1),
    "mask": lambda console, text: console.mask(text + "-long-enough-secret"),
    "child-output": _child,
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("site", SITES)
def test_the_console_never_prints_a_forged_command(site: str, payload: str) -> None:
    text, command = PAYLOADS[payload]
    stream = io.StringIO()
    SITES[site](gha.Console(actions=True, stream=stream), text)
    record(f"console-{site}-{payload}", stream.getvalue(), command)
    assert not forged(stream.getvalue(), command), stream.getvalue()


# --- values from outside, through whole commands ----------------------------------------------


def _dist_file(workspace: Workspace, text: str) -> dict[str, str]:
    dist = workspace.root / "dist"
    dist.mkdir()
    (dist / f"mypkg-1.0{text}.whl").write_bytes(b"PK")
    return {"channel": "preview", "build": "false"}


def _toml_version(workspace: Workspace, text: str) -> dict[str, str]:
    escaped = text.replace("\r", "\\r").replace("\n", "\\n")
    (workspace.root / "pyproject.toml").write_text(
        f'[project]\nname = "mypkg"\nversion = "1.2.3.dev0{escaped}"\n')
    return {"run-number": "5"}


COMMAND_SITES: dict[str, tuple[str, Callable[[Workspace, str], dict[str, str]],
                               Callable[[str], dict[str, str]]]] = {
    "version-rewrite-extra-files": ("version-rewrite", lambda w, t: {"run-number": "5",
                                                                     "extra-files": t},
                                    lambda t: {}),
    "version-rewrite-path": ("version-rewrite", lambda w, t: {"run-number": "5", "path": t},
                             lambda t: {}),
    "version-rewrite-version-in-toml": ("version-rewrite", _toml_version, lambda t: {}),
    "tag-guard-tag": ("tag-guard", lambda w, t: {"tag": f"v1{t}", "index-url": ""},
                      lambda t: {}),
    "publish-dist-file-name": ("publish", _dist_file, lambda t: {}),
    "publish-username": ("publish", lambda w, t: {"channel": "preview", "username": t,
                                                  "password": "pw-secret-123"}, lambda t: {}),
    "gate-model": ("integration-gate", lambda w, t: {},
                   lambda t: {"DEEPSEEK_API_KEY": "sk-1", "DEEPSEEK_MODEL": t}),
    "gate-base-url": ("integration-gate", lambda w, t: {},
                      lambda t: {"GLM_API_KEY": "k-1", "GLM_BASE_URL": f"https://h.example{t}"}),
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("site", COMMAND_SITES)
def test_a_command_never_prints_a_forged_command_or_output(
    site: str, payload: str, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, command = PAYLOADS[payload]
    name, inputs_for, env_for = COMMAND_SITES[site]
    environ = workspace.environ(inputs_for(workspace, text), **env_for(text))
    run = run_in_process(workspace, [name], environ, monkeypatch)
    record(f"{site}-{payload}", run.stdout, command)
    assert not forged(run.stdout, command), run.stdout
    declared = {output.name for output in cli.load(name).outputs}
    assert set(run.outputs) <= declared, run.outputs
    assert not any("FORGED" in key or "forged" in key for key in run.env), run.env


def read_as_the_runner(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT/GITHUB_ENV as actions/runner reads them: lines end at `\\n` (a `\\r`
    before it dropped); `name=value`, or `name<<DELIMITER` up to a line equal to DELIMITER."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    records: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index)
            records[name] = "\n".join(lines[index:end])
            index = end + 1
        else:
            name, value = line.split("=", 1)
            records[name] = value
    return records


@pytest.mark.parametrize("value", [
    "a\r\nforged<<EOF\nx\nEOF\rforged=1\nb", "x\nforged=1", "x\r\nforged=1\r\n",
    "x\rforged<<ghadelimiter_0\rforged", "EOF\nforged=2",
])
def test_outputs_hold_line_breaks_without_forging_a_record(tmp_path: Path, value: str) -> None:
    """A value with line breaks of each kind and fake records stays one record when the runner
    reads the file back, for outputs and env exports alike."""
    for variable in ("GITHUB_OUTPUT", "GITHUB_ENV"):
        target = tmp_path / variable
        target.write_text("")
        runner = gha.Runner({variable: str(target)},
                            gha.Console(actions=True, stream=io.StringIO()))
        if variable == "GITHUB_OUTPUT":
            runner.set_outputs({"value": value})
        else:
            runner.export_env({"VALUE": value})
        TRIED.append(f"{variable}-record")
        with open(target, encoding="utf-8", newline="") as handle:
            records = read_as_the_runner(handle.read())
        if len(records) != 1:
            FORGED.append(f"{variable}-record")
        assert len(records) == 1, records


def test_zz_report_the_figures(report_figure: Callable[[str], None]) -> None:
    if not TRIED:
        pytest.skip("no injection in this session")
    report_figure(f"injections tried: {len(TRIED)}; forged: {len(FORGED)}")
    assert not FORGED, FORGED
