"""Instagram direct messages: the same `message_N.json` layout as Messenger (see messenger)."""

from __future__ import annotations

from collections.abc import Iterator

from service.readers.common import ReadContext, Source
from service.readers.messenger import read_thread
from service.records import ChatRecord

NAME = "instagram"


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Read a thread folder (all its message_N.json) or one JSON file, oldest first."""
    return read_thread(source, ctx, fmt=NAME)
