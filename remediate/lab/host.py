"""A simulated Windows host as the lab's WS-Management endpoint sees it: something that runs a command.

It runs what a Windows host runs for remediate: `powershell.exe` with the agent's fixed options and an
`-EncodedCommand` script (the bootstrap), whose `$input` is the command's stdin. The script runs as received, under
the lab's PowerShell interpreter (`remediate.lab.pwsh`) over this host's simulated Windows
(`remediate.lab.windows`, `remediate.lab.state`): the real agent, not a copy of what it is believed to do. Other
programs are refused with a message that says what this host is.

For tests, the host watches the agent's op functions by the names the agent itself declares (`#op NAME Function`
lines, read by `remediate.agent.agent_ops`): `op_log` records each call as `(op, args)`, `writes` counts calls of
ops that change state, and faults are injected there: an op named in `fail_ops` (or called more often than
`fail_after[op]` allows) throws `System.InvalidOperationException` at the start of its function, as a Windows
failure inside it would, and the agent's own error handling answers for it.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field, fields
from collections.abc import Callable
from typing import Any

from remediate import agent
from remediate.lab import symptoms
from remediate.lab.pwsh.errors import NotImplementedConstruct
from remediate.lab.pwsh.session import Session
from remediate.lab.windows import clr
from remediate.lab.windows.machine import Machine
from remediate.lab.windows.refusal import NotModeled

# Every construct or Windows behaviour the lab refused while running a script, in this process: the test suite
# fails when it is not empty (tests/agent_coverage.py), so a refusal cannot pass for an agent error.
REFUSALS: list[str] = []
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


@functools.lru_cache(maxsize=1)
def _op_functions() -> dict[str, str]:
    """Agent function name (casefolded) -> the op it implements, from the agent's own `#op` declarations."""
    return {op.function.casefold(): op.name for op in agent.agent_ops()}


def _is_read_op(name: str) -> bool:
    """Ops that only read, by the protocol's naming (docs/agent-protocol.md): the rest change the host."""
    return name == "facts" or name.rsplit(".", 1)[-1].startswith(("get", "health", "probe", "count", "list"))


def plain(value: Any) -> Any:
    """A PowerShell value as plain JSON-like Python (the op arguments `op_log` shows)."""
    if isinstance(value, clr.Hashtable):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return clr.from_net(str(value))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


# powershell.exe's parameters (about_PowerShell_exe; the same names in Windows PowerShell 2.0 and 5.1), matched
# case-insensitively and by any unambiguous prefix, as powershell.exe does. Switches, then those taking a value.
_SWITCHES = ("-NoLogo", "-NoExit", "-Sta", "-Mta", "-NoProfile", "-NonInteractive")
_VALUED = ("-ExecutionPolicy", "-InputFormat", "-OutputFormat", "-WindowStyle", "-EncodedCommand", "-Command",
           "-File", "-PSConsoleFile", "-Version")


def _is_powershell(program: str) -> bool:
    return program.casefold() in (agent.POWERSHELL, agent.POWERSHELL.removesuffix(".exe"))


def _parameter(word: str) -> str | None:
    if not word.startswith(("-", "/")) or len(word) < 2:
        return None
    folded = "-" + word[1:].casefold()
    matches = [p for p in (*_SWITCHES, *_VALUED) if p.casefold().startswith(folded)]
    exact = [p for p in matches if p.casefold() == folded]
    return (exact or matches)[0] if len(exact or matches) == 1 else None


def decode_encoded_command(command: str, arguments: list[str]) -> str | None:
    """The script of a `powershell[.exe] [OPTIONS] -EncodedCommand BASE64` command line, or None for another one.

    WinRS hands Windows one command line; pywinrm sends the command and its arguments as given (remediate: the
    program, then its options; `Session.run_ps`: the whole line as the command), and none of these hold quotes,
    so splitting on whitespace is what Windows does to them. Only -EncodedCommand is run: -Command and -File
    (a script from a file or the rest of the line) are not modelled.
    """
    words = " ".join([command, *arguments]).split()
    if not words or not _is_powershell(words[0]):
        return None
    script = None
    index = 1
    while index < len(words):
        name = _parameter(words[index])
        if name is None or (name in _VALUED and index + 1 >= len(words)):
            return None
        if name in _SWITCHES:
            index += 1
            continue
        if name == "-EncodedCommand":
            try:
                script = base64.b64decode(words[index + 1], validate=True).decode("utf-16-le")
            except (ValueError, UnicodeDecodeError):
                return None
        elif name in ("-Command", "-File", "-PSConsoleFile", "-Version"):
            return None
        index += 2
    return script


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
    on_op: Callable[[str], None] | None = None  # test hook: called with each op's name as the agent starts it
    writes: int = 0  # write ops the agent started, successful or not
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
        """Runs a WinRS command with its whole stdin; returns (stdout, stderr, exit code) as the program gave them."""
        program = (command.split() or [""])[0]
        if not _is_powershell(program):
            # Not a pretended cmd.exe error: another client (Ansible's `hostname`, a person's `ipconfig`) is told
            # plainly what this host is, so a failure is not mistaken for a Windows problem.
            message = f"lab: this simulated Windows host runs only powershell.exe with the remediate agent; " \
                      f"'{program}' is not run here\r\n"
            return b"", message.encode("utf-8", "replace"), 1
        script = decode_encoded_command(command, arguments)
        if script is None:
            return b"", b"lab: only powershell.exe with -EncodedCommand (and its switches) is run here\r\n", 1
        # powershell.exe's $input enumerates the lines of its standard input.
        lines = stdin.decode("utf-8", "replace").splitlines()
        # Commands run concurrently, as on Windows: the agent's lock file keeps two applies apart, and each state
        # module guards its own calls. Each command is a new powershell.exe process: a new session on a new Machine
        # (snap-ins loaded by Add-PSSnapin do not outlive the process).
        for domain in self.state_domains():
            # What the host does on its own between commands (Exchange 2003's DS2MB copying AD into the metabase).
            before_command = getattr(getattr(self, domain), "before_command", None)
            if before_command is not None:
                before_command(self)
        symptoms.tick(self)  # one simulated minute with the causes the host shows now (before the agent)
        session = Session(Machine(self))
        session.on_function_call = self._watch_op
        try:
            result = session.run_script(script, input_lines=lines, file="powershell.exe -EncodedCommand")
        except (NotImplementedConstruct, NotModeled) as refusal:
            # Not something Windows would do: the lab says so (stderr, exit 1) and the suite fails on it.
            REFUSALS.append(f"{self.name}: {refusal}")
            return b"", f"lab: refused: {refusal}\r\n".encode("utf-8", "replace"), 1
        return result.stdout.encode("utf-8"), result.stderr.encode("utf-8"), result.exit_code

    def _watch_op(self, function: str, arguments: list[Any]) -> None:
        op = _op_functions().get(function.casefold())
        if op is None:
            return
        if self.on_op is not None:
            self.on_op(op)
        self.op_log.append((op, plain(arguments[0]) if arguments else None))
        if not _is_read_op(op):
            self.writes += 1  # attempted writes: what "read-only" tests assert to stay at zero
        # The log is counted only for an op with a fault after N calls: it grows with every command a host runs.
        if op in self.fail_ops or (op in self.fail_after and
                                   sum(1 for logged, _ in self.op_log if logged == op) > self.fail_after[op]):
            # Thrown at the start of the op's function (the interpreter makes it a terminating error there).
            raise clr.InvalidOperationException(f"simulated failure of {op}")
