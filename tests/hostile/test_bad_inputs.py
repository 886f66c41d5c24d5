"""Every command, every input, hostile values: exit 2, exactly one `::error`, no traceback, the
workspace unchanged. The table is built per input kind, so a new input of a known
kind is covered by adding it to BASELINES' command."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_actions import cli, kinds
from tests.helpers import Result
from tests.hostile.conftest import Setup, Workspace, make_workspace, run_in_process, tree_hash

FORGED = "x\r::error::forged"
HUGE = "x" * 20_000
# A number past Python's 4300-digit limit of int(), which `packaging` meets parsing a version.
THOUSANDS_OF_DIGITS = "9" * 5000
NOT_UTF8 = "bad\udcffbyte"  # how Python hands on a byte that is not UTF-8 (surrogateescape)

# What each command needs to get past its inputs, so only the value under test is wrong.
BASELINES: dict[str, dict[str, str]] = {
    "version-rewrite": {"run-number": "5"},
    "tag-guard": {"tag": "v1.2.3", "index-url": ""},
    "integration-gate": {},
    "publish": {"channel": "preview"},
    "tested-run": {"run-id": "1", "github-token": "test-token"},
    "doctor": {},
    "bump-dev": {"tag": "v1.2.3"},
}
# Values no input of any kind accepts.
EVERY_KIND = {"forged-command": FORGED, "not-utf8": NOT_UTF8, "nul": "a\x00b"}
# Values each kind refuses, by the kind's function name.
BY_KIND: dict[str, dict[str, str]] = {
    "boolean": {"yes": "yes", "one": "1", "huge": HUGE},
    "optional_boolean": {"yes": "yes", "huge": HUGE},
    "choice": {"unknown": "bogus", "huge": HUGE, "case": "PREVIEW!"},
    "seconds": {"zero": "0", "negative": "-1", "words": "ten", "too-long": "99999999",
                "nan": "nan", "exponent": "1e3"},
    "delay": {"negative": "-1", "words": "ten", "too-long": "99999999", "nan": "nan",
              "exponent": "1e3"},
    "word": {"space": "open hands", "option": "-x", "empty": ""},
    "positive_int": {"zero": "0", "negative": "-3", "thousands-of-digits": "9" * 5000,
                     "fraction": "1.5", "fullwidth": "\uff11\uff12"},
    "url": {"ftp": "ftp://example.com/", "bad-port": "http://127.0.0.1:99999/",
            "space": "http://exa mple.com/", "credentials": "https://user:hunter2@h.example/",
            "option": "--help", "no-host": "http://"},
    "optional_url": {"ftp": "ftp://example.com/", "bad-port": "http://127.0.0.1:99999",
                     "credentials": "https://u:p@h.example/", "option": "--help"},
    "workspace_path": {"outside": "../../etc/passwd", "absolute": "/etc/passwd",
                       "too-long": "a" * 300, "loop": "loop", "under-a-file": "pyproject.toml/x"},
    "workspace_paths": {"outside": "../../etc/passwd", "absolute": "/etc/hostname",
                        "too-long": "a" * 300, "loop": "loop", "link-out": "link-out"},
    "optional_json_file": {"outside": "../../etc/passwd", "absolute": "/etc/passwd",
                           "too-long": "a" * 300, "loop": "loop", "not-json": "pyproject.toml",
                           "missing": "nope.json"},
    "workspace_dir": {"outside": "../..", "a-file": "pyproject.toml", "too-long": "a" * 300},
    "git_ref": {"option": "-x", "dots": "a..b", "space": "a b", "colon": "a:b"},
    "tag_prefix": {"space": "v x", "colon": "v:"},
    "version": {"words": "not a version", "huge": HUGE, "thousands-of-digits": "9" * 5000},
    "line": {"line-break": "a\nb"},
    "tag": {"option": "-v1.2.3", "space": "v 1"},
    "optional_base_url": {"ftp": "ftp://pypi.org", "bad-port": "http://127.0.0.1:99999"},
    "names": {"unknown": "bogus", "huge-name": HUGE, "commas-only": ",,,"},
    "commit_sha": {"short": "abc123", "upper": "A" * 40},
    "optional_positive_int": {"zero": "0", "digits": "9" * 5000},
    "any_folder": {"line-break": "a\nb"},
    "run_id": {"zero": "0", "words": "abc", "digits": "9" * 50},
    "artifact_name": {"slash": "a/b", "huge": HUGE},
    "workspace_folder": {"outside": "../..", "missing": "nope", "a-file": "pyproject.toml"},
    "workflow_file": {"folder": "a/b.yml", "huge": HUGE},
    "environment_name": {"line-break": "a\nb", "huge": HUGE},
    "repository": {"no-owner": "mypkg", "spaces": "a b/c", "dot-dot": "octo/..",
                   "walks-paths": "../../orgs/octo", "three-parts": "octo/a/b"},
}
# Kinds that take any text (secrets, free text): only the shared refusals apply, and a secret
# is masked, not validated.
FREE_TEXT = {"text", "items"}


# Kinds kinds.py names (`word = matching(...)`), by their name there; others by their factory's.
NAMED = {id(value): name for name, value in vars(kinds).items() if callable(value)}


def _kind_name(spec: object) -> str:
    kind = spec.kind  # type: ignore[attr-defined]
    if id(kind) in NAMED:
        return NAMED[id(kind)]
    qualname = getattr(kind, "__qualname__", "")
    return qualname.split(".<locals>")[0] if "<locals>" in qualname else kind.__name__


@dataclass(frozen=True)
class Case:
    command: str
    inputs: dict[str, str]
    env: dict[str, str] | None = None
    setup: Setup | None = None
    argv: tuple[str, ...] = ()
    code: int = 2
    names: str = ""  # what the error must name (the input under test)


def _input_cases() -> list[object]:
    cases = []
    for command in cli.COMMANDS:
        for spec in cli.load(command).inputs:
            kind = _kind_name(spec)
            values = {} if kind in FREE_TEXT else dict(EVERY_KIND)
            values.update(BY_KIND.get(kind, {}))
            assert values or kind in FREE_TEXT, f"no hostile values for kind {kind}"
            for label, value in values.items():
                inputs = {**BASELINES[command], spec.name: value}
                cases.append(pytest.param(Case(command, inputs, names=f"`{spec.name}`"),
                                          id=f"{command}-{spec.name}-{label}"))
    return cases


# --- configuration that is broken or hostile ------------------------------------------------


def _write(name: str, text: str) -> Setup:
    def setup(workspace: Workspace) -> None:
        path = workspace.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    return setup


def _dist(name: str, data: bytes) -> Setup:
    def setup(workspace: Workspace) -> None:
        path = workspace.root / "dist" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return setup


def _fifo(name: str) -> Setup:
    return lambda workspace: os.mkfifo(workspace.root / name)


def _unwritable_output(workspace: Workspace) -> None:
    (workspace.runner / "github_output").unlink()
    (workspace.runner / "github_output").mkdir()


def _summary_a_directory(workspace: Workspace) -> None:
    (workspace.runner / "github_step_summary").unlink()
    (workspace.runner / "github_step_summary").mkdir()


@pytest.fixture(scope="module")
def made_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The hostile suites' workspace, made once for the module's hundreds of cases; git's
    sample hooks (inert files) are left out, so that a copy is quick."""
    made = make_workspace(tmp_path_factory.mktemp("workspace"))
    for sample in (made.root / ".git" / "hooks").glob("*.sample"):
        sample.unlink()
    return made


@pytest.fixture
def workspace(made_workspace: Workspace, tmp_path: Path) -> Workspace:
    """A copy of `made_workspace` per case: a case may change its copy (and must not)."""
    return Workspace(Path(shutil.copytree(made_workspace.root, tmp_path / "ws", symlinks=True)),
                     Path(shutil.copytree(made_workspace.runner, tmp_path / "runner")))


def _links(workspace: Workspace) -> None:
    (workspace.root / "loop").symlink_to("loop")
    (workspace.root / "link-out").symlink_to("/etc/hostname")


HATCH = '[project]\nname = "mypkg"\ndynamic = ["version"]\n[tool.hatch.version]\n'
PROJECT_SHAPES = {
    "duplicate-key": '[project]\nname = "a"\nversion = "1.0.dev0"\nversion = "2"\n',
    "dynamic-not-a-list": '[project]\nname = "a"\ndynamic = 5\n',
    "version-not-a-string": '[project]\nname = "a"\nversion = 5\n',
    "not-toml": "[project\n",
    "hatch-pattern-invalid": HATCH + 'path = "v.py"\npattern = "(("\n',
    "hatch-pattern-no-group": HATCH + 'path = "v.py"\npattern = "__version__ = (.*)"\n',
    "setuptools-file-outside": '[project]\nname = "a"\ndynamic = ["version"]\n'
                               '[tool.setuptools.dynamic]\nversion = {file = "/etc/passwd"}\n',
    "hatch-path-outside": HATCH + 'path = "../../../../etc/passwd"\n',
    "no-version": '[project]\nname = "a"\n',
    "deep-nesting": "a = " + "[" * 5000 + "]" * 5000 + "\n",
}
# uv.lock whose `package` is not an array of tables: read as "no entry of ours", it was skipped.
LOCK_SHAPES = {
    "package-a-number": "version = 1\npackage = 1\n",
    "package-a-string": 'version = 1\npackage = "x"\n',
    "package-quoted-key": 'version = 1\n"package" = []\n[manifest]\n',
    "package-a-table": 'version = 1\n[package]\nname = "mypkg"\nversion = "1.2.3.dev0"\n',
}


def _config_cases() -> list[object]:
    cases = []
    for command, inputs in (("version-rewrite", BASELINES["version-rewrite"]),
                            ("tag-guard", BASELINES["tag-guard"])):
        for label, text in PROJECT_SHAPES.items():
            setup = _write("pyproject.toml", text)
            cases.append(pytest.param(Case(command, inputs, setup=setup),
                                      id=f"{command}-pyproject-{label}"))
        cases += [
            pytest.param(Case(command, {**inputs, "path": "fifo.toml"}, setup=_fifo("fifo.toml")),
                         id=f"{command}-pyproject-fifo"),
            pytest.param(Case(command, {**inputs, "path": "sub"},
                              setup=_write("sub/pyproject.toml/x", "")),
                         id=f"{command}-pyproject-is-a-directory"),
            pytest.param(Case(command, inputs, setup=_unwritable_output),
                         id=f"{command}-github-output-unwritable"),
        ]
    rewrite = BASELINES["version-rewrite"]
    publish = {**BASELINES["publish"], "build": "false"}
    dists = {
        "truncated-sdist": ("mypkg-1.0.0.dev1.tar.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 20),
        "empty-wheel": ("mypkg-1.0.0.dev1-py3-none-any.whl", b""),
        "wheel-not-a-zip": ("mypkg-1.0.0.dev1-py3-none-any.whl", b"PK\x03\x04garbage"),
        "odd-name": ("mypkg\x1b[31m-1.0.whl", b"PK"),
    }
    for label, (name, data) in dists.items():
        cases.append(pytest.param(Case("publish", publish, setup=_dist(name, data)),
                                  id=f"publish-dist-{label}"))
    cases.append(pytest.param(Case("publish", publish, setup=_dist("sub/x.whl", b"")),
                              id="publish-dist-empty"))
    for label, text in LOCK_SHAPES.items():
        cases.append(pytest.param(Case("version-rewrite", rewrite, setup=_write("uv.lock", text),
                                       names="uv.lock"), id=f"version-rewrite-lock-{label}"))
    # The runner's summary cannot be written while an input error is reported: still one error.
    for label, setup, env in (("directory", _summary_a_directory, None),
                              ("dev-full", None, {"GITHUB_STEP_SUMMARY": "/dev/full"})):
        cases.append(pytest.param(Case("version-rewrite", {"run-number": "0"}, env=env,
                                       setup=setup), id=f"input-error-summary-{label}"))
    cases += [
        pytest.param(Case("version-rewrite", {**rewrite, "extra-files": "fifo.py"},
                          setup=_fifo("fifo.py")), id="version-rewrite-extra-file-fifo"),
        pytest.param(Case("version-rewrite", {**rewrite, "extra-files": "v.py"},
                          setup=_write("v.py", "nothing here\n")),
                     id="version-rewrite-extra-file-without-version"),
        pytest.param(Case("version-rewrite", {**rewrite, "extra-files": "v.bin"},
                          setup=_write("v.bin", "1.2.3.dev0")),
                     id="version-rewrite-extra-file-unknown-kind"),
        pytest.param(Case("version-rewrite", rewrite, names="file=pyproject.toml,line=3",
                          setup=_write("pyproject.toml", '[project]\nname = "a"\nversion = '
                                       f'"{THOUSANDS_OF_DIGITS}.dev0"\n')),
                     id="version-rewrite-version-of-thousands-of-digits"),
    ]
    return cases


def _env_cases() -> list[object]:
    gate = "integration-gate"
    env = {
        "base-url-credentials": {"DEEPSEEK_API_KEY": "sk-k", "DEEPSEEK_BASE_URL":
                                 "https://user:hunter2-secret@api.example.com/v1"},
        "base-url-space": {"DEEPSEEK_API_KEY": "sk-k", "DEEPSEEK_BASE_URL": "https://a b/v1"},
        "base-url-bad-port": {"GLM_API_KEY": "k", "GLM_BASE_URL": "http://127.0.0.1:99999"},
        "base-url-forged": {"QWEN_API_KEY": "k", "QWEN_BASE_URL": "https://q.example\r::error::x"},
        "base-url-not-utf8": {"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "https://h\udcff.example"},
        "base-url-ftp": {"LITELLM_API_KEY": "k", "LITELLM_BASE_URL": "ftp://proxy.example"},
        "model-forged": {"DEEPSEEK_API_KEY": "k", "DEEPSEEK_MODEL": "m\r::error::forged"},
        "model-not-utf8": {"DEEPSEEK_API_KEY": "k", "DEEPSEEK_MODEL": NOT_UTF8},
        "model-huge": {"GLM_API_KEY": "k", "GLM_MODEL": HUGE},
    }
    return [pytest.param(Case(gate, {}, env=values), id=f"{gate}-env-{label}")
            for label, values in env.items()]


def _usage_cases() -> list[object]:
    return [
        pytest.param(Case("version-rewrite", {}, argv=("version-rewrite", "--bogus")),
                     id="argv-unknown-flag"),
        pytest.param(Case("", {}, argv=()), id="argv-no-command"),
        pytest.param(Case("", {}, argv=("no-such-command",)), id="argv-unknown-command"),
        pytest.param(Case("tag-guard", {}, argv=("tag-guard", "--tag")), id="argv-missing-value"),
        pytest.param(Case("publish", {}, argv=("publish", "--channel", "preview",
                                               "--upload-timeout", "0")),
                     id="argv-flag-value-refused"),
        pytest.param(Case("publish", {}, argv=("publish", "--channel", "preview", "--dry-run",
                                               "maybe")), id="argv-bool-flag-refused"),
    ]


CASES = _input_cases() + _config_cases() + _env_cases() + _usage_cases()


def check_contract(run: Result, before: str, after: str, code: int) -> None:
    assert run.code == code, run.stdout + run.stderr
    assert len(run.errors()) == 1, run.stdout
    assert "Traceback" not in run.stdout + run.stderr + run.summary
    assert "Internal error" not in run.stdout
    assert after == before, "the workspace changed"
    assert HUGE not in run.stdout + run.summary, "a huge value was quoted whole"
    assert len(run.errors()[0]) < 4000, run.errors()[0][:300]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_clear_error(case: Case, workspace: Workspace,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _links(workspace)
    if case.setup:
        case.setup(workspace)
    before = tree_hash(workspace.root)
    argv = list(case.argv) if case.argv or not case.command else [case.command]
    run = run_in_process(workspace, argv, workspace.environ(case.inputs, **(case.env or {})),
                         monkeypatch)
    check_contract(run, before, tree_hash(workspace.root), case.code)
    assert case.names in run.errors()[0], run.errors()[0]
    said = [line for line in run.stdout.splitlines() if not line.startswith("::add-mask::")]
    assert "hunter2-secret" not in "\n".join(said) + run.summary


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 150


def test_baselines_pass_input_parsing(workspace: Workspace,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each baseline is accepted, so a refused case is refused for its one hostile value."""
    from release_actions.command import read_inputs
    from release_actions.context import Context
    from release_actions.gha import Console

    monkeypatch.chdir(workspace.root)  # and back after: the folder goes when the test passes
    for command, inputs in BASELINES.items():
        environ = workspace.environ(inputs)
        read_inputs(cli.load(command), Context(environ, Console(actions=False)))


def test_case_count_is_reported(report_figure: Callable[[str], None]) -> None:
    report_figure(f"bad inputs tried: {len(CASES)}")
    assert Path(__file__).exists()


SUBPROCESS_CASES = {
    "input-byte-not-utf8": (["version-rewrite"], {b"INPUT_RUN_NUMBER": b"5\xff"}),
    "path-byte-not-utf8": (["version-rewrite"], {b"INPUT_RUN_NUMBER": b"5",
                                                  b"INPUT_PATH": b"py\xffproject.toml"}),
    "secret-byte-not-utf8": (["publish"], {b"INPUT_CHANNEL": b"preview",
                                           b"INPUT_PASSWORD": b"pw\xff\xfe-secret",
                                           b"INPUT_USERNAME": b"\xff"}),
    "model-byte-not-utf8": (["integration-gate"], {b"DEEPSEEK_API_KEY": b"sk-k",
                                                    b"DEEPSEEK_MODEL": b"m\xff"}),
    "flag-byte-not-utf8": (["tag-guard", "--tag", "v1\udcff"], {}),
    "no-arguments": ([], {}),
}


@pytest.mark.parametrize("argv, extra", SUBPROCESS_CASES.values(), ids=SUBPROCESS_CASES)
def test_real_bytes_from_the_runner_are_one_clear_error(
    argv: list[str], extra: dict[bytes, bytes], workspace: Workspace
) -> None:
    """A real process, given bytes that are not UTF-8 in its environment or argv, as a runner
    can hand them on: exit 2 and one `::error`, never a crash."""
    import subprocess
    import sys

    from tests.helpers import ROOT

    environ = {key.encode(): value.encode() for key, value in workspace.environ().items()}
    environ[b"PYTHONPATH"] = str(ROOT / "src").encode()
    environ.update(extra)
    before = tree_hash(workspace.root)
    proc = subprocess.run([sys.executable, "-m", "release_actions",
                           *(a.encode("utf-8", "surrogateescape") for a in argv)],
                          cwd=workspace.root, env=environ, capture_output=True, timeout=60)
    stdout = proc.stdout.decode("utf-8", "replace")
    run = workspace.read_runner_files(Result(proc.returncode, stdout,
                                          proc.stderr.decode("utf-8", "replace")))
    check_contract(run, before, tree_hash(workspace.root), 2)
    assert "secret" not in stdout.replace("::add-mask::", "").split("::error")[1]


def test_a_tag_of_thousands_of_digits_is_no_release(workspace: Workspace,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """git keeps a tag name of any length in packed-refs (as a fetch writes it): a VCS preview
    reads past it as a tag that names no version, never a crash."""
    import subprocess

    from tests.hostile.conftest import VCS_PROJECT

    (workspace.root / "pyproject.toml").write_text(VCS_PROJECT)
    commit = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "vcs"]
    for args in (commit, ["git", "tag", "v1.0.0"], [*commit, "--allow-empty"]):
        subprocess.run(args, cwd=workspace.root, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=workspace.root, check=True,
                          capture_output=True, text=True).stdout.strip()
    with (workspace.root / ".git" / "packed-refs").open("a") as refs:
        refs.write(f"{head} refs/tags/v{THOUSANDS_OF_DIGITS}\n")
    run = run_in_process(workspace, ["version-rewrite"],
                         workspace.environ({"run-number": "5", "dry-run": "true"}), monkeypatch)
    assert (run.code, run.errors()) == (0, []), run.stdout[-2000:]
    assert "SETUPTOOLS_SCM_PRETEND_VERSION=1.0.1.dev5" in run.stdout
