"""System.Xml: XmlReaderSettings, XmlReader.Create, XmlDocument (Load/LoadXml, DocumentElement,
GetElementsByTagName), XmlElement (GetAttribute, HasAttribute, Name, LocalName, NamespaceURI, InnerText,
ChildNodes), XmlNodeList and XmlException, for reading documents such as IIS 6's MetaBase.xml.

Sources (learn.microsoft.com/dotnet/api/...): system.xml.xmlreader.create (a path is opened at once with
FileShare.Read and held until Close), system.xml.xmlreadersettings (ProhibitDtd true by default on .NET 2.0/3.5,
DtdProcessing.Prohibit on 4.0+; XmlResolver), system.xml.xmldocument.load, .getelementsbytagname (matches the
qualified Name; "*" matches every element), system.xml.xmlelement.getattribute (String.Empty when absent),
system.xml.xmlexception (LineNumber, LinePosition; the message ends " Line n, position m.").

Parsing is Python's expat (a conforming XML 1.0 parser): a document that is not well-formed is an XmlException.
Its message is .NET's for the common cases (missing root, unexpected end of file, DTD prohibited) and otherwise
expat's reason with .NET's position suffix.
"""

from __future__ import annotations

import re
import xml.dom.minidom
import xml.parsers.expat
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import enum_arg, framework_at_least, is_null, null_arg
from remediate.lab.windows.refusal import NotModeled

XmlException = clr.TYPES.get("system.xml.xmlexception") or clr.exception_type(
    "System.Xml.XmlException", clr.SystemException, "Root element is missing.")
DtdProcessing = clr.register(clr.EnumType("System.Xml.DtdProcessing", {"Prohibit": 0, "Ignore": 1, "Parse": 2}))
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)


def xml_error(reason: str, line: int = 0, column: int = 0) -> clr.DotNetException:
    error = XmlException(reason + (f" Line {line}, position {column}." if line else ""))
    error.LineNumber, error.LinePosition = line, column  # type: ignore[attr-defined]
    return error


@clr.register
class XmlReaderSettings(clr.DotNetObject):
    TYPE_NAME = "System.Xml.XmlReaderSettings"

    def __init__(self, rt: Any) -> None:
        self._net4 = framework_at_least(rt, "4.0")
        self._resolver: Any = clr.VOID  # the default XmlUrlResolver
        self._dtd = 0
        self.IgnoreComments = False
        self.IgnoreWhitespace = False
        self.CloseInput = False

    @classmethod
    def new(cls, rt: Any) -> XmlReaderSettings:
        return cls(rt)

    @property
    def XmlResolver(self) -> Any:  # noqa: N802 - .NET names (write-only in .NET; PowerShell reads null)
        return None

    @XmlResolver.setter
    def XmlResolver(self, value: Any) -> None:  # noqa: N802
        if not is_null(value):
            raise NotModeled("XmlReaderSettings.XmlResolver other than $null (external resources)")
        self._resolver = None

    @property
    def ProhibitDtd(self) -> bool:  # noqa: N802
        return self._dtd == 0

    @ProhibitDtd.setter
    def ProhibitDtd(self, value: Any) -> None:  # noqa: N802
        self._dtd = 0 if clr.to_bool(value) else 2

    @property
    def DtdProcessing(self) -> clr.EnumValue:  # noqa: N802
        if not self._net4:
            raise NotModeled("XmlReaderSettings.DtdProcessing on .NET 2.0 (a .NET 4.0 property)")
        return DtdProcessing.from_value(self._dtd)

    @DtdProcessing.setter
    def DtdProcessing(self, value: Any) -> None:  # noqa: N802
        self._dtd = enum_arg(value, DtdProcessing)


@clr.register
class XmlReader(clr.DotNetObject):
    """An XmlReader over a stream: XmlDocument.Load reads the whole document from it."""

    TYPE_NAME = "System.Xml.XmlReader"

    def __init__(self, stream: clr.Stream, settings: XmlReaderSettings | None, own_stream: bool, net4: bool) -> None:
        self._stream, self._settings, self._own, self._net4 = stream, settings, own_stream, net4
        self._open = True

    @clr.static
    def Create(rt: Any, source: Any, settings: Any = None) -> XmlReader:  # noqa: N802,N805
        """Create(path | Stream [, settings]); a path is opened with File.OpenRead (FileShare.Read)."""
        if is_null(source):
            raise null_arg("inputUri" if not isinstance(source, clr.Stream) else "input")
        if not is_null(settings) and not isinstance(settings, XmlReaderSettings):
            raise NotModeled(f"XmlReader.Create with settings of type {clr.type_names(settings)[0]}")
        if isinstance(source, clr.Stream):
            return XmlReader(source, settings or None, False, framework_at_least(rt, "4.0"))
        file_type = clr.TYPES.get("system.io.file")
        if file_type is None:
            raise NotModeled("XmlReader.Create(path) without the file system simulation (System.IO.File)")
        stream = file_type.OpenRead(rt, clr.to_str(source))
        return XmlReader(stream, settings or None, True, framework_at_least(rt, "4.0"))

    def _read_all(self) -> bytes:
        if not self._open:
            raise clr.InvalidOperationException("The XmlReader is closed or in error.")
        chunks = []
        while True:
            chunk = self._stream.read_bytes(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def _prohibit_dtd(self) -> bool:
        return self._settings is None or self._settings._dtd == 0

    def Close(self) -> Any:  # noqa: N802
        if self._open:
            self._open = False
            if self._own or (self._settings is not None and self._settings.CloseInput):
                self._stream.Close()
        return clr.VOID

    def Dispose(self) -> Any:  # noqa: N802
        return self.Close()


def parse_document(data: bytes, prohibit_dtd: bool, net4: bool) -> xml.dom.minidom.Document:
    """A well-formed document, or the XmlException .NET would throw for it."""
    if prohibit_dtd and _DOCTYPE.search(data):
        raise xml_error("For security reasons DTD is prohibited in this XML document. To enable DTD processing "
                        + ("set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings "
                           "into XmlReader.Create method." if net4 else "set the ProhibitDtd property on "
                           "XmlReaderSettings to false and pass the settings into XmlReader.Create method."), 1, 1)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise xml_error("Root element is missing.")
    try:
        return xml.dom.minidom.parseString(data)
    except xml.parsers.expat.ExpatError as error:
        reason = xml.parsers.expat.ErrorString(error.code)
        line, column = error.lineno, error.offset + 1
        if reason in ("no element found", "unclosed token"):
            raise xml_error("Unexpected end of file has occurred.", line, column) from None
        if reason == "syntax error" and line == 1 and column == 1:
            raise xml_error("Data at the root level is invalid.", line, column) from None
        raise xml_error(reason[:1].upper() + reason[1:] + ".", line, column) from None


@clr.register
class XmlNodeList(clr.DotNetObject):
    TYPE_NAME = "System.Xml.XmlNodeList"

    def __init__(self, nodes: list[Any]) -> None:
        self._nodes = nodes

    def __iter__(self) -> Any:
        return iter(list(self._nodes))

    def __getitem__(self, index: Any) -> Any:
        where = clr.to_int(index)
        return self._nodes[where] if 0 <= where < len(self._nodes) else None

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._nodes)

    def Item(self, index: Any) -> Any:  # noqa: N802
        return self[index]


def wrap(node: Any) -> Any:
    if node is None:
        return None
    if node.nodeType == node.ELEMENT_NODE:
        return XmlElement(node)
    return XmlNode(node)


@clr.register
class XmlNode(clr.DotNetObject):
    TYPE_NAME = "System.Xml.XmlNode"

    def __init__(self, node: Any) -> None:
        self._node = node

    Name = property(lambda self: self._node.nodeName)
    LocalName = property(lambda self: self._node.localName or self._node.nodeName)
    NamespaceURI = property(lambda self: self._node.namespaceURI or "")
    ChildNodes = property(lambda self: XmlNodeList([wrap(c) for c in self._node.childNodes]))
    ParentNode = property(lambda self: wrap(self._node.parentNode) if self._node.parentNode is not None
                          and self._node.parentNode.nodeType == self._node.ELEMENT_NODE else None)

    @property
    def InnerText(self) -> str:  # noqa: N802
        if self._node.nodeType in (self._node.TEXT_NODE, self._node.CDATA_SECTION_NODE):
            return self._node.data
        return "".join(XmlNode(c).InnerText for c in self._node.childNodes
                       if c.nodeType != c.COMMENT_NODE and c.nodeType != c.PROCESSING_INSTRUCTION_NODE)

    def GetElementsByTagName(self, name: Any) -> XmlNodeList:  # noqa: N802
        wanted = clr.to_str(name)
        found = [XmlElement(n) for n in _descendants(self._node)
                 if wanted == "*" or n.nodeName == wanted]
        return XmlNodeList(found)


def _descendants(node: Any) -> list[Any]:
    out = []
    for child in node.childNodes:
        if child.nodeType == child.ELEMENT_NODE:
            out.append(child)
            out.extend(_descendants(child))
    return out


@clr.register
class XmlElement(XmlNode):
    TYPE_NAME = "System.Xml.XmlElement"

    def GetAttribute(self, name: Any, namespace: Any = None) -> str:  # noqa: N802
        if namespace is not None:
            return self._node.getAttributeNS(clr.to_str(namespace) or None, clr.to_str(name)) or ""
        attribute = self._node.getAttributeNode(clr.to_str(name))
        return "" if attribute is None else attribute.value

    def HasAttribute(self, name: Any) -> bool:  # noqa: N802
        return self._node.getAttributeNode(clr.to_str(name)) is not None


@clr.register
class XmlDocument(XmlNode):
    TYPE_NAME = "System.Xml.XmlDocument"

    def __init__(self, rt: Any) -> None:
        super().__init__(xml.dom.minidom.Document())
        self._net4 = framework_at_least(rt, "4.0")
        self._rt = rt

    @classmethod
    def new(cls, rt: Any) -> XmlDocument:
        return cls(rt)

    DocumentElement = property(lambda self: wrap(self._node.documentElement))

    def Load(self, source: Any) -> Any:  # noqa: N802
        """Load(XmlReader | Stream | path). XmlDocument's own reader (Stream, path) parses DTDs."""
        if is_null(source):
            raise null_arg("reader" if isinstance(source, XmlReader) else "filename")
        if isinstance(source, XmlReader):
            self._node = parse_document(source._read_all(), source._prohibit_dtd(), self._net4)
        elif isinstance(source, clr.Stream):
            self._node = parse_document(XmlReader(source, None, False, self._net4)._read_all(), False, self._net4)
        else:
            reader = XmlReader.Create(self._rt, source)
            try:
                self._node = parse_document(reader._read_all(), False, self._net4)
            finally:
                reader.Close()
        return clr.VOID

    def LoadXml(self, text: Any) -> Any:  # noqa: N802
        if is_null(text):
            raise xml_error("Root element is missing.")
        self._node = parse_document(clr.to_str(text).encode("utf-8"), False, self._net4)
        return clr.VOID
