"""SMS Backup & Restore: surrogate references joined (also across chunks), streamed parsing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from service.errors import InputFormatError
from service.readers import read_path
from service.readers.sms_xml import SurrogateFixingReader, fix_surrogates


def test_fix_surrogates() -> None:
    assert fix_surrogates(b"a &#55357;&#56832; b") == b"a &#128512; b"
    assert fix_surrogates(b"lone &#55357; x") == b"lone &#65533; x"
    assert fix_surrogates(b"&#233; &#10;") == b"&#233; &#10;"


@pytest.mark.parametrize("offset", range(0, 20))
def test_pairs_split_across_chunks_are_joined(offset: int) -> None:
    import service.readers.sms_xml as module

    data = b"x" * (module._CHUNK - offset) + b"&#55357;&#56832;" * 3 + b"end"
    fixed = io.BufferedReader(SurrogateFixingReader(io.BytesIO(data))).read()
    assert fixed == b"x" * (module._CHUNK - offset) + b"&#128512;" * 3 + b"end"


def _xml(body: str) -> str:
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"1\">\n"
            f'<sms address="1" date="1717200000000" type="1" body="{body}" '
            'contact_name="(Unknown)" />\n</smses>\n')


def test_unknown_contact_falls_back_to_address(tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    path.write_text(_xml("hi &#55357;&#56832;"))
    [record] = read_path(path)
    assert (record.speaker, record.text, record.conversation) == ("1", "hi 😀", "1")


def test_malformed_xml_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    path.write_text(_xml("a") + "<sms body='x'\n")
    with pytest.raises(InputFormatError, match=r"^line \d+: sms-xml: not well-formed"):
        list(read_path(path, "sms-xml"))


def test_many_messages_stream(tmp_path: Path) -> None:
    path = tmp_path / "s.xml"
    rows = "".join(f'<sms address="1" date="{1717200000000 + i}" type="{1 + i % 2}" '
                   f'body="m{i} &#55357;&#56832;" contact_name="D" />\n' for i in range(20000))
    path.write_text(f"<?xml version='1.0'?>\n<smses>\n{rows}</smses>\n")
    records = list(read_path(path))
    assert len(records) == 20000
    assert records[-1].text == "m19999 😀" and records[-1].speaker == "Me"
