"""Slack markup: ids to names, links to labels, the three entities unescaped."""

from __future__ import annotations

import pytest

from service.readers.slack import is_slack_tree, unescape

USERS = {"U1": "Ash"}
CHANNELS = {"C1": "general"}


@pytest.mark.parametrize(("raw", "plain"), [
    ("hi <@U1>", "hi @Ash"),
    ("hi <@U9|bo>", "hi @bo"),
    ("hi <@U9>", "hi @U9"),
    ("see <#C1|general>", "see #general"),
    ("see <#C1>", "see #general"),
    ("<!here> <!channel> <!subteam^S1|@team>", "@here @channel @team"),
    ("<https://x.org|the plan> <https://y.org>", "the plan https://y.org"),
    ("<mailto:a@b.c|a@b.c>", "a@b.c"),
    ("fish &amp; chips &lt;3 &gt;:(", "fish & chips <3 >:("),
    ("&amp;lt; stays literal", "&lt; stays literal"),
])
def test_unescape(raw: str, plain: str) -> None:
    assert unescape(raw, USERS, CHANNELS) == plain


def test_is_slack_tree() -> None:
    assert is_slack_tree({"users.json", "channels.json", "general"})
    assert is_slack_tree({"users.json", "dms.json"})
    assert not is_slack_tree({"channels.json"})
