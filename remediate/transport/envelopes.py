"""pywinrm's `Protocol` with its WS-Management envelopes built once per process and filled in per message.

Why: pywinrm builds every envelope as a dict and serialises it with `xmltodict.unparse`, which validates every element
and attribute name character by character: a fifth of the runner's CPU per host in the profile of issue 17
(docs/performance.md), for envelopes that differ only in their message id, shell id, command id and payload.

Not a fork of pywinrm's envelopes: each template is produced by pywinrm's own method (open_shell, run_command, ...)
called once with placeholder values, its send intercepted; the placeholders are then replaced by the real values,
escaped as xmltodict escapes them (saxutils). tests/unit/test_wsman_envelopes.py checks that the result is
byte-identical to what pywinrm sends. Answers are read as pywinrm reads them (ElementTree).
"""

from __future__ import annotations

import base64
import functools
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any, Callable
from xml.sax.saxutils import escape

from winrm.protocol import Protocol

_MESSAGE_ID = "00000000-0000-4000-8000-00000000feed"
_SHELL = "@@REMEDIATE-SHELL@@"
_COMMAND_ID = "@@REMEDIATE-COMMAND-ID@@"
_COMMAND = "@@REMEDIATE-COMMAND@@"
_ARGUMENTS = "@@REMEDIATE-ARGUMENTS@@"
_STDIN = b"@@REMEDIATE-STDIN@@"
_STDIN_B64 = base64.b64encode(_STDIN).decode("ascii")
_ATTR: dict[str, str] = {}  # an id with '"' is left to pywinrm (quoteattr picks other quotes); ids are GUIDs
_PLACEHOLDERS = re.compile("|".join(re.escape(p) for p in (_SHELL, _COMMAND_ID, _COMMAND, _ARGUMENTS, _STDIN_B64)))


class _Captured(Exception):
    def __init__(self, message: str) -> None:
        super().__init__("captured")
        self.message = message


class _Capture(Protocol):
    """A pywinrm Protocol that hands back the envelope it would send, with a fixed message id."""

    def build_wsman_header(self, action: str, resource_uri: str, shell_id: str | None = None,
                           message_id: Any = None) -> dict[str, Any]:
        return super().build_wsman_header(action, resource_uri, shell_id, _MESSAGE_ID)

    def send_message(self, message: str) -> bytes:
        raise _Captured(message)


def _capture(operation_timeout: int, call: Callable[[Protocol], Any]) -> tuple[str, str]:
    """(text before the message id, text after it) of the envelope pywinrm builds in `call`."""
    protocol = _Capture("http://localhost:5985/wsman", username="x", password="x", transport="plaintext",
                        operation_timeout_sec=operation_timeout, read_timeout_sec=operation_timeout + 1)
    try:
        call(protocol)
    except _Captured as captured:
        before, marker, after = captured.message.partition(f"uuid:{_MESSAGE_ID}")
        assert marker and _MESSAGE_ID not in after, "pywinrm's envelope changed shape"
        return before + "uuid:", after
    raise AssertionError("pywinrm sent nothing")


@functools.lru_cache(maxsize=32)
def _template(operation_timeout: int, op: str, flag: Any = None) -> tuple[str, str]:
    if op == "create":
        codepage, noprofile = flag
        return _capture(operation_timeout, lambda p: p.open_shell(codepage=codepage, noprofile=noprofile))
    if op == "command":
        return _capture(operation_timeout, lambda p: p.run_command(_SHELL, _COMMAND, [_ARGUMENTS]))
    if op == "send":
        return _capture(operation_timeout, lambda p: p.send_command_input(_SHELL, _COMMAND_ID, _STDIN, end=flag))
    if op == "receive":
        return _capture(operation_timeout, lambda p: p.get_command_output_raw(_SHELL, _COMMAND_ID))
    if op == "delete":
        return _capture(operation_timeout, lambda p: p.close_shell(_SHELL, close_session=False))
    raise ValueError(op)


class EnvelopeProtocol(Protocol):
    """pywinrm's Protocol for the operations remediate uses, with template envelopes (same bytes, see module doc).
    Anything else (other arguments, other operations) is pywinrm's own code."""

    def _envelope(self, op: str, values: dict[str, str], flag: Any = None) -> tuple[str, uuid.UUID]:
        before, after = _template(int(self.operation_timeout_sec), op, flag)
        if values:  # one pass, so that a value can never be taken for another placeholder
            after = _PLACEHOLDERS.sub(lambda m: values[m.group(0)], after)
        message_id = uuid.uuid4()
        return f"{before}{message_id}{after}", message_id

    def open_shell(self, i_stream: str = "stdin", o_stream: str = "stdout stderr", working_directory: str | None = None,
                   env_vars: dict[str, str] | None = None, noprofile: bool = False, codepage: int = 437,
                   lifetime: None = None, idle_timeout: str | int | None = None) -> str:
        if (i_stream, o_stream, working_directory, env_vars, lifetime, idle_timeout) != \
                ("stdin", "stdout stderr", None, None, None, None) or not isinstance(codepage, int):
            return super().open_shell(i_stream, o_stream, working_directory, env_vars, noprofile, codepage,
                                      lifetime, idle_timeout)
        message, _ = self._envelope("create", {}, (codepage, bool(noprofile)))
        root = ET.fromstring(self.send_message(message))
        return str(next(node for node in root.findall(".//*") if node.get("Name") == "ShellId").text)

    def run_command(self, shell_id: str, command: str, arguments: Any = (), console_mode_stdin: bool = True,
                    skip_cmd_shell: bool = False) -> str:
        args = [a if isinstance(a, str) else a.decode("utf-8") for a in arguments]
        if not console_mode_stdin or skip_cmd_shell or not args:
            return super().run_command(shell_id, command, arguments, console_mode_stdin, skip_cmd_shell)
        message, _ = self._envelope("command", {_SHELL: escape(shell_id), _COMMAND: escape(command),
                                                _ARGUMENTS: escape(" ".join(args))})
        root = ET.fromstring(self.send_message(message))
        return str(next(node for node in root.findall(".//*") if node.tag.endswith("CommandId")).text)

    def send_command_input(self, shell_id: str, command_id: str, stdin_input: str | bytes, end: bool = False) -> None:
        if '"' in command_id:  # xmltodict would switch to other quotes (saxutils.quoteattr): its own code then
            return super().send_command_input(shell_id, command_id, stdin_input, end)
        if isinstance(stdin_input, str):
            stdin_input = stdin_input.encode("437")  # as pywinrm does
        message, _ = self._envelope("send", {_SHELL: escape(shell_id), _COMMAND_ID: escape(command_id, _ATTR),
                                             _STDIN_B64: base64.b64encode(stdin_input).decode("ascii")}, bool(end))
        self.send_message(message)

    def get_command_output_raw(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int, bool]:
        if '"' in command_id:
            return super().get_command_output_raw(shell_id, command_id)
        message, _ = self._envelope("receive", {_SHELL: escape(shell_id), _COMMAND_ID: escape(command_id, _ATTR)})
        root = ET.fromstring(self.send_message(message))
        # What pywinrm's get_command_output_raw reads from the answer.
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        return_code = -1
        done = 0
        for node in root.iter():
            tag = node.tag
            if tag.endswith("Stream") and node.text:
                name = node.attrib.get("Name")
                if name == "stdout":
                    stdout.append(base64.b64decode(node.text.encode("ascii")))
                elif name == "stderr":
                    stderr.append(base64.b64decode(node.text.encode("ascii")))
            if node.get("State", "").endswith("CommandState/Done"):
                done += 1
        if done == 1:
            return_code = int(next(node for node in root.iter() if node.tag.endswith("ExitCode")).text or -1)
        return b"".join(stdout), b"".join(stderr), return_code, done == 1

    def close_shell(self, shell_id: str, close_session: bool = True) -> None:
        try:
            message, message_id = self._envelope("delete", {_SHELL: escape(shell_id)})
            root = ET.fromstring(self.send_message(message))
            relates_to = str(next(node for node in root.findall(".//*") if node.tag.endswith("RelatesTo")).text)
        finally:
            if close_session:
                self.transport.close_session()
        assert uuid.UUID(relates_to.replace("uuid:", "")) == message_id
