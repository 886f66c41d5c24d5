"""What the index would refuse, or what would ship broken, found before anything is uploaded.

Each check is a pure function of the built files and returns the refusals it found (each names
the file, says why and how to fix it); `inspect` runs the ones not skipped. PyPI's own rules are
mirrored: direct-URL dependencies, `Private ::` and unknown or deprecated classifiers (from the
`trove-classifiers` package PyPI itself uses), a wheel's plain `linux_*` platform tag, its
default per-file size limit."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path

from packaging.metadata import InvalidMetadata, Metadata
from packaging.requirements import Requirement
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from release_actions.distributions import WHEEL, Distribution, read_metadata
from release_actions.sdist_config import read_sdist_config

SDIST_CONTENTS = "sdist-contents"
DIRECT_REFERENCES = "direct-references"
DO_NOT_UPLOAD = "do-not-upload"
CLASSIFIERS = "classifiers"
FILE_SIZE = "file-size"
PLATFORM_TAGS = "platform-tags"
CHECKS = (SDIST_CONTENTS, DIRECT_REFERENCES, DO_NOT_UPLOAD, CLASSIFIERS, PLATFORM_TAGS, FILE_SIZE)
# The plain `linux_<arch>` tags PyPI takes (piwheels' Raspberry Pi wheels); it refuses every
# other: such a wheel runs only where it was built (manylinux and musllinux are the portable ones).
PYPI_LINUX_TAGS = frozenset({"linux_armv6l", "linux_armv7l"})

# Warehouse's MAX_FILESIZE; a project can ask PyPI for more (then skip `file-size`).
PYPI_MAX_FILE_SIZE = 100 * 1024 * 1024
MIB = 1024 * 1024
# The signature of the archive, not its content: always differs between two builds.
WHEEL_RECORD = re.compile(r"^[^/]+\.dist-info/RECORD(\.jws|\.p7s)?$")
PRIVATE_PREFIX = "Private ::"
PYPROJECT = "pyproject.toml"
LISTED = 10  # files named in a message before "and N more"

SKIP_HINT = "If this is intended, add `{check}` to `skip-checks`."
SDIST_LOST = (
    "The wheel built from the sdist {sdist} lacks {count} file(s) that a wheel built from the "
    "tree has: {files}. The sdist leaves them out, so the uploaded wheel and every install from "
    "the sdist would miss them. Include them in the sdist ({backend}: {include}) and rebuild, "
    "or exclude them there on purpose. " + SKIP_HINT
)
SDIST_LEFT_OUT = (
    "The wheel built from the sdist {sdist} lacks {count} file(s) that a wheel built from the "
    "tree has, because {backend}'s configuration leaves them out of the sdist on purpose "
    "({rules}): {files}. The published wheels lack them too."
)
DIRECT_REFERENCE = (
    "{files} depend(s) on direct URLs, which PyPI refuses: {requirements}. Depend on a release "
    "from the index instead (e.g. `name>=X.Y`; hatchling's `allow-direct-references` only lets "
    "the build pass). " + SKIP_HINT
)
PRIVATE_CLASSIFIER = (
    "{files} carry the classifier `{classifier}`, which asks indexes to refuse the upload (PyPI "
    "refuses every `Private ::` classifier). Remove it from `classifiers` in pyproject.toml if "
    "this project is meant to be published. " + SKIP_HINT
)
UNKNOWN_CLASSIFIERS = (
    "{files} carry classifiers PyPI refuses: {problems} (checked against trove-classifiers "
    "{trove}). Correct them in `classifiers` in pyproject.toml (the list: "
    "https://pypi.org/classifiers/). " + SKIP_HINT
)
LINUX_ONLY = (
    "{files} {are} tagged `{tag}`, a wheel built for this machine alone, and PyPI refuses it "
    "(\"Binary wheel ... has an unsupported platform tag\"). Repair it into a manylinux wheel "
    "(`auditwheel repair`), build the wheels with cibuildwheel, or publish the sdist alone. "
    "If the index takes such wheels (a private one), add `{check}` to `skip-checks`."
)
TOO_LARGE = (
    "{file} is {size:.1f} MiB, over the limit of {limit} MiB per file (PyPI's default is "
    "100): the index would refuse it. Make it smaller (leave data and tests out of the "
    "distribution), or ask PyPI for a higher limit (https://github.com/pypi/support) and set "
    "`max-file-size` to it."
)


@dataclass(frozen=True)
class Refusal:
    """One reason not to upload: which check, what to say, where to point the annotation."""

    check: str
    message: str
    file: Path | None = None
    line: int | None = None
    notice: bool = False  # what the project chose on purpose: said, not refused


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown + (f" and {len(items) - LISTED} more" if len(items) > LISTED else "")


def _file_names(dists: Iterable[Distribution]) -> str:
    return ", ".join(d.filename for d in dists)


def line_of(path: Path, text: str) -> int | None:
    """The first line of `path` containing `text` (1-based), to point the annotation at."""
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return next((number for number, line in enumerate(lines, 1) if text in line), None)


def _pointing_at(check: str, message: str, project: Path, text: str,
                 fallback: Path) -> Refusal:
    """A refusal annotated on the pyproject.toml line holding `text`, else on `fallback`."""
    line = line_of(project / PYPROJECT, text)
    if line is None:
        return Refusal(check, message, fallback)
    return Refusal(check, message, project / PYPROJECT, line)


# --- files lost from the sdist --------------------------------------------------------------


def wheel_contents(path: Path) -> set[str]:
    """The files of a wheel, without directory entries and RECORD signatures."""
    with zipfile.ZipFile(path) as archive:
        return {name for name in archive.namelist()
                if not name.endswith("/") and not WHEEL_RECORD.match(name)}


def missing_from_sdist(tree_wheel: Path, sdist_wheel: Path) -> list[str]:
    """Files of the wheel built from the tree that the wheel built from the sdist lacks."""
    return sorted(wheel_contents(tree_wheel) - wheel_contents(sdist_wheel))


def check_sdist_contents(tree_wheel: Path, dists: Sequence[Distribution],
                         project: Path) -> list[Refusal]:
    """Compares with dist/'s wheel of the same name (the one uv built from the sdist); what the
    backend's own configuration excludes from the sdist is a notice, the rest a refusal."""
    sdist_wheel = next((d for d in dists if d.filename == tree_wheel.name), None)
    sdist = next((d for d in dists if not d.filename.endswith(WHEEL)), None)
    if sdist_wheel is None or sdist is None:
        return []
    config = read_sdist_config(project)
    chosen: dict[str, str] = {}
    lost: list[str] = []
    for name in missing_from_sdist(tree_wheel, sdist_wheel.path):
        rule = config.excluded_by(project, name)
        if rule is None:
            lost.append(name)
        else:
            chosen[name] = rule.text
    found = []
    if chosen:
        found.append(Refusal(SDIST_CONTENTS, SDIST_LEFT_OUT.format(
            sdist=sdist.filename, count=len(chosen), backend=config.backend,
            rules=", ".join(dict.fromkeys(chosen.values())), files=_names(list(chosen))),
            project / PYPROJECT, notice=True))
    if lost:
        found.append(Refusal(SDIST_CONTENTS, SDIST_LOST.format(
            sdist=sdist.filename, count=len(lost), files=_names(lost), backend=config.backend,
            include=config.include, check=SDIST_CONTENTS), sdist.path))
    return found


# --- metadata PyPI refuses --------------------------------------------------------------------


def direct_references(metadata: Metadata) -> list[str]:
    """`Requires-Dist` entries that name a URL (`name @ https://...`)."""
    try:
        requirements = metadata.requires_dist or []
    except InvalidMetadata:
        return []  # unparseable Requires-Dist is twine check's finding, not ours
    return [str(requirement) for requirement in requirements if requirement.url]


def classifier_problems(classifiers: Iterable[str]) -> list[str]:
    """Unknown classifiers, and deprecated ones with their replacement (PyPI refuses both)."""
    from trove_classifiers import classifiers as known
    from trove_classifiers import deprecated_classifiers

    problems = []
    for classifier in classifiers:
        if classifier.startswith(PRIVATE_PREFIX):
            continue  # its own check
        if classifier in deprecated_classifiers:
            instead = deprecated_classifiers[classifier]
            use = f"use {', '.join(f'`{c}`' for c in instead)}" if instead else "remove it"
            problems.append(f"`{classifier}` is deprecated ({use})")
        elif classifier not in known:
            problems.append(f"`{classifier}` is unknown")
    return problems


def private_classifiers(classifiers: Iterable[str]) -> list[str]:
    return [c for c in classifiers if c.startswith(PRIVATE_PREFIX)]


def _by_value(dists: Sequence[Distribution], metadata: Sequence[Metadata],
              values: Callable[[Metadata], Iterable[str]]) -> dict[str, list[Distribution]]:
    """Each value found (e.g. a classifier), with the files that carry it, in first-seen order."""
    found: dict[str, list[Distribution]] = {}
    for dist, meta in zip(dists, metadata, strict=True):
        for value in values(meta):
            found.setdefault(value, []).append(dist)
    return found


def check_direct_references(dists: Sequence[Distribution], metadata: Sequence[Metadata],
                            project: Path) -> list[Refusal]:
    found = _by_value(dists, metadata, direct_references)
    if not found:
        return []
    carriers = list({d.filename: d for ds in found.values() for d in ds}.values())
    message = DIRECT_REFERENCE.format(files=_file_names(carriers),
                                      requirements=", ".join(f"`{r}`" for r in found),
                                      check=DIRECT_REFERENCES)
    first = Requirement(next(iter(found))).url or ""
    return [_pointing_at(DIRECT_REFERENCES, message, project, first, carriers[0].path)]


def check_do_not_upload(dists: Sequence[Distribution], metadata: Sequence[Metadata],
                        project: Path) -> list[Refusal]:
    found = _by_value(dists, metadata, lambda meta: private_classifiers(meta.classifiers or []))
    return [_pointing_at(DO_NOT_UPLOAD,
                         PRIVATE_CLASSIFIER.format(files=_file_names(carriers),
                                                   classifier=classifier, check=DO_NOT_UPLOAD),
                         project, classifier, carriers[0].path)
            for classifier, carriers in found.items()]


def check_classifiers(dists: Sequence[Distribution], metadata: Sequence[Metadata],
                      project: Path) -> list[Refusal]:
    found = _by_value(dists, metadata, lambda meta: classifier_problems(meta.classifiers or []))
    if not found:
        return []
    carriers = list({d.filename: d for ds in found.values() for d in ds}.values())
    message = UNKNOWN_CLASSIFIERS.format(files=_file_names(carriers), problems="; ".join(found),
                                         trove=installed_version("trove-classifiers"),
                                         check=CLASSIFIERS)
    first = next(iter(found)).split("`")[1]
    return [_pointing_at(CLASSIFIERS, message, project, first, carriers[0].path)]


# --- platform tags ----------------------------------------------------------------------------


def check_platform_tags(dists: Sequence[Distribution]) -> list[Refusal]:
    """One refusal per plain `linux_*` platform tag PyPI refuses, naming its wheels."""
    found: dict[str, list[Distribution]] = {}
    for dist in dists:
        if not dist.filename.endswith(WHEEL):
            continue
        try:
            tags = parse_wheel_filename(dist.filename)[3]
        except InvalidWheelFilename:
            continue  # twine check names a malformed file name
        for platform in sorted({tag.platform for tag in tags}):
            if platform.startswith("linux_") and platform not in PYPI_LINUX_TAGS:
                found.setdefault(platform, []).append(dist)
    return [Refusal(PLATFORM_TAGS, LINUX_ONLY.format(
        files=_file_names(wheels), are="is" if len(wheels) == 1 else "are", tag=platform,
        check=PLATFORM_TAGS), wheels[0].path) for platform, wheels in found.items()]


# --- size -------------------------------------------------------------------------------------


def check_file_sizes(dists: Sequence[Distribution],
                     limit: int = PYPI_MAX_FILE_SIZE) -> list[Refusal]:
    return [Refusal(FILE_SIZE, TOO_LARGE.format(file=d.filename, size=size / MIB,
                                                limit=limit // MIB), d.path)
            for d in dists if (size := d.path.stat().st_size) > limit]


# --- all of them ------------------------------------------------------------------------------


def inspect(dists: Sequence[Distribution], *, project: Path, skip: Iterable[str] = (),
            tree_wheel: Path | None = None,
            max_file_size: int = PYPI_MAX_FILE_SIZE) -> list[Refusal]:
    """Every refusal (and notice) of the checks not in `skip`; `tree_wheel` None skips the
    sdist check."""
    skipped = set(skip)
    metadata = [read_metadata(d.path) for d in dists]
    refusals: list[Refusal] = []
    if SDIST_CONTENTS not in skipped and tree_wheel is not None:
        refusals += check_sdist_contents(tree_wheel, dists, project)
    if DIRECT_REFERENCES not in skipped:
        refusals += check_direct_references(dists, metadata, project)
    if DO_NOT_UPLOAD not in skipped:
        refusals += check_do_not_upload(dists, metadata, project)
    if CLASSIFIERS not in skipped:
        refusals += check_classifiers(dists, metadata, project)
    if PLATFORM_TAGS not in skipped:
        refusals += check_platform_tags(dists)
    if FILE_SIZE not in skipped:
        refusals += check_file_sizes(dists, max_file_size)
    return refusals
