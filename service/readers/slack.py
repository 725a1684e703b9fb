"""Slack workspace export (`.zip`, or its unpacked folder): users.json, channels, day files.

User ids become names, and Slack's markup is turned back into what people saw:
`<@U123>` -> `@Name`, `<#C1|general>` -> `#general`, `<https://x|label>` -> `label`,
`<!here>` -> `@here`, and `&amp;`, `&lt;`, `&gt;` unescaped.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from service.errors import InputFormatError
from service.readers.common import ReadContext, Source, parse_timestamp
from service.records import ChatRecord, Kind

NAME = "slack"
CHANNEL_FILES = ("channels.json", "groups.json", "dms.json", "mpims.json")
SYSTEM_SUBTYPES = {
    "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
    "channel_archive", "channel_unarchive", "group_join", "group_leave", "group_topic",
    "group_purpose", "group_name", "pinned_item", "unpinned_item", "tombstone",
}
_DAY = re.compile(r"^(?P<channel>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")
_MARKUP = re.compile(r"<([^<>]+)>")


def is_slack_tree(names: Collection[str]) -> bool:
    """Whether a zip's or folder's top-level names are those of a Slack export."""
    return "users.json" in names and any(n in names for n in CHANNEL_FILES)


class _Tree:
    """Read JSON files by relative path from a zip archive or a folder."""

    def __init__(self, source: Source) -> None:
        if source.is_dir:
            assert source.path is not None
            root: Path = source.path
            self.names = [p.relative_to(root).as_posix() for p in root.rglob("*.json")]
            self._open: Callable[[str], bytes] = lambda n: (root / n).read_bytes()
        else:
            archive: zipfile.ZipFile = source.zipfile()
            self.names = archive.namelist()
            self._open = archive.read

    def load(self, name: str) -> Any:
        try:
            return json.loads(self._open(name).decode("utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            line = getattr(e, "lineno", None)
            raise InputFormatError(f"slack: {name} is not valid JSON", line=line) from e


def read(source: Source, ctx: ReadContext) -> Iterator[ChatRecord]:
    """Yield every channel's messages, channel by channel, day by day, in time order."""
    tree = _Tree(source)
    if not is_slack_tree(set(tree.names)):
        raise InputFormatError("slack: users.json or channels.json is missing from the export")
    users = _users(tree.load("users.json"))
    channels = _channel_names(tree)
    days: dict[str, list[str]] = {}
    for name in tree.names:
        match = _DAY.match(name)
        if match:
            days.setdefault(match["channel"], []).append(name)
    for channel in sorted(days):
        for day_file in sorted(days[channel]):
            messages = tree.load(day_file)
            if not isinstance(messages, list):
                raise InputFormatError(f"slack: {day_file} is not a list of messages")
            ordered = sorted((m for m in messages if isinstance(m, dict)),
                             key=lambda m: float(m.get("ts", 0) or 0))
            for index, message in enumerate(ordered, start=1):
                record = _record(message, channel, users, channels)
                record.id = record.id or f"{day_file}#{index}"
                yield record


def _users(raw: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for user in raw if isinstance(raw, list) else []:
        if isinstance(user, dict) and "id" in user:
            profile = user.get("profile") or {}
            names[user["id"]] = (profile.get("display_name") or profile.get("real_name")
                                 or user.get("real_name") or user.get("name") or user["id"])
    return names


def _channel_names(tree: _Tree) -> dict[str, str]:
    names: dict[str, str] = {}
    for file in CHANNEL_FILES:
        if file in tree.names:
            for channel in tree.load(file) or []:
                if isinstance(channel, dict) and "id" in channel:
                    names[channel["id"]] = channel.get("name") or channel["id"]
    return names


def unescape(text: str, users: dict[str, str], channels: dict[str, str]) -> str:
    """Slack markup as people saw it; the three HTML entities Slack escapes, unescaped."""

    def replace(match: re.Match[str]) -> str:
        target, _, label = match[1].partition("|")
        if target.startswith("@"):
            return "@" + (label or users.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or channels.get(target[1:], target[1:]))
        if target.startswith("!"):
            special = target[1:].split("^")[0]
            return label or ("@" + special)
        return label or target.removeprefix("mailto:")

    plain = _MARKUP.sub(replace, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _record(message: dict[str, Any], channel: str, users: dict[str, str],
            channels: dict[str, str]) -> ChatRecord:
    user = message.get("user")
    profile = message.get("user_profile") or {}
    speaker = (users.get(user) if user else None) or profile.get("display_name") or \
        profile.get("real_name") or message.get("username") or user
    text = unescape(str(message.get("text") or ""), users, channels)
    kind: Kind = "message"
    if message.get("subtype") in SYSTEM_SUBTYPES:
        kind = "system"
    elif not text.strip() and message.get("files"):
        kind, text = "media", "<file>"
    ts = message.get("ts")
    try:
        stamp = parse_timestamp(str(ts), unit="s") if ts else None
    except ValueError:
        stamp = None
    return ChatRecord(text=text, id=str(ts) if ts else None, conversation=channel,
                      timestamp=stamp, speaker=speaker, kind=kind)
