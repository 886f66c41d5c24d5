"""A rehearsal (and so `make demo`, a rehearsal of examples/) tells its story as it goes: each
stage's header and each workflow run's start reach a pipe when they happen, not when the
process ends; the decisions a newcomer could misread are explained; `make demo` is the
rehearse command run on examples/."""

from __future__ import annotations

import io
import types
from pathlib import Path

import pytest

from release_actions.rehearsal import cli, narration
from release_actions.rehearsal.bookends import Installed, describe, distribution
from release_actions.rehearsal.run import WorkflowRun


class Pipe(io.StringIO):
    """stdout as a pipe sees it: only what was flushed has arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = ""

    def flush(self) -> None:
        self.arrived = self.getvalue()


def _run(log: str = "log", code: int = 0) -> WorkflowRun:
    return WorkflowRun("test.yml", "test", "push", 1001, 1, "0" * 40, code, log,
                       {"test": "success" if code == 0 else "failure"})


def test_a_workflow_run_is_announced_before_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", pipe)
    narrator = narration.Narrator()

    narrator.started("test.yml", "push")
    assert pipe.arrived.endswith("▸ test.yml (push) … ")

    narrator.finished(_run())
    assert pipe.arrived.rstrip().endswith("ok in 0 s (test success)")


def test_a_finished_run_is_followed_by_its_decisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines our actions printed (act's `| ` prefix), once each, probes explained."""
    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", pipe)
    log = ("[gate/eval] | deepseek: HTTP 503: Stand-in provider simulating an overloaded "
           "server: the request with Bearer *** refused (HTTP 503)\n"
           "[gate/eval] | glm: ok (HTTP 200, 3 ms)\n"
           "[gate/eval] | Rewrote 0.1.0.dev0 → 0.1.0.dev1 in pyproject.toml\n"
           "[gate/eval] | Rewrote 0.1.0.dev0 → 0.1.0.dev1 in pyproject.toml\n"
           "[gate/eval] | some other line\n")
    narrator = narration.Narrator(providers_down=("deepseek",))
    narrator.started("gate.yml", "workflow_run")
    narrator.finished(_run(log))

    told = pipe.arrived.splitlines()
    assert told[0].startswith("   ▸ gate.yml (after the previous workflow) … ok")
    assert told[1].startswith("     → gate deepseek: HTTP 503") and "--providers-down" in told[1]
    assert told[2] == "     → gate glm: ok (HTTP 200, 3 ms)"
    assert told[3:] == ["     → Rewrote 0.1.0.dev0 → 0.1.0.dev1 in pyproject.toml"]


def test_each_stage_header_arrives_before_the_stage_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """Given a rehearsal whose push records what had arrived on the pipe when it started, then
    the stage's header was already there, and the simulated provider failure is labelled."""
    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", pipe)
    seen: list[str] = []

    def push_main() -> list[WorkflowRun]:
        seen.append(pipe.arrived)
        return [_run()]

    fake = types.SimpleNamespace(push_main=push_main,
                                 index=types.SimpleNamespace(files={}))
    story = cli.Story(fake)  # type: ignore[arg-type]
    cli.preview(story, "First")
    cli.preview(story, "Second")

    assert seen[0].rstrip().endswith("== First: a push to main, and the workflows it starts")
    assert "== Second" in seen[1]
    line = narration.explain_probe("deepseek: unauthorized (HTTP 401): Stand-in provider "
                                   "simulating a wrong key")
    assert "simulated" in line


def test_the_refusing_stand_in_says_it_simulates_a_wrong_key() -> None:
    """The provider stand-in's 401 says what it simulates, and the narrator's note says *** is
    the masked key, so `Bearer ***` is not read as a request without a key."""
    import requests

    from release_actions.rehearsal.providers import FakeProvider

    with FakeProvider("401") as server:
        answer = requests.post(f"{server.base_url}/chat/completions", json={}, timeout=10,
                               headers={"Authorization": "Bearer sk-wrong"})
    message = answer.json()["error"]["message"]
    assert answer.status_code == 401
    assert message.startswith("Stand-in provider simulating a wrong key:")
    line = narration.explain_probe(f"deepseek: unauthorized (HTTP 401): {message}")
    assert "wrong" in line and "*** is the key, masked" in line
    assert "--providers-down" not in line  # only a provider named there is down on purpose


def test_the_judge_models_openai_prefix_is_explained() -> None:
    line = narration.explain_selection("Selected glm (glm-5.1 at http://127.0.0.1:1/v1); "
                                       "rollout model glm/glm-5.1, judge model openai/glm-5.1")
    assert "OpenAI-compatible" in line and "not to OpenAI" in line
    assert narration.explain_selection("rollout: provider=glm") == "rollout: provider=glm"


def test_a_rehearsals_github_links_are_the_stand_ins_not_github_com(tmp_path: Path) -> None:
    """A release the stand-in GitHub creates in a rehearsal links to the stand-in's own
    address: its page, its generated notes and its assets."""
    import requests
    from demo import example_repository

    from release_actions.rehearsal.actions import write_actions
    from release_actions.rehearsal.discovery import discover
    from release_actions.rehearsal.run import Options, rehearsal, repository_name

    source = example_repository(tmp_path / "sample")
    pipeline = discover(source, write_actions(tmp_path / "work/actions"))
    options = Options(repository_name(source))
    with rehearsal(tmp_path / "work", source, pipeline, options) as run:
        created = requests.post(
            f"{run.github.url}/repos/{options.repository}/releases", timeout=10,
            json={"tag_name": "v9.9.9", "generate_release_notes": True},
            headers={"Authorization": "Bearer t"}).json()
    assert created["html_url"].startswith(f"{run.github.url}/")
    assert "https://github.com" not in created["html_url"] + created["body"]


def test_a_provider_never_probed_is_explained() -> None:
    assert "answered before its turn" in narration.explain_probe("github-models: not probed")


def test_make_demo_is_the_rehearse_command_on_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m demo` hands the rehearse command a consumer repository made of examples/
    (deepseek's stand-in down) and exits with the rehearsal's code."""
    import demo.__main__ as make_demo

    called: list[tuple[list[str], Path, list[str]]] = []

    def rehearse(argv: list[str], cwd: Path | None = None) -> int:
        assert cwd is not None
        workflows = sorted(p.name for p in (cwd / ".github/workflows").iterdir())
        assert (cwd / "src/release_actions_sample/__init__.py").is_file()
        called.append((list(argv), cwd, workflows))
        return 1

    monkeypatch.setattr(cli, "main", rehearse)
    assert make_demo.main(["--keep"]) == 1

    [(argv, cwd, workflows)] = called
    assert argv == ["--providers-down", "deepseek", "--keep"]
    assert workflows == ["integration-eval.yml", "internal-preview-release.yml",
                         "public-release.yml", "test.yml"]
    assert not cwd.exists()  # the temporary repository is gone afterwards


def test_the_report_shows_each_published_files_provenance_and_the_publishers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = {"stages": [], "release": None, "pull_request": None, "canaries_leaked": 0,
                "trusted_publishers": ["octo/a:release.yml:pypi"], "empty_secrets": [],
                "published": [{"file": "a-1.0.tar.gz", "version": "1.0", "sha256": "f" * 64,
                               "channel": "public", "provenance": "verified"}]}
    cli.tell(document)
    out = capsys.readouterr().out
    assert "trusted publishers octo/a:release.yml:pypi" in out
    assert f"{'f' * 64}  a-1.0.tar.gz  (public 1.0, provenance verified)" in out


def test_the_install_lines_say_what_pip_got() -> None:
    assert distribution(["tiny_lib-0.4.0-py3-none-any.whl"]) == "tiny-lib"
    got = Installed(True, "tiny-lib", "0.4.1.dev3", ["tiny_lib"])
    assert describe(got) == "pip install --pre tiny-lib  → 0.4.1.dev3 (import tiny_lib ok)"
    assert "no public release" in describe(Installed(False, "tiny-lib"))
    needs = describe(Installed(False, "tiny-lib", "0.4.0", ["tiny_lib"], missing="requests"))
    assert "needs `requests`" in needs


def test_a_preview_that_skips_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tried as a new user would, on a project whose main holds a final version (4.0.0): the
    first preview published nothing and said nothing of version-rewrite's skip."""
    pipe = Pipe()
    monkeypatch.setattr("sys.stdout", pipe)
    log = ("[internal-preview-release/publish]   | Tested commit 541f (on main), run number 1\n"
           "[internal-preview-release/publish]   ❓ ::notice title=version-rewrite::Skipping the "
           "preview: main holds the final version 4.0.0\n")
    fake = types.SimpleNamespace(push_main=lambda: [_run(log)],
                                 index=types.SimpleNamespace(files={}))

    cli.preview(cli.Story(fake), "Preview")  # type: ignore[arg-type]

    assert pipe.getvalue().splitlines()[-1] == (
        "   ✔ Skipping the preview: main holds the final version 4.0.0")
