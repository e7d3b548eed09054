"""SOAP 1.2 / WS-Management envelopes: parse a request safely, build answers and faults the way Windows does.

Parsing refuses any document type declaration before handing bytes to expat, so entity expansion tricks
(billion laughs, external entities) never reach the parser. Answers are built as text with every value escaped;
they echo the request's MessageID in ``a:RelatesTo``, which pywinrm checks after Signal and Delete.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
WSMAN_FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
ADDRESSING_FAULT_ACTION = "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"

# WSManFault codes. Values are the Windows SDK's (winerror.h / wsmerror.h) constants; where Windows' choice of
# code for a situation could not be confirmed from a captured Windows answer, the comment says so.
TIMED_OUT = 2150858793  # ERROR_WSMAN_OPERATION_TIMEDOUT (0x80338029), w:TimedOut; pywinrm retries Receive on it.
# ERROR_WSMAN_UNEXPECTED_SELECTORS (0x8033805B): what Windows answers for an unknown ShellId ("...failed because
# the shell was not found on the server"), as seen in public client bug reports.
SHELL_NOT_FOUND = 2150858843
ACTION_NOT_SUPPORTED = 2150858771  # ERROR_WSMAN_ACTION_NOT_SUPPORTED (0x80338013), a:ActionNotSupported.
ACCESS_DENIED = 5  # Win32 ERROR_ACCESS_DENIED, w:AccessDenied, as Windows reports it for unauthorised users.
# ERROR_WSMAN_ENCODING_LIMIT (0x80338035), w:EncodingLimit ("the encoding of the request exceeds an internal
# encoding limit"). Unconfirmed which code Windows sends for an oversize request; 2150858817 is
# ERROR_WSMAN_SCHEMA_VALIDATION_ERROR, not a size error, so it is used for malformed XML instead.
ENCODING_LIMIT = 2150858805
# Unknown CommandId: Win32 ERROR_INVALID_PARAMETER with w:InvalidParameter. Unconfirmed against a real host.
INVALID_PARAMETER = 87
# ERROR_WSMAN_SCHEMA_VALIDATION_ERROR (0x80338041), w:SchemaValidationError: Windows' answer to XML it cannot
# use (seen in captured faults). The lab also uses it for malformed XML and refused DTDs.
SCHEMA_VALIDATION = 2150858817
INTERNAL_ERROR = 1359  # Win32 ERROR_INTERNAL_ERROR with w:InternalError; used by the fault_500 injection.


class WSManFault(Exception):
    """A WS-Management fault to answer with HTTP 500. ``receiver`` marks a server-side (s:Receiver) fault."""

    def __init__(self, code: int, subcode: str, reason: str, *, receiver: bool = False,
                 action: str = WSMAN_FAULT_ACTION) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.receiver = receiver
        self.action = action


def shell_not_found(shell_id: str) -> WSManFault:
    return WSManFault(SHELL_NOT_FOUND, "w:InvalidSelectors",
                      f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell "
                      "was not found on the server. Possible causes are: the specified ShellId is incorrect or the "
                      "shell no longer exists on the server.")


def command_not_found(command_id: str) -> WSManFault:
    return WSManFault(INVALID_PARAMETER, "w:InvalidParameter",
                      f"The parameter is incorrect. No command with CommandId {command_id} exists in this shell.")


def access_denied() -> WSManFault:
    return WSManFault(ACCESS_DENIED, "w:AccessDenied", "Access is denied.")


@dataclass
class WsmanRequest:
    """The parts of a WS-Management request the lab acts on."""

    action: str
    message_id: str | None
    resource_uri: str | None
    selectors: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    max_envelope_size: int | None = None
    operation_timeout: float | None = None
    body: ET.Element | None = None

    def body_child(self, local_name: str) -> ET.Element | None:
        """The first element directly under s:Body with this name in the shell namespace."""
        return None if self.body is None else self.body.find(f"rsp:{local_name}", NS)


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str) -> float | None:
    """Seconds in an xs:duration such as ``PT20S`` or ``PT1M30.5S``; None when it is not one (days allowed)."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT"):
        return None
    days, hours, minutes, seconds = match.groups()
    return (int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0))


def parse_request(data: bytes) -> WsmanRequest:
    """Parse a SOAP request; raise WSManFault (w:SchemaValidationError) if it is not one."""
    if _DOCTYPE.search(data):
        raise WSManFault(SCHEMA_VALIDATION, "w:SchemaValidationError",
                         "The request contains a document type declaration, which WS-Management does not accept.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise WSManFault(SCHEMA_VALIDATION, "w:SchemaValidationError",
                         f"The WS-Management service cannot process the request because the XML is invalid: {exc}")
    if root.tag != f"{{{NS['s']}}}Envelope":
        raise WSManFault(SCHEMA_VALIDATION, "w:SchemaValidationError", "The request is not a SOAP 1.2 envelope.")
    header = root.find("s:Header", NS)
    if header is None:
        raise WSManFault(SCHEMA_VALIDATION, "w:SchemaValidationError", "The SOAP envelope has no header.")

    def text(path: str) -> str | None:
        node = header.find(path, NS)
        return node.text.strip() if node is not None and node.text else None

    action = text("a:Action")
    if not action:
        raise WSManFault(SCHEMA_VALIDATION, "w:SchemaValidationError", "The request has no WS-Addressing Action.")
    request = WsmanRequest(action=action, message_id=text("a:MessageID"), resource_uri=text("w:ResourceURI"),
                           body=root.find("s:Body", NS))
    for selector in header.findall("w:SelectorSet/w:Selector", NS):
        request.selectors[selector.get("Name", "")] = (selector.text or "").strip()
    for option in header.findall("w:OptionSet/w:Option", NS):
        request.options[option.get("Name", "")] = (option.text or "").strip()
    size = text("w:MaxEnvelopeSize")
    if size and size.isdigit():
        request.max_envelope_size = int(size)
    timeout = text("w:OperationTimeout")
    if timeout:
        request.operation_timeout = parse_duration(timeout)
    return request


def _header(action: str, relates_to: str | None) -> str:
    parts = [f"<a:Action>{escape(action)}</a:Action>",
             f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>",
             f"<a:To>{ANONYMOUS}</a:To>"]
    if relates_to:
        parts.append(f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>")
    return "".join(parts)


def envelope(action: str, relates_to: str | None, body: str) -> bytes:
    """A complete answer envelope. ``body`` is already-escaped XML placed inside s:Body."""
    declarations = " ".join(f"xmlns:{prefix}={quoteattr(uri)}" for prefix, uri in NS.items() if prefix != "f")
    return (f'<s:Envelope xml:lang="en-US" {declarations}><s:Header>{_header(action, relates_to)}</s:Header>'
            f"<s:Body>{body}</s:Body></s:Envelope>").encode()


def fault_envelope(fault: WSManFault, relates_to: str | None, machine: str) -> bytes:
    """The SOAP 1.2 Fault Windows sends with HTTP 500, carrying ``f:WSManFault Code=...`` in its Detail."""
    side = "s:Receiver" if fault.receiver else "s:Sender"
    body = (f"<s:Fault><s:Code><s:Value>{side}</s:Value><s:Subcode><s:Value>{escape(fault.subcode)}</s:Value>"
            f"</s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en-US\">{escape(fault.reason)}</s:Text></s:Reason>"
            f"<s:Detail><f:WSManFault xmlns:f={quoteattr(NS['f'])} Code=\"{fault.code}\" "
            f"Machine={quoteattr(machine)}><f:Message>{escape(fault.reason)}</f:Message></f:WSManFault>"
            "</s:Detail></s:Fault>")
    return envelope(fault.action, relates_to, body)
