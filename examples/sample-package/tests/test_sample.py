from release_actions_sample import greeting


def test_greeting_names_the_installed_version() -> None:
    assert greeting().startswith("release-actions-sample 0.")
