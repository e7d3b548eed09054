"""The agent protocol, Python side: render the script, frame a request, parse the answer.

`docs/agent-protocol.md` is the contract. In short: one PowerShell command per phase. Its command line is a short
fixed bootstrap (`-EncodedCommand`); stdin carries, first, one line of base64 JSON (the request: data, never code)
and then the agent script itself, gzip-compressed and base64-encoded on one line. The agent answers with one JSON
document between two marker lines on stdout.

The template renders no user value: its only inputs are constants of this module. That is what makes the request
"data, never code": whatever a playbook holds reaches the host as a base64 line that the script decodes.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import logging
import re
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any

import jinja2

from remediate.assets import asset_dir
from remediate.errors import AgentError, HostError
from remediate.transport.base import Connection

PROTOCOL_VERSION = 1
BEGIN_MARKER = "<<<REMEDIATE-BEGIN>>>"
END_MARKER = "<<<REMEDIATE-END>>>"
POWERSHELL = "powershell.exe"
POWERSHELL_ARGS = ("-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand")

# Reads stdin (`$input` enumerates its lines, as in Ansible's proven bootstrap): line 1 is the request, line 2 the
# agent script, each gzip-compressed and base64-encoded (see `build_stdin`). It hands the script the request as
# base64 of its JSON, as before compression. GZipStream, StreamReader and the unary-comma array argument all exist in
# PowerShell 2.0 / .NET 2.0; type names are written in full rather than relying on PowerShell's "System." lookup.
# Kept small: it travels on the command line, which cmd.exe caps at 8191 characters.
BOOTSTRAP = "\n".join(
    [
        "$ErrorActionPreference = 'Stop'",
        "$lines = @($input)",
        "function Expand-Line([string]$Packed) {",
        "    $memory = New-Object System.IO.MemoryStream(,[System.Convert]::FromBase64String($Packed))",
        "    $mode = [System.IO.Compression.CompressionMode]::Decompress",
        "    $unzip = New-Object System.IO.Compression.GZipStream($memory, $mode)",
        "    (New-Object System.IO.StreamReader($unzip, [System.Text.Encoding]::ASCII)).ReadToEnd()",
        "}",
        "$json = [System.Text.Encoding]::ASCII.GetBytes((Expand-Line $lines[0]))",
        "$request = [System.Convert]::ToBase64String($json)",
        "$agent = [ScriptBlock]::Create((Expand-Line $lines[1]))",
        "& $agent $request",
    ]
)


_retry_log = logging.getLogger("remediate.wire")


class ProtocolError(Exception):
    """The answer on stdout is not a well-formed agent answer. Callers wrap it with the host name."""


def encoded_bootstrap() -> str:
    """The `-EncodedCommand` argument: base64 of the UTF-16LE bootstrap, as powershell.exe expects."""
    return base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode("ascii")


def command_line() -> tuple[str, list[str]]:
    return POWERSHELL, [*POWERSHELL_ARGS, encoded_bootstrap()]


_OP_LINE = re.compile(r"^#op (?P<name>[a-z][a-z0-9_.]*) (?P<function>[A-Z][A-Za-z]+-[A-Za-z]+)$")


@dataclass(frozen=True)
class AgentOp:
    name: str
    function: str


def agent_fragments() -> list[tuple[str, str]]:
    """(file name, text) of every op implementation under templates/agent/, in name order."""
    folder = asset_dir("templates") / "agent"
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.ps1"))]


def agent_ops() -> list[AgentOp]:
    """The op table: each fragment declares its ops as `#op NAME Function-Name` lines."""
    ops = []
    for _, text in agent_fragments():
        for line in text.splitlines():
            match = _OP_LINE.match(line.strip())
            if match:
                ops.append(AgentOp(match["name"], match["function"]))
    return ops


_FUNCTION = re.compile(r"(?im)^function\s+([A-Za-z][\w-]*)")
# The core calls this fragment function only for an apply under the host lock (a request with "lock").
_LOCKED_APPLY = "Invoke-LockedApply"
# Whether `build_stdin` sends the agent assembled for the request (`script_for`) or the whole agent. The lab runs
# whatever script it receives, under its interpreter, so both are exercised as a real host would run them.
ASSEMBLE_PER_REQUEST = True


@dataclass(frozen=True)
class Fragment:
    name: str  # file name under templates/agent/
    text: str
    ops: tuple[AgentOp, ...]
    needs: frozenset[str]  # other fragments whose functions this one calls


_MEMO_LOCK = threading.RLock()


def _memo(fn):  # type: ignore[no-untyped-def]
    """Cache by arguments, computed once even when a fleet's threads all ask at the same moment (lru_cache would
    let each of 50 threads render and compress the same assembly: seconds of CPU at the start of a run)."""
    cache: dict[Any, Any] = {}

    @functools.wraps(fn)
    def wrapper(*args):  # type: ignore[no-untyped-def]
        try:
            return cache[args]
        except KeyError:
            pass
        with _MEMO_LOCK:
            if args not in cache:
                cache[args] = fn(*args)
            return cache[args]

    wrapper.cache_clear = cache.clear
    return wrapper


_WORD = re.compile(r"[A-Za-z][\w-]*")


@_memo
def fragment_table() -> dict[str, Fragment]:
    """Every fragment, its ops and the fragments it calls into (found by the function names each defines)."""
    texts = agent_fragments()
    owner = {function.lower(): name for name, text in texts for function in _FUNCTION.findall(text)}
    table = {}
    for name, text in texts:
        ops = tuple(AgentOp(m["name"], m["function"]) for m in map(_OP_LINE.match, map(str.strip, text.splitlines()))
                    if m)
        words = {word.lower() for word in _WORD.findall(text)}  # PowerShell command names are case-insensitive
        needs = frozenset(owner[w] for w in words if w in owner and owner[w] != name)
        table[name] = Fragment(name, text, ops, needs)
    return table


@_memo
def _op_owners() -> tuple[dict[str, str], frozenset[str]]:
    """op name -> its fragment; the fragments defining the locked apply the core calls for a request with "lock"."""
    table = fragment_table()
    by_op = {op.name: f.name for f in table.values() for op in f.ops}
    locked = frozenset(f.name for f in table.values() if _LOCKED_APPLY.lower() in
                       {fn.lower() for fn in _FUNCTION.findall(f.text)})
    return by_op, locked


def _closure(names: set[str]) -> frozenset[str]:
    table = fragment_table()
    todo, done = list(names), set()
    while todo:
        name = todo.pop()
        if name not in done:
            done.add(name)
            todo.extend(table[name].needs)
    return frozenset(done)


def fragments_for(request: Any) -> frozenset[str]:
    """The fragments a request needs: those declaring an op it names (any "op" member, read ops and an apply's
    read/set/undo ops alike), the lock fragment for an apply under the host lock, and what those call. A name
    that is no op selects nothing: the agent answers it UnknownOp, as the whole agent would. What is not a
    request object at all selects only the core, whose protocol check refuses it as the whole agent would."""
    if not isinstance(request, dict):
        return _closure(set())
    by_op, locked = _op_owners()
    wanted = {by_op[name] for name in _op_names(request) if name in by_op}
    if request.get("lock") is not None:
        wanted |= locked
    return _closure(wanted)


def _op_names(request: dict[str, Any]) -> set[str]:
    """The op names of a request where docs/agent-protocol.md puts them: a read's `ops[].op`, an apply's
    `changes[].read/set/undo.op`. (A walk over the whole request cost 2 ms per apply at R = 100;
    tests/unit/test_agent_assembly.py checks both find the same names in what the engine sends.)"""
    names: set[str] = set()
    ops = request.get("ops")
    for spec in ops if isinstance(ops, list) else ():
        op = spec.get("op") if isinstance(spec, dict) else None
        if isinstance(op, str):
            names.add(op)
    changes = request.get("changes")
    for change in changes if isinstance(changes, list) else ():
        if isinstance(change, dict):
            for part in (change.get("read"), change.get("set"), change.get("undo")):
                op = part.get("op") if isinstance(part, dict) else None
                if isinstance(op, str):
                    names.add(op)
    return names


def render_script(fragments: frozenset[str] | None = None) -> str:
    """The agent script: the core (protocol, JSON, lock dispatch) and the given fragments (all when None), with
    an op table that dispatches only to the ops those fragments declare. Rendered from shipped files only, never
    from user data; cached per set of fragments.

    Each domain's ops live in their own file under templates/agent/, so adding a resource kind adds a file rather
    than editing a shared one; the op table (a `switch` over fixed names) is generated from the `#op` lines.
    """
    return _render(frozenset(fragment_table()) if fragments is None else _closure(set(fragments)))


@_memo
def _render(fragments: frozenset[str]) -> str:
    table = fragment_table()
    chosen = [table[name] for name in sorted(fragments)]  # file-name order, as the whole agent has always had
    source = (asset_dir("templates") / "agent.ps1.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
                             trim_blocks=True, lstrip_blocks=True)
    script = env.from_string(source).render(
        protocol_version=PROTOCOL_VERSION, begin_marker=BEGIN_MARKER, end_marker=END_MARKER,
        fragments=[f.text for f in chosen], ops=[op for f in chosen for op in f.ops],
        fragment_names=" ".join(f.name for f in chosen) or "(none)",
    )
    # ASCII only, so that the shell's code page can never mangle the script on its way in.
    script.encode("ascii")
    return script


def script_for(request: dict[str, Any]) -> str:
    """The agent as sent for `request`: its core and the fragments of the ops the request names."""
    return render_script(fragments_for(request))


_FRAGMENTS_LINE = re.compile(r"(?m)^# fragments: (.*)$")


def is_genuine_script(text: str) -> bool:
    """Whether `text` is exactly an assembly `render_script` makes (the whole agent or any per-request one): the
    script names its fragments on its `# fragments:` line; it is genuine if rendering those gives the same text.
    `remediate debug` says with it whether a recorded script is the agent."""
    match = _FRAGMENTS_LINE.search(text)
    if match is None:
        return False
    names = set(match.group(1).split()) - {"(none)"}
    if not names <= set(fragment_table()) or _closure(names) != names:
        return False
    return text == _render(frozenset(names))


def request_json(request: dict[str, Any]) -> bytes:
    return json.dumps(request, ensure_ascii=True, separators=(",", ":"), sort_keys=True).encode("ascii")


def pack(data: bytes, level: int = 6) -> bytes:
    """One stdin line: base64 of gzip (`mtime=0`, so equal input gives equal bytes)."""
    return base64.b64encode(gzip.compress(data, compresslevel=level, mtime=0))


def packed_script(fragments: frozenset[str] | None = None) -> bytes:
    """The agent script's stdin line, compressed once per process and assembly (at the highest level: it is paid
    once per assembly, and a fleet's requests use a handful of assemblies)."""
    return _packed(frozenset(fragment_table()) if fragments is None else _closure(set(fragments)))


@_memo
def _packed(fragments: frozenset[str]) -> bytes:
    return pack(_render(fragments).encode("ascii"), level=9)


def frame_stdin(packed_request: bytes, packed_agent: bytes) -> bytes:
    """stdin as the bootstrap reads it: the request line, then the script line."""
    return packed_request + b"\n" + packed_agent + b"\n"


def build_stdin(request: dict[str, Any]) -> bytes:
    """Why compressed: the script is resent with every command and grows with every op domain (100+ KB of text),
    and an apply request grows with its changes (~500 bytes of JSON each). Sent as base64 text they took two Sends
    (over the 96 KB stdin chunk) and ~140 KB on the wire per command; gzipped, the script is about a third of that
    and requests shrink tenfold, so one Send carries a command for any realistic playbook (docs/performance.md)."""
    script = packed_script(fragments_for(request)) if ASSEMBLE_PER_REQUEST else packed_script()
    # Level 1: a request is packed once per command (level 6 took 1.4 ms against 0.4 for an R = 100 apply, for
    # 6% fewer bytes); the script, packed once per process, keeps level 9.
    return frame_stdin(pack(request_json(request), level=1), script)


def split_stdin(data: bytes) -> tuple[dict[str, Any], str]:
    """Inverse of `build_stdin`, for the lab: the decoded request and the script text that came with it.

    Raises ValueError (bad base64, JSON or text encoding) or ProtocolError (a line that is not gzip data, a request
    that is not a JSON object).
    """
    lines = data.decode("ascii").split("\n")
    request = json.loads(_unpack(lines[0], "request").decode("ascii"))
    if not isinstance(request, dict):
        raise ProtocolError("request is not a JSON object")
    # FromBase64String skips whitespace, so the script may come on one line or several.
    script = _unpack("".join("".join(lines[1:]).split()), "agent script").decode("utf-8")
    return request, script


def _unpack(line: str, what: str) -> bytes:
    packed = base64.b64decode(line.strip(), validate=True)
    try:
        return gzip.decompress(packed)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise ProtocolError(f"the {what} line is not gzip data: {exc}") from None


def format_answer(answer: dict[str, Any]) -> bytes:
    """How the agent frames its answer (used by the lab; agent.ps1 writes the same bytes)."""
    body = json.dumps(answer, ensure_ascii=True, separators=(",", ":"))
    return f"{BEGIN_MARKER}\r\n{body}\r\n{END_MARKER}\r\n".encode("ascii")


def parse_answer(stdout: bytes) -> dict[str, Any]:
    """The JSON line framed by the marker lines. Anything outside them (stray Write-Host, banners) is ignored.

    Framing is by whole lines: BEGIN, the JSON (one line: both agents escape every control character), END. A
    value that holds the markers' text is inside the JSON line and can never pass for a marker line; searching
    the text for the markers instead would let such a value cut the answer short (tests/e2e/test_injection.py).
    """
    text = stdout.decode("utf-8", errors="replace")
    lines = [line.strip() for line in text.split("\n")]
    frame = next((i for i in range(len(lines) - 2, 0, -1)
                  if lines[i - 1] == BEGIN_MARKER and lines[i + 1] == END_MARKER), None)
    if frame is None:
        snippet = text.strip()[:200] or "(no output)"
        raise ProtocolError(f"agent answer markers not found in output: {snippet!r}")
    try:
        answer = json.loads(lines[frame])
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"agent answer is not valid JSON: {exc}") from None
    if not isinstance(answer, dict) or answer.get("version") != PROTOCOL_VERSION:
        version = answer.get("version") if isinstance(answer, dict) else None
        raise ProtocolError(f"agent answer has an unexpected version: {version!r}")
    return answer


# Pauses before the 2nd and 3rd try of a read that failed transiently (timeout, 5xx, dropped connection): a host
# that stays down costs the run 2.5 s more, a blip costs nothing. Tests shorten them.
READ_RETRY_DELAYS: tuple[float, ...] = (0.5, 2.0)


def call(connection: Connection, request: dict[str, Any]) -> dict[str, Any]:
    """Run one request on one host; the parsed answer, or a `HostError` naming the host.

    A read (mode "read": no write op in reach) that fails transiently (`HostError.transient`) is sent again after
    each of `READ_RETRY_DELAYS`. Any other request, an apply above all, is sent exactly once: after a lost connection
    the engine re-reads the values instead (remediate/engine/apply.py), it never re-sends the writes.
    """
    if request.get("mode") == "read":
        for attempt, delay in enumerate(READ_RETRY_DELAYS, start=1):
            try:
                return _call_once(connection, request)
            except HostError as exc:
                if not exc.transient:
                    raise
                _retry_log.debug("%s: read attempt %d failed (%s); retrying in %.1f s", connection.host, attempt,
                                 exc.problem, delay)
                time.sleep(delay)
    return _call_once(connection, request)


def _call_once(connection: Connection, request: dict[str, Any]) -> dict[str, Any]:
    """Run one request on one host as one command; the parsed answer, or `AgentError` naming the host."""
    command, arguments = command_line()
    result = connection.run(command, arguments, build_stdin({"version": PROTOCOL_VERSION, **request}))
    try:
        return parse_answer(result.stdout)
    except ProtocolError as exc:
        detail = _clean_stderr(result.stderr)
        raise AgentError(
            connection.host, f"{exc} (exit code {result.exit_code}{'; stderr: ' + detail if detail else ''})"
        ) from None


def _clean_stderr(stderr: bytes) -> str:
    text = stderr.decode("utf-8", errors="replace").strip()
    if text.startswith("#< CLIXML"):
        # PowerShell serialises error records as CLIXML on stderr; the <S S="Error"> strings are the message.
        import re

        parts = re.findall(r'<S S="Error">(.*?)</S>', text, flags=re.DOTALL)
        text = "".join(parts).replace("_x000D__x000A_", " ").strip()
    return " ".join(text.split())[:500]
