"""A package index's JSON API (PyPI's, and the layout pypiserver serves): which versions of a
project it holds. Imported only by commands that ask an index."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from packaging.utils import canonicalize_name
from packaging.version import Version

from release_actions import http


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


def published_versions(index_url: str, name: str) -> list[Published]:
    """Every version of `name` on the index; [] when the index does not know the project.
    Raises IndexUnavailable when it cannot be asked."""
    session = http.session(retries=2)
    for url in json_api_urls(index_url, name):
        try:
            response = session.get(url, timeout=http.DEFAULT_TIMEOUT)
        except requests.RequestException as error:
            raise IndexUnavailable(f"could not reach {url} ({type(error).__name__})") from None
        if response.status_code != 404:
            return _releases(url, response)
    return []


def _releases(url: str, response: requests.Response) -> list[Published]:
    try:
        response.raise_for_status()
        found = []
        for text, files in response.json()["releases"].items():
            try:
                version = Version(text)
            except ValueError:
                continue  # a legacy, non-PEP 440 release cannot equal or follow ours
            live = any(not item.get("yanked", False) for item in files)
            found.append(Published(version, live))
        return found
    except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError,
            RecursionError) as error:
        raise IndexUnavailable(
            f"{url} did not give a usable answer ({type(error).__name__})"
        ) from None


