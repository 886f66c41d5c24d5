"""release-actions: GitHub Actions that take a Python package from a green main to PyPI."""

__version__ = "1.0.0.dev0"
