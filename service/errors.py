"""Exit codes and the exceptions that map to them, computed in one place."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class AttuneError(Exception):
    """Base class for errors a user can act on; the message is one line, without message text."""

    exit_code = EXIT_USAGE


class UsageError(AttuneError):
    """Unusable arguments or unreadable input (exit 2, HTTP 4xx)."""


class ModelNotFoundError(AttuneError):
    """No model is built where one was expected."""


class ModelIntegrityError(AttuneError):
    """A model file does not match the sha256 in its card, or holds untrusted types."""


class InputFormatError(UsageError):
    """An input file cannot be read in the requested or detected format."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)
