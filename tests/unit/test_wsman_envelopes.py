"""remediate/transport/envelopes.py sends byte for byte what pywinrm's Protocol sends (message ids aside), and reads
the answers as pywinrm reads them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from winrm.protocol import Protocol

from remediate.transport.envelopes import EnvelopeProtocol

_ID = re.compile(r"uuid:[0-9a-f-]{36}")


class _Sent(Exception):
    pass


def _sent(cls: type[Protocol], call: Any, answer: bytes | None = None) -> str:
    protocol = cls("http://h:5985/wsman", username="u", password="p", transport="plaintext",
                   operation_timeout_sec=20, read_timeout_sec=30)
    seen: list[str] = []

    def send(message: str) -> bytes:
        seen.append(message)
        if answer is None:
            raise _Sent
        return answer

    protocol.send_message = send  # type: ignore[method-assign]
    try:
        call(protocol)
    except (_Sent, StopIteration, AssertionError):
        pass
    assert len(seen) == 1
    return _ID.sub("uuid:ID", seen[0])


CALLS = {
    "create": lambda p: p.open_shell(codepage=65001, noprofile=True),
    "create-default": lambda p: p.open_shell(),
    "command": lambda p: p.run_command("S-1", "powershell.exe", ["-NoLogo", "a&b<c>\"'", "Zm9v"]),
    "send": lambda p: p.send_command_input("S-1", "C\"1&", b"\x00\xffstdin <data>", end=False),
    "send-end": lambda p: p.send_command_input("S-1", "C-1", b"last", end=True),
    "receive": lambda p: p.get_command_output_raw("S-1", "C-1"),
    "delete": lambda p: p.close_shell("S<1>", close_session=False),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_envelopes_are_pywinrm_s(name: str) -> None:
    assert _sent(EnvelopeProtocol, CALLS[name]) == _sent(Protocol, CALLS[name])


def test_a_value_that_looks_like_a_placeholder_is_sent_as_it_is() -> None:
    call = CALLS["command"]
    tricky = lambda p: p.run_command("@@REMEDIATE-COMMAND@@", "@@REMEDIATE-SHELL@@", ["@@REMEDIATE-ARGUMENTS@@"])
    assert _sent(EnvelopeProtocol, tricky) == _sent(Protocol, tricky)
    assert _sent(EnvelopeProtocol, call) != _sent(EnvelopeProtocol, tricky)


RECEIVE = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
           b'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse>'
           b'<rsp:Stream Name="stdout" CommandId="C-1">YWJj</rsp:Stream>'
           b'<rsp:Stream Name="stderr" CommandId="C-1">ZXJy</rsp:Stream>'
           b'<rsp:Stream Name="stdout" CommandId="C-1" End="true"></rsp:Stream>'
           b'<rsp:CommandState CommandId="C-1" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/'
           b'CommandState/Done"><rsp:ExitCode>3</rsp:ExitCode></rsp:CommandState>'
           b'</rsp:ReceiveResponse></s:Body></s:Envelope>')


@pytest.mark.parametrize("answer", [RECEIVE, RECEIVE.replace(b"CommandState/Done", b"CommandState/Running")])
def test_receive_reads_the_answer_as_pywinrm(answer: bytes) -> None:
    results = []
    for cls in (Protocol, EnvelopeProtocol):
        protocol = cls("http://h:5985/wsman", username="u", password="p", transport="plaintext")
        protocol.send_message = lambda message: answer  # type: ignore[method-assign]
        results.append(protocol.get_command_output_raw("S-1", "C-1"))
    assert results[0] == results[1]
