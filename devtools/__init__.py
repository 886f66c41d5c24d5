"""Tooling that ships beside the code: local stand-ins (GitHub API, LLM providers, a package
index) for the demo and the tests, and the generators behind `make docs`. Never imports tests."""
