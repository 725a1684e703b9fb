"""The hand-written fixtures under tests/fixtures/chats, each with its format and golden file."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chats"
GOLDEN = FIXTURES / "expected"

# (case id, path relative to FIXTURES, format that detection must name)
CASES: list[tuple[str, str, str]] = [
    ("text-notes", "text/notes.txt", "text"),
    ("jsonl-messages", "jsonl/messages.jsonl", "jsonl"),
    ("csv-semicolon-cp1252", "csv/export_semicolon_cp1252.csv", "csv"),
    ("csv-comma-bom", "csv/comma_utf8_bom.csv", "csv"),
    ("whatsapp-android-us-12h", "whatsapp/android_us_12h.txt", "whatsapp"),
    ("whatsapp-ios-uk-24h", "whatsapp/ios_uk_24h.txt", "whatsapp"),
    ("whatsapp-android-de-24h", "whatsapp/android_de_24h.txt", "whatsapp"),
    ("whatsapp-android-es-pm", "whatsapp/android_es_pm.txt", "whatsapp"),
    ("whatsapp-android-ambiguous", "whatsapp/android_ambiguous.txt", "whatsapp"),
    ("whatsapp-zip", "whatsapp/WhatsApp Chat with Robin.zip", "whatsapp"),
    ("telegram-single", "telegram/result.json", "telegram"),
    ("telegram-full", "telegram/full_export.json", "telegram"),
    ("signal-md-seconds", "signal/Alice", "signal"),
    ("signal-md-file", "signal/Alice/chat.md", "signal"),
    ("signal-md-minutes-tree", "signal/minutes", "signal"),
    ("signal-data-json", "signal/Cy/data.json", "signal"),
    ("messenger-thread", "messenger/inbox/jordanlee_10152", "messenger"),
    ("messenger-e2ee", "messenger/e2ee/jordan_lee_1.json", "messenger"),
    ("instagram-thread", "instagram/your_instagram_activity/messages/inbox/river_1789",
     "instagram"),
    ("discord-json", "discord/dm_json.json", "discord"),
    ("discord-csv", "discord/dm_csv.csv", "discord"),
    ("imessage-txt", "imessage/+15550100.txt", "imessage"),
    ("sms-xml", "sms-xml/sms-20240601.xml", "sms-xml"),
    ("slack-zip", "slack/workspace_export.zip", "slack"),
    ("line-txt", "line/chat.txt", "line"),
]
