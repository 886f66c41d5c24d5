"""Input kinds: where every input's validation lives, once, for every command.

A kind turns the raw text of an input (a flag or `INPUT_*`, already trimmed) into a typed value,
or refuses it with one `InputError` that says what was expected. Quoted input is capped and
shown with `repr`, so nothing a value holds (a line break, a workflow command, a password)
reaches the log as given.

A command names a kind (`kinds.word`) or has one made here (`kinds.choice(...)`,
`kinds.matching(...)`), never defines its own: tests/static/test_code_claims.py checks it."""

from __future__ import annotations

import contextlib
import errno
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from release_actions.context import Context
from release_actions.errors import ConfigError, InputError

if TYPE_CHECKING:
    from packaging.version import Version

T = TypeVar("T")
Kind = Callable[[str, str, Context], T]

QUOTE_CHARS = 80
# YAML 1.2 core booleans, as `core.getBooleanInput` reads them.
TRUE_WORDS = frozenset({"true", "True", "TRUE"})
FALSE_WORDS = frozenset({"false", "False", "FALSE"})
MAX_INT = 10**18  # no counter an input names comes near; int() of thousands of digits fails
_DECIMAL = re.compile(r"[0-9]+\Z")
_SECONDS = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?\Z")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# A git ref or tag used in commands, messages and outputs: no whitespace, `%` or `:`, no
# leading `-` (a git option).
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+!/-]{0,199}\Z")
_PREFIX = re.compile(r"[A-Za-z0-9._/-]{0,100}\Z")
# A name handed to another program as one argument (an agent, a tool): no space, no option.
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@/:-]{0,99}\Z")
_WORKFLOW_FILE = re.compile(r"[A-Za-z0-9._-]{1,200}\.ya?ml\Z")
_ENVIRONMENT = re.compile(r"[^\x00-\x1f\x7f]{1,255}\Z")
_SHA = re.compile(r"[0-9a-f]{40}\Z")
# Characters upload-artifact refuses in a name, and line breaks.
_ARTIFACT_NAME = re.compile(r'[^"\\:<>|*?/\r\n\x00]{1,200}\Z')
# GitHub's rules: an owner is 1-39 letters, digits and inner hyphens (`_` for managed users); a
# repository name 1-100 of letters, digits and . _ - (never `.` or `..`, which would walk the
# API's paths).
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,37}[A-Za-z0-9])?\Z")
_REPOSITORY_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}\Z")

# The longest wait any network step may be given, in seconds (every `timeout` input).
MAX_TIMEOUT = 600.0

def quote(raw: str, limit: int = QUOTE_CHARS) -> str:
    """A value as an error shows it: capped and escaped."""
    return repr(raw[:limit] + ("…" if len(raw) > limit else ""))


def require_text(what: str, raw: str, *, show: bool = True) -> None:
    """Refuse text that is not valid UTF-8 (Python hands such bytes on as lone surrogates)."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        shown = raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        quoted = f": {quote(shown)}" if show else ""
        raise InputError(f"{what} is not valid UTF-8 text{quoted}. Pass it as UTF-8.") from None


def text(name: str, raw: str, ctx: Context) -> str:
    return raw


def line(name: str, raw: str, ctx: Context) -> str:
    """Free text on one line: a line break could forge a workflow command in the log."""
    if "\n" in raw or "\r" in raw or "\x00" in raw:
        raise InputError(f"Input `{name}` must be one line of text; got {quote(raw)}.")
    return raw


def matching(pattern: re.Pattern[str], refusal: str, *, empty: bool = False) -> Kind[str]:
    """Text `pattern` matches; else `refusal`, formatted with `name` (the input) and `got` (the
    value, quoted). With `empty`, "" passes too (the command then decides)."""

    def parse(name: str, raw: str, ctx: Context) -> str:
        if (raw or not empty) and not pattern.match(raw):
            raise InputError(refusal.format(name=name, got=quote(raw)))
        return raw

    return parse


# One name, as a later step passes it on (`--agent "$AGENT"`): letters, digits, `._+@/:-`.
word = matching(_WORD, "Input `{name}` must be one name (letters, digits and . _ + @ / : -, "
                       "starting with a letter or digit); got {got}.")
# A workflow's file name, as PyPI's trusted publisher names it; empty: none (doctor: the
# project has no such channel).
workflow_file = matching(_WORKFLOW_FILE, "Input `{name}` must be a workflow file name such as "
                                         "public-release.yml (no folder), got {got}.", empty=True)
# An environment's name; empty: none (PyPI's publisher form leaves the environment optional).
environment_name = matching(_ENVIRONMENT, "Input `{name}` must be an environment name (1 to 255 "
                                          "characters, one line), got {got}.", empty=True)
# A commit as the workflow_run event names it; empty when the command runs without one.
commit_sha = matching(
    _SHA,
    "Input `{name}` must be a full commit sha (40 lowercase hex digits), got {got}. Leave the "
    "default `${{{{ github.event.workflow_run.head_sha || github.sha }}}}`.",
    empty=True,
)
# An artifact's name, as upload-artifact takes it; empty: the command's default name.
artifact_name = matching(
    _ARTIFACT_NAME,
    "Input `{name}` must be an artifact name of 1 to 200 characters without "
    '" : < > | * ? \\ / or line breaks; got {got}.',
    empty=True,
)


def run_id(name: str, raw: str, ctx: Context) -> int | None:
    """A workflow run's id, or None when empty."""
    if raw and (not raw.isascii() or not raw.isdigit() or len(raw) > 20 or int(raw) == 0):
        raise InputError(
            f"Input `{name}` must be a workflow run id (a positive whole number), got "
            f"{quote(raw)}. Leave the default `${{{{ github.event.workflow_run.id }}}}`."
        )
    return int(raw) if raw else None


def boolean(name: str, raw: str, ctx: Context) -> bool:
    """YAML 1.2 core booleans, like `core.getBooleanInput`; anything else is refused."""
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise InputError(
        f"Input `{name}` must be a boolean (true or false), got {quote(raw)}. "
        f"Set `{name}: true` or `{name}: false`."
    )


def optional_boolean(name: str, raw: str, ctx: Context) -> bool | None:
    """Empty means "the command decides" (e.g. from another input)."""
    return None if raw == "" else boolean(name, raw, ctx)


def listed(raw: str) -> list[str]:
    """Newline- or comma-separated items, trimmed, empty items dropped."""
    return [item.strip() for item in re.split(r"[\n,]", raw) if item.strip()]


def items(name: str, raw: str, ctx: Context) -> tuple[str, ...]:
    return tuple(listed(raw))


def names(known: Mapping[str, str], empty: str, unknown: str) -> Kind[tuple[str, ...]]:
    """A list of names `known` holds, in the order given; a name that `known` maps to one given
    before (an alias) counts once, spelled as first given. `empty` and `unknown` are the
    refusals, formatted with `name` and (`unknown`) `got`."""

    def parse(name: str, raw: str, ctx: Context) -> tuple[str, ...]:
        given = listed(raw)
        if not given:
            raise InputError(empty.format(name=name))
        chosen: dict[str, str] = {}  # the name `known` maps to -> the name given first for it
        for item in given:
            if item not in known:
                raise InputError(unknown.format(name=name, got=quote(item)))
            chosen.setdefault(known[item], item)
        return tuple(chosen.values())

    return parse


def choice(*values: str) -> Kind[str]:
    def parse(name: str, raw: str, ctx: Context) -> str:
        if raw not in values:
            raise InputError(
                f"Input `{name}` must be one of {', '.join(values)}; got {quote(raw)}."
            )
        return raw

    return parse


def subset(*values: str) -> Kind[tuple[str, ...]]:
    """A list (comma- or newline-separated) whose every item is one of `values`."""

    def parse(name: str, raw: str, ctx: Context) -> tuple[str, ...]:
        chosen = tuple(listed(raw))
        unknown = [item for item in chosen if item not in values]
        if unknown:
            raise InputError(
                f"Input `{name}` lists {', '.join(quote(item) for item in unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not among {', '.join(values)}."
            )
        return chosen

    return parse


def positive_int(limit: int | None = None, why: str = "") -> Kind[int]:
    """A positive decimal integer in ASCII digits (leading zeros dropped), at most `limit`."""

    def parse(name: str, raw: str, ctx: Context) -> int:
        too_long = len(raw.lstrip("0")) > len(str(limit or MAX_INT))
        if not _DECIMAL.match(raw) or too_long or int(raw) == 0 or (limit and int(raw) > limit):
            bound = f" up to {limit}{f' ({why})' if why else ''}" if limit else ""
            raise InputError(
                f"Input `{name}` must be a positive whole number{bound} such as 123, got "
                f"{quote(raw)}. Pass e.g. `{name}: ${{{{ github.run_number }}}}`."
            )
        return int(raw)

    return parse


def optional_positive_int(limit: int | None = None) -> Kind[int | None]:
    """A `positive_int`, or None when empty."""
    parse_int = positive_int(limit)

    def parse(name: str, raw: str, ctx: Context) -> int | None:
        return parse_int(name, raw, ctx) if raw else None

    return parse


def _seconds(name: str, raw: str, limit: float, zero: bool) -> float:
    if not _SECONDS.match(raw) or not (float(raw) > 0 or zero) or float(raw) > limit:
        lowest = "from 0 to" if zero else "above 0 and at most"
        raise InputError(
            f"Input `{name}` must be a number of seconds {lowest} {limit:g}, such as 25 or "
            f"2.5; got {quote(raw)}."
        )
    return float(raw)


def seconds(limit: float) -> Kind[float]:
    """Seconds above 0, up to `limit` (a timeout)."""

    def parse(name: str, raw: str, ctx: Context) -> float:
        return _seconds(name, raw, limit, zero=False)

    return parse


def delay(limit: float) -> Kind[float]:
    """Seconds from 0 (none), up to `limit` (a wait before something starts)."""

    def parse(name: str, raw: str, ctx: Context) -> float:
        return _seconds(name, raw, limit, zero=True)

    return parse


def version(name: str, raw: str, ctx: Context) -> Version | None:
    """A PEP 440 version, or None when empty."""
    from release_actions import versions

    if not raw:
        return None
    parsed = versions.try_parse(raw)
    if parsed is None:
        raise InputError(
            f"Input `{name}` must be a PEP 440 version such as 1.2.3 or 1.2.3.dev4; got "
            f"{quote(raw)}."
        )
    return parsed


def git_ref(name: str, raw: str, ctx: Context) -> str:
    if not raw:
        raise InputError(f"Input `{name}` is empty; set it, e.g. `{name}: main`.")
    if not _REF.match(raw) or ".." in raw:
        raise InputError(
            f"Input `{name}` is not a plain git ref name: {quote(raw)}. Use letters, digits "
            "and . _ + ! / - only (no spaces, newlines, `%` or `:`), starting with a letter "
            "or digit."
        )
    return raw


def tag(how_to: str) -> Kind[str]:
    """A tag as `github.ref_name` or `github.ref` gives it (`refs/tags/` dropped), a plain git
    ref; empty is refused with `how_to` (how to pass one)."""

    def parse(name: str, raw: str, ctx: Context) -> str:
        if not raw:
            raise InputError(f"Input `{name}` is empty. {how_to}")
        return git_ref(name, raw.removeprefix("refs/tags/"), ctx)

    return parse


def is_repository(value: str) -> bool:
    """`value` is owner/name as GitHub allows them."""
    owner, slash, name = value.partition("/")
    return bool(slash and _OWNER.match(owner) and _REPOSITORY_NAME.match(name)
                and name not in (".", ".."))


def repository(name: str, raw: str, ctx: Context) -> str:
    """owner/name of a GitHub repository; empty takes GITHUB_REPOSITORY (may be empty too)."""
    value = raw or ctx.repository
    if value and not is_repository(value):
        source = f"Input `{name}`" if raw else "GITHUB_REPOSITORY"
        raise InputError(
            f"{source} must be owner/name as GitHub spells them (owner: letters, digits and "
            f"inner hyphens; name: letters, digits, . _ -, not `.` or `..`), got {quote(value)}."
        )
    return value


tag_prefix = matching(_PREFIX, "Input `{name}` may hold letters, digits and . _ / - only, "
                               "got {got}.")


# --- URLs ---------------------------------------------------------------------------------------


def _without_userinfo(raw: str) -> str:
    """The URL as an error may quote it: whatever precedes its last `@` is cut (a password
    may hold `/` and still be one)."""
    return re.sub(r"(?<=//).*@", "***@", raw, flags=re.S)


def check_url(name: str, raw: str, label: str = "",
              example: str = "https://pypi.org/simple/") -> str:
    """`raw` if it is an http(s) URL with a host, a valid port and no credentials. `label`
    names where it came from in errors (default: the input `name`)."""
    label = label or f"Input `{name}`"
    shown = quote(_without_userinfo(raw))
    require_text(label, _without_userinfo(raw))
    if _CONTROL.search(raw):
        raise InputError(
            f"{label} must be a URL without spaces or control characters; got {shown}."
        )
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InputError(f"{label} is not a valid URL (host or port): {shown}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{label} must be an http(s) URL such as {example}; got {shown}.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InputError(
            f"{label} holds a user name or password ({shown}). Credentials never go in "
            "a URL: pass them in the inputs or variables meant for them (from secrets)."
        )
    del port
    return raw


def url(name: str, raw: str, ctx: Context) -> str:
    if not raw:
        raise InputError(f"Input `{name}` is empty; set an http(s) URL.")
    return check_url(name, raw)


def optional_url(name: str, raw: str, ctx: Context) -> str:
    """A URL, or empty to switch off what it is for."""
    return check_url(name, raw) if raw else ""


def optional_base_url(name: str, raw: str, ctx: Context) -> str:
    """An `optional_url` that paths are joined to: trailing `/` dropped."""
    return optional_url(name, raw, ctx).rstrip("/")


# --- paths --------------------------------------------------------------------------------------


def _inside_workspace(resolved: Path, ctx: Context) -> bool:
    """Whether a resolved path lies in `GITHUB_WORKSPACE` (anywhere outside Actions)."""
    workspace = ctx.workspace
    return workspace is None or resolved.is_relative_to(workspace.resolve())


def confined(name: str, path: Path, ctx: Context) -> Path:
    """`path`, refused when it names nothing usable or leads outside `GITHUB_WORKSPACE` once
    links are resolved. Returned as given (relative paths stay relative)."""
    if "\x00" in str(path) or "\n" in str(path) or "\r" in str(path):
        raise InputError(f"Input `{name}` is not a usable path: {quote(str(path))}.")
    try:
        resolved = path.resolve()
        with contextlib.suppress(FileNotFoundError):  # a file still to be made is fine
            path.stat()
    except (OSError, RuntimeError) as error:
        code = getattr(error, "errno", None)
        why = {errno.ENAMETOOLONG: "a name is too long", errno.ELOOP: "it is a symlink loop",
               errno.ENOTDIR: "a part of it is a file, not a folder"}
        reason = why.get(code or 0, "links in it loop" if isinstance(error, RuntimeError)
                         else error.strerror or type(error).__name__)
        raise InputError(
            f"Input `{name}` is not a usable path ({reason}): {quote(str(path))}."
        ) from None
    if not _inside_workspace(resolved, ctx):
        raise InputError(
            f"Input `{name}` leads outside the workspace: {quote(str(path))}. Give a path "
            "inside the checkout (GITHUB_WORKSPACE), without links that leave it."
        )
    return path


def require_in_workspace(path: Path, ctx: Context, named_by: str) -> None:
    """A file the project's configuration names (a dynamic version's file) must lie inside
    `GITHUB_WORKSPACE` once links are resolved: the action never reads or writes outside it."""
    if ctx.workspace is None:
        return
    try:
        inside = _inside_workspace(path.resolve(), ctx)
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise ConfigError(
            f"{quote(str(path), 200)}, named by {named_by}, leads outside the workspace (or "
            "through a link loop). Keep version files inside the checkout.", file=named_by,
        )


def workspace_path(name: str, raw: str, ctx: Context) -> Path:
    if not raw:
        raise InputError(f"Input `{name}` is empty; give a path inside the checkout.")
    return confined(name, Path(raw), ctx)


def optional_json_file(name: str, raw: str, ctx: Context) -> Path | None:
    """A JSON file inside the checkout, or None when empty."""
    if not raw:
        return None
    path = confined(name, Path(raw), ctx)
    if not path.is_file():
        raise InputError(f"Input `{name}` is {quote(raw)}, which is not a file in the checkout.")
    try:
        json.loads(path.read_bytes())
    except json.JSONDecodeError as error:
        raise InputError(f"Input `{name}`: {quote(raw)} is not JSON ({error.msg}, line "
                         f"{error.lineno}). Give the JSON file itself.", file=path,
                         line=error.lineno) from None
    except (OSError, ValueError, RecursionError) as error:
        raise InputError(f"Input `{name}`: {quote(raw)} is not readable JSON "
                         f"({type(error).__name__}).", file=path) from None
    return path


def workspace_paths(name: str, raw: str, ctx: Context) -> tuple[Path, ...]:
    return tuple(confined(name, Path(item), ctx) for item in listed(raw))


def workspace_folder(default: str, refusal: str) -> Kind[Path]:
    """A folder inside the checkout, `default` when empty; anything else is refused with
    `refusal`, formatted with `name` and `got` (the value, quoted)."""

    def parse(name: str, raw: str, ctx: Context) -> Path:
        path = workspace_path(name, raw or default, ctx)
        if not path.is_dir():
            raise InputError(refusal.format(name=name, got=quote(raw)))
        return path

    return parse


workspace_dir = workspace_folder(
    ".", "Input `{name}` is {got}, which is not a directory. Point it at the project (the "
         "folder with pyproject.toml)."
)


def any_folder(example: str) -> Kind[Path]:
    """A folder the job may write anywhere (`runner.temp` lies outside the workspace), as one
    line; empty is refused with `example`."""

    def parse(name: str, raw: str, ctx: Context) -> Path:
        if not raw:
            raise InputError(f"Input `{name}` is empty; give a directory, e.g. `{example}`.")
        return Path(line(name, raw, ctx))

    return parse
