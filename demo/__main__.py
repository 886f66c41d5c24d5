"""`make demo`: release the sample package end to end on this machine, with no Docker engine
and no network, and show what happened.

1. main at 0.1.0.dev0: test → integration-eval → internal-preview-release publishes the preview
   0.1.0.dev<N>, N = the tested run's number.
2. The release pull request sets 0.1.0 on main: the preview pipeline skips it.
3. Tag v0.1.0: public-release guards the tag, publishes 0.1.0 and makes the GitHub Release.
4. main bumped to 0.1.1.dev0: the next preview, 0.1.1.dev<N>.
5. `pip install --pre` takes the newest preview back from the index; plain `pip install` takes
   the public release.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from demo.pipeline import Pipelines, Step, pipelines


def _fail(step: Step) -> None:
    print(step.log[-6000:])
    raise SystemExit(f"demo: {step.name} ({step.workflow}) failed with exit code {step.code}")


def _expect(steps: list[Step], count: int) -> None:
    for step in steps:
        if not step.ok:
            _fail(step)
    if len(steps) != count:
        raise SystemExit("demo: a pipeline stopped early")


def _lines(step: Step, pattern: str) -> list[str]:
    """The step output lines (act prefixes them with `| `) that match `pattern`."""
    found = [line.split("| ", 1)[-1] for line in step.log.splitlines()
             if "| " in line and re.search(pattern, line)]
    return list(dict.fromkeys(found))  # act prints a composite action's summary twice


def _notice(step: Step) -> str:
    found = re.search(r"::notice[^:]*::(.*)", step.log)
    return found.group(1) if found else ""


def run(run: Pipelines) -> None:
    started = time.monotonic()
    print("== 1. preview of main at 0.1.0.dev0 (tested run #41)")
    first = run.preview_pipeline(test_run=41)
    _expect(first, 3)
    print("== 2. release pull request sets 0.1.0 on main (tested run #42)")
    run.set_version("0.1.0")
    second = run.preview_pipeline(test_run=42)
    _expect(second, 3)
    print("== 3. tag v0.1.0")
    public = run.public_release("v0.1.0")
    _expect([public], 1)
    print("== 4. main bumped to 0.1.1.dev0 (tested run #43)")
    run.set_version("0.1.1.dev0")
    third = run.preview_pipeline(test_run=43)
    _expect(third, 3)
    print("== 5. installing back from the index")
    pre, plain = run.install(pre=True), run.install(pre=False)

    print("\n# What happened\n")
    print("| run | workflow | result |\n|---|---|---|")
    for step in run.steps:
        print(f"| {step.name} | {step.workflow} | {'ok' if step.ok else f'exit {step.code}'} |")
    print("\nDecisions:")
    print("- integration gate (run #41):")
    for line in _lines(first[1], r"\| (deepseek|glm|qwen|litellm|openai|github-models): |Selected"):
        print(f"    {line}")
    for line in _lines(first[1], r"\| (rollout|judge): "):
        print(f"    {line}")
    print(f"- preview pipeline (run #42, main at 0.1.0): {_notice(second[2])}")
    for line in _lines(public, r"\| .*(tag-guard|Tag v0\.1\.0|on origin/main)"):
        print(f"- public release: {line}")
    print("\nOn the index (sha256):")
    for path in sorted(run.index.packages.iterdir()):
        print(f"  {hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}")
    release = run.github.release("v0.1.0")
    if release:
        assets = ", ".join(asset["name"] for asset in release["_assets"])
        print(f"\nGitHub Release v0.1.0: draft={release['draft']} "
              f"prerelease={release['prerelease']} assets: {assets}")
        print("  body (CHANGELOG.md's 0.1.0 section, then GitHub's generated notes):")
        for line in str(release["body"]).splitlines():
            print(f"    {line}")
    for line in _lines(public, r"Verified: |Inspection passed"):
        print(f"- publish: {line}")
    print(f"\npip install --pre {pre.split()[0]}  → {pre}")
    print(f"pip install {plain.split()[0]}        → {plain}")
    print(f"\n{len(run.steps)} workflow runs in {time.monotonic() - started:.0f} s")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="release-actions-demo-"))
    try:
        with pipelines(work) as demo:
            run(demo)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
