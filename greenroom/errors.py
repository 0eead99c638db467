"""Errors meant for the person at the keyboard: the CLI prints their message as one line, no traceback."""


class GreenroomError(Exception):
    """A problem the user can fix; ``str(error)`` says what and where."""

    exit_code = 2


class ConfigError(GreenroomError):
    """A missing or invalid setting in ``greenroom.toml``."""


class SecretsError(GreenroomError):
    """A secret is missing or its file is not private."""
