"""The WinRS service of one simulated host: the six WS-Management actions pywinrm uses, on top of ShellRegistry.

``WinRSService.handle`` takes a parsed request from an authenticated user and returns the answer envelope, or
raises ``WSManFault``. Everything about HTTP, authentication and encryption stays in ``connection.py``.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from remediate.lab.wsman.model import HostEndpoint
from remediate.lab.wsman.shells import Command, OutputChunk, Shell, ShellRegistry
from remediate.lab.wsman.soap import (
    ACTION_NOT_SUPPORTED,
    ADDRESSING_FAULT_ACTION,
    INVALID_PARAMETER,
    NS,
    TIMED_OUT,
    WSManFault,
    WsmanRequest,
    access_denied,
    envelope,
)

TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
CMD_RESOURCE_URI = SHELL.rstrip("/") + "/cmd"
STATE_DONE = SHELL + "CommandState/Done"
STATE_RUNNING = SHELL + "CommandState/Running"
# What Windows waits for a Receive when the request names no OperationTimeout (MaxTimeoutms default).
DEFAULT_OPERATION_TIMEOUT = 60.0
# Room left in a Receive answer for everything but the base64 payload (header, CommandState, Stream tags).
_ENVELOPE_OVERHEAD = 4096


class WinRSService:
    """Executes Create, Command, Send, Receive, Signal and Delete for one host."""

    def __init__(self, endpoint: HostEndpoint, registry: ShellRegistry,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        self.endpoint = endpoint
        self.registry = registry
        self._sleep = sleep
        self._denied = {name.lower() for name in endpoint.config.denied_users}
        self._actions: dict[str, Callable[[WsmanRequest, str], bytes]] = {
            TRANSFER + "Create": self._create,
            SHELL + "Command": self._command,
            SHELL + "Send": self._send,
            SHELL + "Receive": self._receive,
            SHELL + "Signal": self._signal,
            TRANSFER + "Delete": self._delete,
        }

    def handle(self, request: WsmanRequest, user: str) -> bytes:
        """Carry out one request for ``user`` (a key of ``EndpointConfig.users``) and return the answer."""
        action = self._actions.get(request.action)
        if action is None:
            raise WSManFault(ACTION_NOT_SUPPORTED, "a:ActionNotSupported",
                             f"The WS-Management service cannot process the request. The action "
                             f"{request.action} is not supported by this lab endpoint.",
                             action=ADDRESSING_FAULT_ACTION)
        if user.lower() in self._denied:
            raise access_denied()
        return action(request, user)

    # --- actions ------------------------------------------------------------------------------------------------
    def _create(self, request: WsmanRequest, user: str) -> bytes:
        if request.resource_uri != CMD_RESOURCE_URI:
            raise WSManFault(2150858811, "w:InvalidResourceURI",  # ERROR_WSMAN_INVALID_RESOURCE_URI
                             f"The lab serves only the cmd shell ({CMD_RESOURCE_URI}), not {request.resource_uri}.")
        spec = request.body_child("Shell")
        environment: dict[str, str] = {}
        working_directory = None
        if spec is not None:
            for variable in spec.findall("rsp:Environment/rsp:Variable", NS):
                environment[variable.get("Name", "")] = variable.text or ""
            node = spec.find("rsp:WorkingDirectory", NS)
            working_directory = node.text if node is not None else None
        shell = self.registry.create_shell(user, request.options, environment, working_directory)
        streams_in = _child_text(spec, "InputStreams") or "stdin"
        streams_out = _child_text(spec, "OutputStreams") or "stdout stderr"
        # pywinrm takes the first element with Name="ShellId": the selector inside ResourceCreated.
        body = (f"<x:ResourceCreated><a:Address>{escape(self.endpoint.url)}</a:Address><a:ReferenceParameters>"
                f"<w:ResourceURI>{CMD_RESOURCE_URI}</w:ResourceURI><w:SelectorSet>"
                f"<w:Selector Name=\"ShellId\">{shell.id}</w:Selector></w:SelectorSet></a:ReferenceParameters>"
                f"</x:ResourceCreated><rsp:Shell><rsp:ShellId>{shell.id}</rsp:ShellId>"
                f"<rsp:ResourceUri>{CMD_RESOURCE_URI}</rsp:ResourceUri><rsp:Owner>{escape(user)}</rsp:Owner>"
                f"<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>{escape(streams_in)}"
                f"</rsp:InputStreams><rsp:OutputStreams>{escape(streams_out)}</rsp:OutputStreams></rsp:Shell>")
        return envelope(TRANSFER + "CreateResponse", request.message_id, body)

    def _command(self, request: WsmanRequest, user: str) -> bytes:
        shell = self._shell(request, user)
        line = request.body_child("CommandLine")
        command = _child_text(line, "Command")
        if line is None or command is None:
            raise WSManFault(INVALID_PARAMETER, "w:InvalidParameter", "The request has no rsp:CommandLine/rsp:Command.")
        arguments = [node.text or "" for node in line.findall("rsp:Arguments", NS)]
        cmd = self.registry.add_command(shell, command, arguments)
        body = f"<rsp:CommandResponse><rsp:CommandId>{cmd.id}</rsp:CommandId></rsp:CommandResponse>"
        return envelope(SHELL + "CommandResponse", request.message_id, body)

    def _send(self, request: WsmanRequest, user: str) -> bytes:
        shell = self._shell(request, user)
        send = request.body_child("Send")
        streams = [] if send is None else send.findall("rsp:Stream", NS)
        if not streams:
            raise WSManFault(INVALID_PARAMETER, "w:InvalidParameter", "The Send request has no rsp:Stream.")
        for stream in streams:
            if stream.get("Name") != "stdin":
                raise WSManFault(INVALID_PARAMETER, "w:InvalidParameter",
                                 f"The shell has no input stream named {stream.get('Name')!r}.")
            cmd = self.registry.command(shell, stream.get("CommandId"))
            try:
                data = base64.b64decode((stream.text or "").strip(), validate=True)
            except (binascii.Error, ValueError):
                raise WSManFault(INVALID_PARAMETER, "w:InvalidParameter", "The stdin data is not valid base64.")
            self.registry.send(cmd, data, (stream.get("End") or "").lower() == "true")
        return envelope(SHELL + "SendResponse", request.message_id, "<rsp:SendResponse/>")

    def _receive(self, request: WsmanRequest, user: str) -> bytes:
        shell = self._shell(request, user)
        desired = request.body.find("rsp:Receive/rsp:DesiredStream", NS) if request.body is not None else None
        cmd = self.registry.command(shell, desired.get("CommandId") if desired is not None else None)
        extra = self.endpoint.faults.slow_receive
        if extra > 0:
            self._sleep(extra)
        timeout = request.operation_timeout or DEFAULT_OPERATION_TIMEOUT
        cap = self.endpoint.config.operation_timeout_cap
        if cap is not None:
            timeout = min(timeout, cap)
        max_envelope = request.max_envelope_size or self.endpoint.config.max_envelope_size
        budget = max(1024, (max_envelope - _ENVELOPE_OVERHEAD) * 3 // 4)
        chunk = self.registry.receive(shell, cmd, timeout, budget)
        if chunk is None:
            raise WSManFault(TIMED_OUT, "w:TimedOut", "The WS-Management service cannot complete the operation "
                             "within the time specified in OperationTimeout.", receiver=True)
        return envelope(SHELL + "ReceiveResponse", request.message_id, _receive_body(cmd, chunk))

    def _signal(self, request: WsmanRequest, user: str) -> bytes:
        shell = self._shell(request, user)
        signal = request.body_child("Signal")
        cmd = self.registry.command(shell, signal.get("CommandId") if signal is not None else None)
        self.registry.signal(shell, cmd)
        return envelope(SHELL + "SignalResponse", request.message_id, "<rsp:SignalResponse/>")

    def _delete(self, request: WsmanRequest, user: str) -> bytes:
        shell = self._shell(request, user)
        self.registry.delete_shell(shell)
        return envelope(TRANSFER + "DeleteResponse", request.message_id, "")

    def _shell(self, request: WsmanRequest, user: str) -> Shell:
        return self.registry.shell(request.selectors.get("ShellId"), user)


def _child_text(parent: object, local_name: str) -> str | None:
    if parent is None:
        return None
    node = parent.find(f"rsp:{local_name}", NS)  # type: ignore[attr-defined]
    return node.text if node is not None and node.text is not None else None


def _receive_body(cmd: Command, chunk: OutputChunk) -> str:
    command_id = quoteattr(cmd.id)
    parts = ["<rsp:ReceiveResponse>"]
    for name, data in (("stdout", chunk.stdout), ("stderr", chunk.stderr)):
        if data:
            parts.append(f"<rsp:Stream Name=\"{name}\" CommandId={command_id}>"
                         f"{base64.b64encode(data).decode('ascii')}</rsp:Stream>")
    if chunk.done:
        # Windows closes each stream with an empty End="true" element, then reports Done with the exit code.
        parts.append(f"<rsp:Stream Name=\"stdout\" CommandId={command_id} End=\"true\"></rsp:Stream>"
                     f"<rsp:Stream Name=\"stderr\" CommandId={command_id} End=\"true\"></rsp:Stream>"
                     f"<rsp:CommandState CommandId={command_id} State=\"{STATE_DONE}\">"
                     f"<rsp:ExitCode>{chunk.exit_code}</rsp:ExitCode></rsp:CommandState>")
    else:
        parts.append(f"<rsp:CommandState CommandId={command_id} State=\"{STATE_RUNNING}\"/>")
    parts.append("</rsp:ReceiveResponse>")
    return "".join(parts)
