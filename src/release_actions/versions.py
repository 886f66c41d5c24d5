"""PEP 440 release policy. Parsing and ordering are `packaging`'s; what is ours is which versions
each channel accepts and how a preview version is formed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

TAG_PIPELINE = "the tag pipeline (tag-guard + publish) releases it"


class VersionRejected(ValueError):
    """A version the policy does not accept; the message says why and what to do."""


def parse(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise VersionRejected(
            f"{text!r} is not a valid PEP 440 version (expected e.g. 1.2.3 or 1.2.3.dev0)."
        ) from None


def is_final(version: Version) -> bool:
    """A public release: no pre, dev or local part (post-releases count as final)."""
    return version.pre is None and version.dev is None and version.local is None


@dataclass(frozen=True)
class PreviewDecision:
    publish: bool
    version: str
    reason: str = ""


def preview_version(
    version: Version, run_number: int, *, allow_prerelease_base: bool = False
) -> PreviewDecision:
    """`X.Y.Z.devK` → `X.Y.Z.devN`; a final or post version is skipped (the tag pipeline owns it).

    With `allow_prerelease_base`, `X.Y.ZrcK.devK` → `X.Y.ZrcK.devN` too."""
    if run_number < 1:
        raise VersionRejected(f"run number must be 1 or more, got {run_number}.")
    if version.local is not None:
        raise VersionRejected(
            f"{version} has a local part (+{version.local}); PyPI refuses local versions. "
            "Remove the `+...` suffix."
        )
    if is_final(version):
        return PreviewDecision(
            publish=False,
            version=str(version),
            reason=f"{version} is a final version; {TAG_PIPELINE}.",
        )
    if version.post is not None:
        raise VersionRejected(
            f"{version} is a development release of a post-release; previews are built from "
            f"X.Y.Z.devK. Set the version to the next release's .dev0, e.g. "
            f"{_next_patch(version)}.dev0."
        )
    if version.dev is None:
        raise VersionRejected(
            f"{version} is a pre-release without .dev; pre-releases are published from a tag. "
            f"Tag v{version} to release it, or set the version to {version}.dev0 on main."
        )
    prefix = version.base_version
    if version.pre is not None:
        if not allow_prerelease_base:
            raise VersionRejected(
                f"{version} is a development release of a pre-release; previews are built from "
                f"X.Y.Z.devK. Set `allow-prerelease-base: true` to publish "
                f"{version.base_version}{version.pre[0]}{version.pre[1]}.dev<N> previews."
            )
        prefix += f"{version.pre[0]}{version.pre[1]}"
    return PreviewDecision(publish=True, version=f"{prefix}.dev{run_number}")


def _next_patch(version: Version) -> str:
    major, minor, micro = (*version.release, 0, 0, 0)[:3]
    return f"{major}.{minor}.{micro + 1}"


# --- the public channel -----------------------------------------------------------------------


def public_version(version: Version, *, allow_prerelease: bool = False) -> Version:
    """A version the public channel releases: final (post-releases included), or a/b/rc when
    `allow_prerelease`; never `.dev` and never `+local`."""
    if version.local is not None:
        raise VersionRejected(
            f"{version} has a local part (+{version.local}); PyPI refuses local versions. "
            f"Release {version.public} instead."
        )
    if version.dev is not None:
        raise VersionRejected(
            f"{version} is a development release; .devN versions are previews published from "
            "main, never from a tag. Tag a final version such as "
            f"{version.base_version}."
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
