"""`release-actions rehearse`: the user's own release workflows under act in host mode, on a
throw-away copy of the repository, with local stand-ins for everything outside (needs the
`rehearse` extra: act).

Stand-ins, one module each: `github_api` (GitHub's REST API), `git_http` (git over HTTP for
the origin), `tp_index` (the package index, with Trusted Publishing),
`providers` (LLM providers), `standins/<name>/action.yml` (third-party actions, see
`standins.STANDINS`)."""
