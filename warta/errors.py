"""User-facing errors: the CLI prints their message on one line and exits non-zero."""


class WartaError(Exception):
    """An error whose message is meant for the user, not a developer."""

    exit_code = 2


class ConfigError(WartaError):
    """A configuration file is missing or invalid."""


class QueryError(WartaError):
    """A search query or filter cannot be understood."""


class BackendUnavailable(WartaError):
    """The search backend cannot be reached; the store keeps everything."""

    exit_code = 3
