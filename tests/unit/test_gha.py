"""The Actions runtime: every rule of it, one test each."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_actions import gha
from tests.helpers import parse_key_values


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({"INPUT_RUN-NUMBER": " 12 "}, "12", id="docker-hyphen-trimmed"),
        pytest.param({"INPUT_RUN_NUMBER": "13"}, "13", id="composite-underscore"),
        pytest.param({"INPUT_RUN_NUMBER": ""}, "", id="set-but-empty-stays-empty"),
        pytest.param({}, None, id="unset-is-none"),
    ],
)
def test_read_input_accepts_both_spellings(environ: dict[str, str], expected: str | None) -> None:
    assert gha.read_input(environ, "run-number") == expected


def test_escape_data_and_property() -> None:
    assert gha.escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    for text in ("50%\r\nnext", "%0A is literal", "100%25"):
        assert gha.unescape_data(gha.escape_data(text)) == text
    assert gha.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_workflow_command_escapes_every_part() -> None:
    line = gha.workflow_command("error", "bad\n::warning::x", file="a,b:c.toml", line=3)
    assert line == "::error file=a%2Cb%3Ac.toml,line=3::bad%0A::warning::x"
    assert "\n" not in line


@given(st.text())
def test_an_annotation_is_always_one_line(message: str) -> None:
    line = gha.workflow_command("error", message, title=message)
    assert "\n" not in line and "\r" not in line


def test_key_value_uses_a_random_delimiter() -> None:
    first, second = gha.format_key_value("v", "1"), gha.format_key_value("v", "1")
    assert re.match(r"v<<ghadelimiter_[0-9a-f]{32}\n1\nghadelimiter_[0-9a-f]{32}\n\Z", first)
    assert first != second


def test_key_value_refuses_the_delimiter_inside_the_value() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        gha.format_key_value("v", "x\nEOF_1\n", delimiter="EOF_1")


@pytest.mark.parametrize("name", ["a b", "a\nb", "a<<b", "", "x=y", "1abc"])
def test_key_value_refuses_bad_names(name: str) -> None:
    with pytest.raises(ValueError):
        gha.format_key_value(name, "v")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_no_value_can_create_a_second_output(value: str) -> None:
    """Given any value an attacker controls, when it is written as an output, then the runner
    reads back exactly one output with exactly that value."""
    records = parse_key_values(gha.format_key_value("version", value))
    assert records == {"version": value}


def test_outputs_go_to_github_output(tmp_path) -> None:
    target = tmp_path / "out"
    target.write_text("")
    runner = gha.Runner({"GITHUB_OUTPUT": str(target)}, gha.Console(actions=True,
                                                                     stream=io.StringIO()))
    runner.set_outputs({"version": "1.0.dev3", "notes": "a\nb"})
    assert parse_key_values(target.read_text()) == {"version": "1.0.dev3", "notes": "a\nb"}


def test_outputs_print_name_value_without_github_output(capsys) -> None:
    gha.Runner({}, gha.Console(actions=False, stream=io.StringIO())).set_outputs({"a": "1"})
    assert capsys.readouterr().out == "a=1\n"


def test_mask_comes_first_and_redacts_everything_after() -> None:
    stream = io.StringIO()
    console = gha.Console(actions=True, stream=stream)
    console.mask("s3cret-key")
    console.info("token is s3cret-key")
    console.error("failed with s3cret-key", file="x.toml", line=2)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "::add-mask::s3cret-key"
    said = [line for line in lines if not line.startswith("::add-mask::")]
    assert said[0] == "token is ***"
    assert said[1].startswith("::error file=x.toml,line=2::failed with ***")


def test_masks_protect_the_summary_and_never_rewrite_outputs(tmp_path) -> None:
    """Given a one-character mask (a child's `::add-mask::0`, a short password), outputs still
    hold exactly what was decided; the summary (read by people) is redacted."""
    out, summary = tmp_path / "out", tmp_path / "summary"
    console = gha.Console(actions=True, stream=io.StringIO())
    console.mask("hunter2")
    console.mask("0")
    runner = gha.Runner({"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary)}, console)
    runner.set_outputs({"version": "1.0.0.dev30"})
    runner.write_summary("### key hunter2")
    assert "\n1.0.0.dev30\n" in out.read_text()
    assert "hunter2" not in summary.read_text()


def test_multiline_secret_is_masked_line_by_line() -> None:
    stream = io.StringIO()
    gha.Console(actions=True, stream=stream).mask("line-one\nline-two")
    assert stream.getvalue().startswith("::add-mask::line-one\n::add-mask::line-two\n")


@pytest.mark.parametrize(
    "hostile",
    ["::error::fake", "  ::set-output name=version::6.6.6", "::add-mask::x", "::stop-commands::t"],
)
def test_info_text_never_runs_as_a_workflow_command(hostile: str) -> None:
    """Given sub-process output relayed as info, a line that would start a workflow command is
    printed so the runner reads it as text."""
    stream = io.StringIO()
    gha.Console(actions=True, stream=stream).info(f"Server says:\n{hostile}\nend")
    for line in stream.getvalue().splitlines():
        assert not line.lstrip().startswith("::"), line
    assert hostile in stream.getvalue()


def test_group_folds_output_in_actions() -> None:
    stream = io.StringIO()
    console = gha.Console(actions=True, stream=stream)
    with console.group("uv build"):
        console.info("building")
    assert stream.getvalue() == "::group::uv build\nbuilding\n::endgroup::\n"


def test_plain_messages_outside_actions() -> None:
    stream = io.StringIO()
    console = gha.Console(actions=False, stream=stream)
    console.mask("a-long-secret")
    console.error("broken", file="pyproject.toml", line=4)
    console.warning("careful")
    assert stream.getvalue() == "error: pyproject.toml:4: broken\nwarning: careful\n"


def test_summary_appends_markdown(tmp_path) -> None:
    summary = tmp_path / "summary"
    runner = gha.Runner({"GITHUB_STEP_SUMMARY": str(summary)}, gha.Console(actions=True))
    runner.write_summary("### one")
    runner.write_summary("### two\n")
    assert summary.read_text() == "### one\n### two\n"


def test_export_env_writes_heredoc_records(tmp_path) -> None:
    env_file = tmp_path / "env"
    runner = gha.Runner({"GITHUB_ENV": str(env_file)}, gha.Console(actions=True))
    runner.export_env({"LLM_PROVIDER": "glm", "X": "multi\nline"})
    assert parse_key_values(env_file.read_text()) == {"LLM_PROVIDER": "glm", "X": "multi\nline"}


def test_export_env_without_github_env_prints_shell_lines_but_never_a_secret() -> None:
    """Outside Actions nothing is exported: the `export` lines to run are printed, quoted for
    the shell; a masked value (even one quoting would split) is never printed."""
    stream = io.StringIO()
    console = gha.Console(actions=False, stream=stream)
    console.mask("it's-a-long-secret")
    gha.Runner({}, console).export_env({"LLM_PROVIDER": "glm", "BASE": "a b",
                                        "OPENAI_API_KEY": "it's-a-long-secret"})
    text = stream.getvalue()
    assert text.splitlines() == [
        gha.NOT_EXPORTED,
        "  export LLM_PROVIDER=glm",
        "  export BASE='a b'",
        "  # export OPENAI_API_KEY=<a secret, not printed: set it yourself>",
    ]
    assert "long-secret" not in text


def test_workspace_relative_paths(tmp_path) -> None:
    (tmp_path / "pkg").mkdir()
    environ = {"GITHUB_WORKSPACE": str(tmp_path)}
    assert gha.workspace_relative(tmp_path / "pkg" / "pyproject.toml", environ) == (
        "pkg/pyproject.toml"
    )
    assert gha.workspace_relative("/elsewhere/x", environ) == "/elsewhere/x"
