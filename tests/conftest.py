from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import copy_tracked_tree


@pytest.fixture(scope="session")
def actions_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean copy of this repository, as a consumer's runner would download it."""
    return copy_tracked_tree(tmp_path_factory.mktemp("release-actions"))
