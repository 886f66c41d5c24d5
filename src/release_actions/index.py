"""A package index's JSON API (PyPI's, and the layout pypiserver serves): which versions of a
project it holds. Imported only by commands that ask an index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from packaging.utils import canonicalize_name
from packaging.version import Version

from release_actions import http, versions
from release_actions.answers import Malformed, parse_json, reading
from release_actions.deadline import Deadline

# PyPI's JSON for a project with thousands of releases stays well under this.
MAX_BODY_BYTES = 32 << 20


class IndexUnavailable(Exception):
    """The index could not be asked, or gave no usable answer; the message says which."""


@dataclass(frozen=True)
class Published:
    version: Version
    live: bool  # has at least one file that is not yanked


def json_api_urls(index_url: str, name: str) -> list[str]:
    """Where an index answers with a project's releases: PyPI's (and warehouse's) JSON API,
    then the layout pypiserver serves."""
    project = canonicalize_name(name)
    return [f"{index_url}/pypi/{project}/json", f"{index_url}/{project}/json"]


def published_versions(index_url: str, name: str, step: Deadline) -> list[Published]:
    """Every version of `name` on the index; [] when the index does not know the project.
    Raises IndexUnavailable when it cannot be asked before the step's deadline."""
    for url in json_api_urls(index_url, name):
        try:
            response, body = http.get(url, step, max_bytes=MAX_BODY_BYTES)
        except requests.RequestException as error:
            raise IndexUnavailable(f"could not read {url} ({_why(error)})") from None
        if response.status_code != 404:
            return _releases(url, response.status_code, body)
    return []


def _why(error: requests.RequestException) -> str:
    if isinstance(error, (http.BodyTooLarge, http.BodyTooSlow)):
        return str(error)
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    return type(error).__name__


def _releases(url: str, status: int, body: bytes) -> list[Published]:
    if not 200 <= status < 300:
        raise IndexUnavailable(f"{url} answered HTTP {status}")
    try:
        with reading(url):
            releases: Any = parse_json(body, url)["releases"]
            found = []
            for text, files in releases.items():
                version = versions.try_parse(text)
                if version is None:
                    continue  # a legacy, non-PEP 440 release cannot equal or follow ours
                live = any(not item.get("yanked", False) for item in files)
                found.append(Published(version, live))
            return found
    except Malformed as error:
        raise IndexUnavailable(str(error)) from None
