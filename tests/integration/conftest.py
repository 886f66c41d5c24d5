from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devtools.pypi_server import PypiServer


@pytest.fixture(scope="module")
def pypi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    """A real pypiserver on 127.0.0.1 (uploads need the test credentials), one per test module;
    tests keep apart by using their own package names."""
    with PypiServer.start(tmp_path_factory.mktemp("index")) as server:
        yield server


@pytest.fixture
def index_root(pypi_server: PypiServer) -> Path:
    return pypi_server.packages
