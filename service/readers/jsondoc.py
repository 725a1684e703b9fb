"""Loading a whole JSON export (Telegram, Discord, Messenger, Slack) with a clear error."""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from service.errors import InputFormatError
from service.readers.common import open_text


def load_json(stream: BinaryIO, *, fmt: str, encoding: str | None = None) -> Any:
    """Parse one JSON document; a syntax error names the format and the line."""
    with open_text(stream, encoding=encoding) as text:
        try:
            return json.load(text)
        except json.JSONDecodeError as e:
            raise InputFormatError(f"{fmt}: not valid JSON ({e.msg})", line=e.lineno) from e
        except UnicodeDecodeError as e:
            raise InputFormatError(f"{fmt}: text is not decodable ({e.reason})") from e


def require(condition: bool, fmt: str, what: str) -> None:
    """Raise an InputFormatError saying which part of the export is not as expected."""
    if not condition:
        raise InputFormatError(f"{fmt}: {what}")
