"""System.Xml as the agent reads MetaBase.xml: XmlReaderSettings, XmlReader.Create, XmlDocument, XmlException."""

from __future__ import annotations

from typing import Any

import pytest
from dotnet_helpers import raises, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_io import MemoryStream
from remediate.lab.windows.dotnet_xml import XmlDocument, XmlException, XmlReader, XmlReaderSettings

RT = runtime()
METABASE = b"""\xef\xbb\xbf<?xml version ="1.0"?>
<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">
<MBProperty>
<IIsSmtpServer\tLocation ="/LM/SmtpSvc/1 "
\t\tServerComment="Default SMTP Virtual Server">
</IIsSmtpServer>
</MBProperty>
</configuration>
"""


def stream(data: bytes) -> MemoryStream:
    return MemoryStream.new(RT, clr.TypedArray("System.Byte", [clr.Byte(b) for b in data]))


def load(data: bytes, settings: Any = None) -> XmlDocument:
    reader = XmlReader.Create(RT, stream(data), settings)
    doc = XmlDocument.new(RT)
    try:
        doc.Load(reader)
    finally:
        reader.Close()
    return doc


def test_get_elements_by_tag_name_in_a_default_namespace() -> None:
    settings = XmlReaderSettings.new(RT)
    settings.XmlResolver = None
    doc = load(METABASE, settings)
    nodes = list(doc.GetElementsByTagName("IIsSmtpServer"))
    assert len(nodes) == 1
    assert nodes[0].GetAttribute("Location").strip() == "/LM/SmtpSvc/1"
    assert nodes[0].GetAttribute("Missing") == ""
    assert nodes[0].NamespaceURI == "urn:microsoft-catalog:XML_Metabase_V64_0"
    assert doc.DocumentElement.Name == "configuration"
    assert doc.GetElementsByTagName("*").Count == 3


BROKEN: list[tuple[bytes, str]] = [
    (b"", "Root element is missing."),
    (b"<a><b></a>", "Mismatched tag."),
    (b"<a>", "Unexpected end of file has occurred."),
    (b"garbage", "Data at the root level is invalid."),
    (b'<!DOCTYPE a [<!ENTITY x "y">]><a/>', "For security reasons DTD is prohibited in this XML document."),
]


@pytest.mark.parametrize("data, start", BROKEN)
def test_not_well_formed_is_xml_exception(data: bytes, start: str) -> None:
    with pytest.raises(XmlException) as caught:
        load(data)
    assert caught.value.Message.startswith(start)
    assert "System.Xml.XmlException" in clr.type_names(caught.value)


def test_create_from_a_path_uses_file_open_read(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    class FakeFile:
        @staticmethod
        def OpenRead(rt: Any, path: str) -> MemoryStream:  # noqa: N802
            opened.append(path)
            return stream(METABASE)

    monkeypatch.setitem(clr.TYPES, "system.io.file", FakeFile)
    reader = XmlReader.Create(RT, "C:\\WINDOWS\\system32\\inetsrv\\MetaBase.xml", XmlReaderSettings.new(RT))
    doc = XmlDocument.new(RT)
    doc.Load(reader)
    reader.Close()
    assert opened == ["C:\\WINDOWS\\system32\\inetsrv\\MetaBase.xml"]
    assert doc.GetElementsByTagName("IIsSmtpServer").Count == 1


def test_load_xml_and_inner_text() -> None:
    doc = XmlDocument.new(RT)
    doc.LoadXml("<a>x<b>y</b><!--c--></a>")
    assert doc.DocumentElement.InnerText == "xy"
    raises(XmlException, None, lambda: doc.LoadXml("<a>"))
