"""A sample package released by the release-actions example workflows."""

from importlib.metadata import version


def greeting() -> str:
    return f"release-actions-sample {version('release-actions-sample')}"


def main() -> None:
    print(greeting())
