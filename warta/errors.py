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


class DocumentsRejected(WartaError):
    """The backend refused some documents (e.g. a mapping conflict); the others were written.

    `ids` are the refused ones: they stay pending in the store and are tried again."""

    def __init__(self, where: str, ids: frozenset[str], of: int, first: str) -> None:
        super().__init__(f"{where} rejected {len(ids)} of {of} documents; first: {first}")
        self.where, self.ids, self.first = where, ids, first
