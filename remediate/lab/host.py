"""A simulated Windows host as the lab's WS-Management endpoint sees it: something that runs a command.

It runs one command only: the agent, framed exactly as `remediate.agent` frames it (the fixed powershell.exe
command line, the request line and the genuine rendered script on stdin). Anything else is refused the way a
Windows host would refuse an unknown program, so a test that passes against the lab has sent what a real host
would run. The work itself is `remediate.lab.agent_sim.execute` on this host's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from remediate import agent
from remediate.lab import symptoms
from remediate.lab.agent_sim import MalformedRequest, execute
from remediate.lab.state.directory import SimDirectory
from remediate.lab.state.exchange import SimExchange
from remediate.lab.state.files import SimFiles
from remediate.lab.state.lock import SimHostLock
from remediate.lab.state.mail import SimMail
from remediate.lab.state.metabase import SimMetabase
from remediate.lab.state.registry import SimRegistry
from remediate.lab.state.defender import SimDefender
from remediate.lab.state.firewall import SimFirewall
from remediate.lab.state.services import SimServices


# The SimHost fields that are simulated state domains; a domain adds its field below and its name here.
_STATE_DOMAINS = {"exchange", "registry"}
_STATE_DOMAINS |= {"metabase", "directory"}  # IIS 6 SMTP metabase, Exchange 2003 AD (DS2MB)
_STATE_DOMAINS |= {"services", "firewall", "defender"}  # Windows host settings
_STATE_DOMAINS |= {"mail"}  # clock, event log, queues: symptoms of the others' causes (lab/symptoms.py)


@dataclass
class SimHost:
    """One simulated server.

    `facts` is what the `facts` op answers (keys of docs/agent-protocol.md; missing ones are null, `time_utc` is
    the current time unless given). `op_log` records every op run as `(name, args)`. Faults for tests:
    `fail_ops` names ops that always fail; `fail_after[name] = n` fails every call of that op after the n-th.
    """

    name: str
    facts: dict[str, Any] = field(default_factory=dict)
    # The host's volume (lab/state/files.py), first: MetaBase.xml and the agent's lock file are files on it. Not a
    # state domain of its own: the files remediate manages are compared through the domains that own them.
    files: SimFiles = field(default_factory=SimFiles)
    registry: SimRegistry = field(default_factory=SimRegistry)
    exchange: SimExchange = field(default_factory=SimExchange)  # Exchange 2007+ transport objects
    metabase: SimMetabase = field(default_factory=SimMetabase)  # IIS SMTP metabase and MetaBase.xml
    directory: SimDirectory = field(default_factory=SimDirectory)  # Exchange 2003's AD copy of the SMTP VS
    services: SimServices = field(default_factory=SimServices)  # Windows services and their dependencies
    firewall: SimFirewall = field(default_factory=SimFirewall)  # host firewall rules (NetSecurity/COM/none)
    defender: SimDefender = field(default_factory=SimDefender)  # Defender exclusion lists
    mail: SimMail = field(default_factory=SimMail)  # stepped by symptoms.tick after every domain's before_command
    op_log: list[tuple[str, Any]] = field(default_factory=list)
    fail_ops: set[str] = field(default_factory=set)
    fail_after: dict[str, int] = field(default_factory=dict)
    writes: int = 0  # write ops attempted (lab.ops.WRITE_OPS), successful or not
    host_lock: SimHostLock = field(default_factory=SimHostLock)  # the agent's lock file (lab/state/lock.py)

    def __post_init__(self) -> None:
        # One volume per host: MetaBase.xml and the agent's lock file are files on it, whoever reads them.
        self.metabase.files.bind(self.files)
        self.host_lock.bind(self.files)

    @classmethod
    def state_domains(cls) -> list[str]:
        """Fields holding simulated state that a scenario can load (each has a `load(data)` method)."""
        return [f.name for f in fields(cls) if f.name in _STATE_DOMAINS]

    def run_command(self, command: str, arguments: list[str], stdin: bytes) -> tuple[bytes, bytes, int]:
        """Runs a WinRS command with its whole stdin; returns (stdout, stderr, exit code).

        Exit 0 with the framed answer (`remediate.agent.format_answer`) on stdout; exit 1 with a message on
        stderr for a foreign command, a foreign command line, a tampered script or a malformed request.
        """
        expected_command, expected_arguments = agent.command_line()
        if command.lower() not in (expected_command, expected_command.removesuffix(".exe")):
            # Not a pretended cmd.exe error: another client (Ansible's `hostname`, a person's `ipconfig`) is told
            # plainly what this host is, so a failure is not mistaken for a Windows problem.
            message = f"lab: this simulated Windows host runs only powershell.exe with the remediate agent; " \
                      f"'{command}' is not run here\r\n"
            return b"", message.encode("utf-8", "replace"), 1
        # WinRS hands Windows one command line; pywinrm sends all arguments joined by spaces as one element.
        # The agent's arguments hold no spaces or quotes, so splitting on whitespace is what Windows does to them.
        if " ".join(arguments).split() != expected_arguments:
            return b"", b"lab: only the remediate agent's powershell.exe command line is run here\r\n", 1
        try:
            request, script = agent.split_stdin(stdin)
        except (ValueError, agent.ProtocolError) as exc:  # bad base64, JSON or encoding are all ValueErrors
            return b"", f"remediate agent: malformed request: {exc}\r\n".encode("utf-8", "replace"), 1
        if script != agent.render_script():
            return b"", b"lab: refused: the script on stdin is not the genuine remediate agent\r\n", 1
        for domain in self.state_domains():
            # What the host does on its own between commands (Exchange 2003's DS2MB copying AD into the metabase).
            before_command = getattr(getattr(self, domain), "before_command", None)
            if before_command is not None:
                before_command(self)
        symptoms.tick(self)  # one simulated minute with the causes the host shows now (after DS2MB, before the agent)
        try:
            answer = execute(self, request)
        except MalformedRequest as exc:
            return b"", f"remediate agent: malformed request: {exc}\r\n".encode("utf-8", "replace"), 1
        return agent.format_answer(answer), b"", 0
