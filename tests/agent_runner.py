"""Protocol requests run through the REAL agent on a simulated host, for tests (`from agent_runner import ...`).

What the controller does over WinRM, minus the network: the agent's command line and stdin
(`remediate.agent.command_line`, `build_stdin`) go to `SimHost.run_command`, which runs the received script under
the lab's PowerShell interpreter over the host's simulated Windows; the answer is read back with the controller's
own `parse_answer`. Every answer a test checks through these is the agent's.

A command that exits non-zero (no answer: a request the agent refuses as malformed, or a lab refusal) raises
`AgentExit` carrying the exit code and stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from remediate import agent


class AgentExit(AssertionError):
    """The agent's command ended with a non-zero exit code and wrote no answer."""

    def __init__(self, code: int, stdout: bytes, stderr: bytes) -> None:
        self.code = code
        self.stdout = stdout.decode("utf-8", "replace")
        self.stderr = stderr.decode("utf-8", "replace")
        super().__init__(f"agent exited {code}: {self.stderr.strip() or self.stdout.strip()[:500]}")


def run(host: Any, request: Any) -> tuple[bytes, bytes, int]:
    """The raw (stdout, stderr, exit code) of one agent command carrying `request`."""
    command, arguments = agent.command_line()
    # build_stdin takes any JSON value: tests send malformed requests (a list, a wrong version) on purpose.
    return host.run_command(command, arguments, agent.build_stdin(request))


def execute(host: Any, request: Any) -> dict[str, Any]:
    """The agent's answer to one request (read or apply mode) on `host`, a `remediate.lab.host.SimHost`."""
    stdout, stderr, code = run(host, request)
    if code != 0:
        raise AgentExit(code, stdout, stderr)
    return agent.parse_answer(stdout)


def run_op(host: Any, spec: Any) -> dict[str, Any]:
    """One op spec (`{"op": NAME, "args": {...}}`) in a read request of its own: `{"ok": True, "value": V}` or
    `{"ok": False, "error": {"type", "message"}}`, the result without its id."""
    op = {"id": "r0", **spec} if isinstance(spec, dict) and "id" not in spec else spec
    answer = execute(host, {"version": agent.PROTOCOL_VERSION, "mode": "read", "ops": [op]})
    (result,) = answer["results"]
    return {k: v for k, v in result.items() if k != "id"}


def at_first_op(host: Any, callback: Callable[[], None], op: str | None = None) -> None:
    """Runs `callback()` once, when the agent first calls the function of an op (of `op`, if given) on `host`:
    inside an apply with a lock, the agent has taken the lock by then and written nothing yet, so a test can look
    at the host or run a second command (another agent process, as it were) while the first holds the lock.

    Built on the function-call watch that `SimHost.run_command` installs (`SimHost._watch_op`, which sees the
    agent's op functions by their `#op` declarations); commands on one host nest (its command lock is an RLock).
    """
    watch = host._watch_op
    functions = {o.function.casefold(): o.name for o in agent.agent_ops()}
    done = False

    def watching(function: str, arguments: list[Any]) -> None:
        nonlocal done
        watch(function, arguments)
        name = functions.get(function.casefold())
        if not done and name is not None and (op is None or name == op):
            done = True
            callback()

    host._watch_op = watching


class OpError(Exception):
    """An op's error answer, `{"type", "message"}`, raised by `call` (str: "TYPE: message")."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.type = error["type"]
        self.message = error["message"]
        super().__init__(f"{self.type}: {self.message}")


def call(host: Any, op: str, args: Any) -> Any:
    """The value the agent's op answers, or OpError with the agent's error type and message."""
    result = run_op(host, {"op": op, "args": args})
    if not result["ok"]:
        raise OpError(result["error"])
    return result["value"]
