"""The READMEs' workflow snippets stand on their own: each is valid YAML, and every
`steps.<id>` it reads is a step it defines."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.helpers import ROOT

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
