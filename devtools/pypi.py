"""A small sample package to put on the index stand-in (hatchling, a README, `uv build`-able);
the index itself is `devtools.pypi_server.PypiServer`."""

from __future__ import annotations

from pathlib import Path

from devtools.pypi_server import PypiServer

__all__ = ["README_BROKEN_RST", "README_OK", "PypiServer", "write_sample_package"]

README_OK = "# {name}\n\nA sample package for release tests.\n"
# A reStructuredText README with a broken directive: `twine check --strict` rejects it.
README_BROKEN_RST = "{name}\n=====\n\n.. image::\n\n`unclosed link <http://example.com\n"


def write_sample_package(
    root: Path, name: str, version: str, *, readme: str = README_OK, readme_file: str = "README.md"
) -> Path:
    """A minimal hatchling project at `root`, building one wheel and one sdist."""
    module = name.replace("-", "_")
    (root / "src" / module).mkdir(parents=True, exist_ok=True)
    (root / "src" / module / "__init__.py").write_text(f'"""{name}."""\n')
    (root / readme_file).write_text(readme.format(name=name))
    content_type = "text/markdown" if readme_file.endswith(".md") else "text/x-rst"
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
        f'description = "A sample package for release tests"\n'
        f'readme = {{file = "{readme_file}", content-type = "{content_type}"}}\n'
        'requires-python = ">=3.9"\nlicense = "MIT"\n\n'
        '[build-system]\nrequires = ["hatchling>=1.26"]\nbuild-backend = "hatchling.build"\n'
    )
    return root
