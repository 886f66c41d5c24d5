"""The READMEs' workflow snippets stand on their own: each is valid YAML, and every
`steps.<id>` it reads is a step it defines; the main README's console examples run and print
what they show."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT, clean_env

READMES = [ROOT / "README.md", *sorted(ROOT.glob("*/README.md"))]
SNIPPET = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)
STEP_READ = re.compile(r"\bsteps\.([A-Za-z_][A-Za-z0-9_-]*)\.")


def snippets() -> list[tuple[str, str]]:
    found = []
    for readme in READMES:
        for number, match in enumerate(SNIPPET.finditer(readme.read_text()), 1):
            found.append((f"{readme.relative_to(ROOT)}#{number}", match.group(1)))
    return found


def defined_ids(document: object) -> set[str]:
    """Every `id:` of a step anywhere in a parsed snippet."""
    if isinstance(document, dict):
        is_step = "id" in document and ("uses" in document or "run" in document)
        own = {str(document["id"])} if is_step else set()
        return own.union(*(defined_ids(value) for value in document.values()))
    if isinstance(document, list):
        return set().union(*(defined_ids(item) for item in document))
    return set()


@pytest.mark.parametrize(("where", "text"), snippets(), ids=[w for w, _ in snippets()])
def test_snippet_reads_only_steps_it_defines(where: str, text: str) -> None:
    document = yaml.safe_load(text)
    read = set(STEP_READ.findall(text))
    missing = read - defined_ids(document)
    assert not missing, f"{where} reads steps.{', steps.'.join(sorted(missing))} without a step"


def test_the_check_sees_an_undefined_step() -> None:
    """Given the old first README snippet, which read a step it did not define, the check
    finds it."""
    text = "- id: version\n  uses: x/y@v1\n  with:\n    n: ${{ steps.tested.outputs.n }}\n"
    assert set(STEP_READ.findall(text)) - defined_ids(yaml.safe_load(text)) == {"tested"}


def test_there_are_snippets_to_check() -> None:
    assert len(snippets()) >= 5


# --- the console examples run ---------------------------------------------------------------

CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
SAMPLE = ROOT / "examples/sample-package"
DELIMITER = re.compile(r"ghadelimiter_[0-9a-f]{32}(?![0-9a-f-])")
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


def console_examples() -> list[tuple[str, str, str]]:
    """(where, command, expected output) for every `$ release-actions ...` line of the main
    README's console blocks: the lines up to the next `$` are what it prints."""
    found = []
    for number, block in enumerate(CONSOLE.finditer(README.read_text()), 1):
        lines = block.group(1).splitlines()
        starts = [index for index, line in enumerate(lines) if line.startswith("$ ")]
        assert starts and starts[0] == 0, f"README.md console block {number} starts without $"
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
            expected = "\n".join(lines[start + 1:end])
            found.append((f"README.md#console{number}", lines[start][2:], expected))
    return found


def normalized(text: str) -> str:
    """Random delimiters numbered in order of appearance, and sha256 digests (the build's
    timestamp is the commit's) as a placeholder; everything else compared as printed."""
    seen: dict[str, str] = {}
    text = DELIMITER.sub(lambda m: seen.setdefault(m.group(0), f"<delimiter {len(seen) + 1}>"),
                         text)
    return SHA256.sub("<sha256>", text).rstrip("\n")


README = ROOT / "README.md"
EXAMPLES = console_examples()


@pytest.mark.parametrize(("where", "command", "expected"), EXAMPLES,
                         ids=[f"{w}-{c.split()[1]}" for w, c, _ in EXAMPLES])
def test_the_readme_console_example_prints_what_it_shows(
    tmp_path: Path, where: str, command: str, expected: str
) -> None:
    """Run in a copy of the sample package, outside Actions, each example prints exactly what
    the README shows (random delimiters and digests aside)."""
    assert command.startswith("release-actions "), f"{where}: {command}"
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("dist", ".venv"))
    script = f"release-actions() {{ {sys.executable} -m release_actions \"$@\"; }}\n{command}"
    proc = subprocess.run(["bash", "-c", script], cwd=project, capture_output=True, text=True,
                          env=clean_env(PYTHONPATH=str(ROOT / "src")), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert normalized(proc.stdout) == normalized(expected)


def test_the_console_examples_are_found_and_the_check_sees_drift() -> None:
    """The examples are there (version-rewrite's outputs and summary, publish's heredocs), and
    the comparison tells the old summary line (without its origin) from today's."""
    assert [c.split()[1] for _, c, _ in EXAMPLES] == ["version-rewrite", "version-rewrite",
                                                      "publish"]
    publish_output = EXAMPLES[2][2]
    assert "verified=skipped" in publish_output
    old = "Would rewrite (dry run) `0.1.0.dev0` → `0.1.0.dev123` (run number 123)."
    assert normalized(old) not in normalized(EXAMPLES[1][2]).splitlines()


def test_no_readme_example_fetches_history_that_tag_guard_fetches_itself() -> None:
    """The main README says no fetch-depth is needed before tag-guard: no snippet that runs
    tag-guard sets one."""
    for where, text in snippets():
        if "/tag-guard@" in text:
            assert not re.search(r"^\s*fetch-depth:", text, re.M), where


def test_the_readme_says_how_to_install_the_command_from_pypi_and_from_a_checkout() -> None:
    """The install lines name the distribution and the command pyproject.toml declares."""
    import tomlkit

    project = tomlkit.parse((ROOT / "pyproject.toml").read_text())["project"]
    name = project["name"]
    assert name in project["scripts"]
    text = README.read_text()
    for line in (f"uv tool install {name}", f"pipx install {name}", f"uvx {name} --help",
                 f"uv tool install ./{name}"):
        assert line in text, line
