"""A regular expression the project wrote, run with a bound on time.

Python's `re` backtracks: a pattern such as `^(v+)+$` takes exponential time on a tag like
`vvvv…x`, and a C-level match holds the interpreter (no thread or deadline can stop it). So a
project's pattern runs in a child Python process, over all the texts at once, and the child is
killed when it does not answer in time. The child uses the same `re` the build plugin uses, so
what matches is exactly what the plugin would match."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from release_actions.errors import ConfigError
from release_actions.kinds import quote

TIMEOUT_SECONDS = 5.0
SLOW_PATTERN = (
    "{where} {pattern} in {path} did not finish on the version file ({detail}): it backtracks "
    "catastrophically (nested repeats such as `(v+)+` or `(.*)*`), and the build backend would "
    "hang on it too. Rewrite it without a repeat inside a repeat."
)

Spans = list[tuple[int, int]]  # (start, end) of group 0, 1, 2, … ; (-1, -1) for a group unset

_CHILD = """\
import json, re, sys
data = json.load(sys.stdin)
pattern = re.compile(data["pattern"], data["flags"])
find = pattern.search if data["search"] else pattern.match
found = []
for text in data["texts"]:
    match = find(text)
    found.append(None if match is None else [match.span(i) for i in range(pattern.groups + 1)])
json.dump(found, sys.stdout)
"""


class RegexTimeout(Exception):
    """The pattern did not finish within the bound: it backtracks catastrophically."""


def spans(pattern: re.Pattern[str], text: str, *, search: bool) -> Spans | None:
    """One match in this process: for the patterns this package writes, known to be linear."""
    match = pattern.search(text) if search else pattern.match(text)
    if match is None:
        return None
    return [match.span(index) for index in range(pattern.groups + 1)]


def spans_bounded(pattern: str, texts: list[str], *, search: bool,
                  timeout: float | None = None, flags: int = 0) -> list[Spans | None]:
    """Match (or search) `pattern` against each text in a child process; `RegexTimeout` when
    the whole run takes longer than `timeout` seconds (TIMEOUT_SECONDS unless given). The
    pattern must compile."""
    # Read at call time, not definition time: tests of the refusal shorten the module's bound.
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    payload = json.dumps({"pattern": pattern, "texts": texts, "search": search,
                          "flags": flags})
    # -I -S: no user site, no .pth files, no PYTHON* variables; nothing but `re` runs.
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _CHILD], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={},
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RegexTimeout(f"no answer within {timeout:g} s") from None
    if proc.returncode != 0:
        # A MemoryError or RecursionError from the pattern: as unusable as a hang.
        raise RegexTimeout(err.strip().splitlines()[-1] if err.strip() else
                           f"the matching process ended with exit {proc.returncode}")
    return [None if item is None else [(span[0], span[1]) for span in item]
            for item in json.loads(out)]


def group_span(pattern: re.Pattern[str], text: str, group: str, *, where: str,
               declared_in: Path) -> tuple[int, int] | None:
    """Where `group` of a project's pattern lies in the first search hit in `text` (None: no
    hit), bounded like every project pattern; a pattern that does not finish is bad input."""
    found = search_spans(pattern, text, where=where, declared_in=declared_in)
    return None if found is None else found[pattern.groupindex[group]]


def search_spans(pattern: re.Pattern[str], text: str, *, where: str,
                 declared_in: Path) -> Spans | None:
    """The span of every group (0 the whole hit; (-1, -1) for a group that took no part) of
    the first search hit of a project's pattern in `text`, bounded; None: no hit."""
    try:
        [found] = spans_bounded(pattern.pattern, [text], search=True, flags=pattern.flags)
    except RegexTimeout as error:
        raise ConfigError(SLOW_PATTERN.format(where=where, pattern=quote(pattern.pattern),
                                              path=declared_in, detail=error),
                          file=declared_in) from None
    return found
