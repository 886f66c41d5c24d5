"""PEP 440 release policy. Parsing and ordering are `packaging`'s; what is ours is which versions
each channel accepts and how a preview version is formed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.version import Version

TAG_PIPELINE = "the tag pipeline (tag-guard + publish) releases it"
# The largest number uv accepts in a version (2**64 - 2; `uv build` refuses 2**64 - 1).
MAX_DEV_NUMBER = 18_446_744_073_709_551_614


class VersionRejected(ValueError):
    """A version the policy does not accept; the message says why and what to do."""


def try_parse(text: str) -> Version | None:
    """The one way a version from outside is read: `text` as a PEP 440 version, or None."""
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a number past Python's 4300-digit int() limit
        return None


def parse(text: str) -> Version:
    version = try_parse(text)
    if version is None:
        shown = repr(text[:80] + ("…" if len(text) > 80 else ""))
        raise VersionRejected(
            f"{shown} is not a valid PEP 440 version (expected e.g. 1.2.3 or 1.2.3.dev0)."
        )
    return version


def is_final(version: Version) -> bool:
    """A public release: no pre, dev or local part (post-releases count as final)."""
    return version.pre is None and version.dev is None and version.local is None


@dataclass(frozen=True)
class PreviewDecision:
    publish: bool
    version: str
    reason: str = ""


def preview_channel_skip(version: Version, *, allow_prerelease: bool = False) -> str:
    """The preview channel's one rule, asked by version-rewrite (of the version on main) and by
    publish (of the built files): why it skips `version` (a final or post release: the tag
    pipeline's), empty when `version` is a preview (`X.Y.Z.devN`, or `X.Y.ZrcK.devN` when
    `allow_prerelease`); raises VersionRejected for any other shape."""
    if version.local is not None:
        public = Version(version.public)
        # `0.34.0+dev` (trio's main): work after a release, whose preview base is the next .dev0.
        fix = (f"Set main's version to the next release's .dev0, e.g. {next_dev(public, 'patch')}"
               if is_final(public) else f"Remove the `+{version.local}` suffix ({public})")
        raise VersionRejected(
            f"{version} has a local part (+{version.local}); PyPI refuses local versions. "
            f"{fix}."
        )
    if is_final(version):
        return f"{version} is a final version; {TAG_PIPELINE}."
    if version.post is not None:
        raise VersionRejected(
            f"{version} is a development release of a post-release; previews are "
            f"X.Y.Z.devN. Set main's version to the next release's .dev0, e.g. "
            f"{next_dev(version, 'patch')}."
        )
    if version.dev is None:
        raise VersionRejected(
            f"{version} is a pre-release without .dev; pre-releases are published from a tag. "
            f"Tag v{version} to release it, or set main's version to {version}.dev0 and "
            "`allow-prerelease-base: true` (publish: `allow-prerelease: true`) to publish "
            f"{version}.devN previews."
        )
    if version.pre is not None and not allow_prerelease:
        pre = f"{version.base_version}{version.pre[0]}{version.pre[1]}"
        raise VersionRejected(
            f"{version} is a development release of a pre-release; previews are X.Y.Z.devN. "
            f"Set `allow-prerelease-base: true` on version-rewrite and `allow-prerelease: true` "
            f"on publish to publish {pre}.devN previews."
        )
    return ""


def preview_version(
    version: Version, run_number: int, *, allow_prerelease_base: bool = False
) -> PreviewDecision:
    """`X.Y.Z.devK` → `X.Y.Z.devN`; a final or post version is skipped (the tag pipeline owns it).

    With `allow_prerelease_base`, `X.Y.ZrcK.devK` → `X.Y.ZrcK.devN` too."""
    if run_number < 1:
        raise VersionRejected(f"run number must be 1 or more, got {run_number}.")
    if run_number > MAX_DEV_NUMBER:
        raise VersionRejected(
            f"run number {run_number} is above {MAX_DEV_NUMBER}, the largest .devN uv can build."
        )
    skip = preview_channel_skip(version, allow_prerelease=allow_prerelease_base)
    if skip:
        return PreviewDecision(publish=False, version=str(version), reason=skip)
    prefix = version.base_version
    if version.pre is not None:
        prefix += f"{version.pre[0]}{version.pre[1]}"
    return PreviewDecision(publish=True, version=f"{prefix}.dev{run_number}")


# --- release tags -----------------------------------------------------------------------------

_STARTS_WITH_DIGIT = re.compile(r"[0-9]")


def version_in_tag(tag: str, prefix: str) -> Version:
    """The version a release tag names: exactly `prefix`, then a PEP 440 version starting with a
    digit (v1.2.3, mypkg-v0.4.0). Raises VersionRejected saying why not; whether such a tag is
    bad input or a refused check is the caller's decision."""
    if not tag.startswith(prefix):
        raise VersionRejected(f"it does not start with the tag prefix {prefix!r}.")
    text = tag[len(prefix):]
    if not _STARTS_WITH_DIGIT.match(text):
        shown = f"what follows the tag prefix {prefix!r}, {text!r}," if prefix else repr(text)
        raise VersionRejected(f"{shown} does not start with a digit as a version does.")
    return parse(text)


# --- the public channel -----------------------------------------------------------------------


def public_version(version: Version, *, allow_prerelease: bool = False) -> Version:
    """A version the public channel releases: final (post-releases included), or a/b/rc when
    `allow_prerelease`; never `.dev` and never `+local`. A development release is said first:
    a local part on it (a VCS build off a tag, `1.6.1.dev179+ge382e72`) goes with the tag."""
    if version.dev is not None:
        raise VersionRejected(
            f"{version} is a development release; .devN versions are previews published from "
            "main, never from a tag. Tag a final version such as "
            f"{version.base_version}."
        )
    if version.local is not None:
        raise VersionRejected(
            f"{version} has a local part (+{version.local}); PyPI refuses local versions. "
            f"Release {version.public} instead."
        )
    if version.pre is not None and not allow_prerelease:
        raise VersionRejected(
            f"{version} is a pre-release; public releases are final unless the workflow sets "
            "`allow-prerelease: true`."
        )
    return version


def release_line_conflict(version: Version, published: Iterable[Version]) -> str | None:
    """Why `version` must not follow what the index already holds, or None when it may.

    Policy: a version lower than the latest final release is refused unless it is a backport
    that continues an older X.Y series: that series has final releases on the index and the
    version is higher than all of them (1.4.3 after 2.0.0 and 1.4.2 is fine)."""
    finals = [item for item in published if is_final(item)]
    if not finals or version >= max(finals):
        return None
    series = _major_minor(version)
    same_series = [item for item in finals if _major_minor(item) == series]
    if same_series and all(version > item for item in same_series):
        return None
    name = ".".join(map(str, series))
    why = (f"the {name} series already has {max(same_series)}" if same_series
           else f"no {name}.x release exists to continue")
    return (
        f"{version} is lower than the latest release {max(finals)} on the index and is not a "
        f"backport: {why}. Release a version above {max(finals)}, or above the newest release "
        "of the X.Y series you maintain (or set `index-url: ''` to release it anyway)."
    )


def _major_minor(version: Version) -> tuple[int, int]:
    major, minor = (*version.release, 0)[:2]
    return major, minor


# --- after a public release ---------------------------------------------------------------------

RELEASE_PARTS = ("patch", "minor", "major")


def next_dev(released: Version, part: str) -> Version:
    """The `.dev0` that follows the public release `released`: patch X.Y.Z → X.Y.(Z+1).dev0,
    minor → X.(Y+1).0.dev0, major → (X+1).0.0.dev0."""
    major, minor, micro = (*released.release, 0, 0)[:3]
    epoch = f"{released.epoch}!" if released.epoch else ""
    if part == "major":
        return Version(f"{epoch}{major + 1}.0.0.dev0")
    if part == "minor":
        return Version(f"{epoch}{major}.{minor + 1}.0.dev0")
    if part == "patch":
        return Version(f"{epoch}{major}.{minor}.{micro + 1}.dev0")
    raise ValueError(f"part must be one of {', '.join(RELEASE_PARTS)}, got {part!r}")
