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

TIMEOUT_SECONDS = 5.0

Spans = list[tuple[int, int]]  # (start, end) of group 0, 1, 2, … ; (-1, -1) for a group unset

_CHILD = """\
import json, re, sys
data = json.load(sys.stdin)
pattern = re.compile(data["pattern"])
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
                  timeout: float = TIMEOUT_SECONDS) -> list[Spans | None]:
    """Match (or search) `pattern` against each text in a child process; `RegexTimeout` when
    the whole run takes longer than `timeout` seconds. The pattern must compile."""
    payload = json.dumps({"pattern": pattern, "texts": texts, "search": search})
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
