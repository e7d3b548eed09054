"""SimHost.run_command: the lab runs the powershell.exe command it receives (the agent, framed by remediate.agent)
under its interpreter, and no other program."""

from __future__ import annotations

import base64

import pytest

from remediate import agent
from remediate.lab.host import SimHost
from remediate.lab.platforms import facts_for, platform_state

KEY = "SOFTWARE\\INTEL\\LANDesk\\VirusProtect6\\CurrentVersion\\Storages\\Filesystem\\RealTimeScan"


@pytest.fixture
def host() -> SimHost:
    sim = SimHost(name="ex2003-av", facts=facts_for("win2003-ex2003", "ex2003-av", []))
    for domain, data in platform_state("win2003-ex2003").items():
        getattr(sim, domain).load(data)
    sim.registry.load({"HKLM": {KEY: {"OnOff": {"type": "REG_DWORD", "data": 1}}}})
    return sim


def run(host: SimHost, request: dict) -> tuple[bytes, bytes, int]:
    command, arguments = agent.command_line()
    return host.run_command(command, arguments, agent.build_stdin(request))


def test_read_round_trip(host: SimHost) -> None:
    ident = {"hive": "HKLM", "key": KEY, "name": "OnOff"}
    stdout, stderr, code = run(host, {"version": 1, "mode": "read", "ops": [
        {"id": "f", "op": "facts", "args": {}}, {"id": "r", "op": "registry.get", "args": ident}]})
    assert (code, stderr) == (0, b"")
    answer = agent.parse_answer(stdout)
    facts, reg = answer["results"]
    assert facts["ok"] and facts["value"]["exchange_version"] == "6.5.7638.1"
    assert reg == {"id": "r", "ok": True, "value": {"exists": True, "type": "REG_DWORD", "data": 1}}
    assert stdout.isascii() and stdout.endswith(f"\r\n{agent.END_MARKER}\r\n".encode())


def test_apply_round_trip_with_hostile_data(host: SimHost) -> None:
    hostile = "'; Remove-Item C:\\ -Recurse; ' `$(whoami) \u00e9"
    ident = {"hive": "HKLM", "key": KEY, "name": hostile}
    request = {"version": 1, "mode": "apply", "changes": [{
        "id": "c0", "read": {"op": "registry.get", "args": ident}, "expect": {"exists": False},
        "set": {"op": "registry.set", "args": {**ident, "type": "REG_SZ", "data": hostile}},
        "want": {"exists": True, "type": "REG_SZ", "data": hostile},
        "undo": {"op": "registry.remove", "args": ident}}]}
    stdout, _, code = run(host, request)
    assert code == 0
    answer = agent.parse_answer(stdout)
    assert answer["outcome"] == "applied" and answer["changes"][0]["observed"]["data"] == hostile
    assert host.registry.get("HKLM", KEY, hostile)["data"] == hostile


@pytest.mark.parametrize("command", ["cmd.exe", "powershell.exe.bak", "pwsh", "hostname", "ipconfig"])
def test_foreign_command_is_told_what_the_lab_runs(host: SimHost, command: str) -> None:
    _, arguments = agent.command_line()
    stdout, stderr, code = host.run_command(command, arguments, b"")
    assert (stdout, code) == (b"", 1)
    assert stderr.decode() == (f"lab: this simulated Windows host runs only powershell.exe with the remediate agent; "
                               f"'{command}' is not run here\r\n")
    assert host.op_log == []


def test_powershell_command_lines_are_read_as_powershell_exe_reads_them(host: SimHost) -> None:
    # pywinrm's Session.run_ps: the whole line is the command, the parameter abbreviated (any unique prefix).
    script = base64.b64encode("'hello ' + (1 + 1)".encode("utf-16-le")).decode()
    stdout, stderr, code = host.run_command(f"PowerShell -encodedcommand {script}", [], b"")
    assert (stdout.decode().strip(), code) == ("hello 2", 0), stderr
    stdout, stderr, code = host.run_command("powershell.exe", ["-NoProfile", "-NonI", "-enc", script], b"")
    assert (stdout.decode().strip(), code) == ("hello 2", 0), stderr
    # -Command and -File (code from the command line or a file) are not modelled: said plainly, nothing runs.
    for arguments in (["-NoProfile", "-Command", "Get-Date"], ["-File", "C:\\x.ps1"], ["-Bogus", script]):
        stdout, stderr, code = host.run_command("powershell.exe", arguments, b"")
        assert (stdout, code) == (b"", 1) and b"-EncodedCommand" in stderr
    assert host.op_log == []


def test_the_script_that_arrives_is_the_script_that_runs(host: SimHost) -> None:
    # No re-rendered copy: a changed agent behaves as changed (here it answers with its protocol version altered).
    command, arguments = agent.command_line()
    stdin = agent.build_stdin({"version": 1, "mode": "read", "ops": [{"id": "r", "op": "facts", "args": {}}]})
    script = agent.render_script()
    changed = script.replace("$ProtocolVersion = 1", "$ProtocolVersion = 7")
    assert changed != script
    stdout, stderr, code = host.run_command(command, arguments,
                                            agent.frame_stdin(stdin.split(b"\n", 1)[0], agent.pack(changed.encode())))
    assert (stdout, code) == (b"", 1) and b"unsupported request version" in stderr


# What the agent itself says (stderr, exit 1, no answer) when its input is not a protocol request.
@pytest.mark.parametrize("stdin, says", [
    (b"not base64!\n" + agent.packed_script(), b"Invalid length for a Base-64 char array"),
    (agent.pack(b"[1, 2]") + b"\n" + agent.packed_script(), b"remediate agent: no answer:"),
    (agent.pack(b'{"version": 9, "mode": "read", "ops": []}') + b"\n" + agent.packed_script(),
     b"remediate agent: no answer: unsupported request version"),
    (base64.b64encode(b'{"version": 1, "mode": "read", "ops": []}') + b"\n" + agent.packed_script(),
     b"The magic number in GZip header is not correct"),
    (b"\xff\xfe", b""),
])
def test_malformed_request_exits_1(host: SimHost, stdin: bytes, says: bytes) -> None:
    command, arguments = agent.command_line()
    stdout, stderr, code = host.run_command(command, arguments, stdin)
    assert (stdout, code) == (b"", 1) and stderr and says in stderr
    assert host.writes == 0


def test_arguments_joined_into_one_command_line_are_accepted(host: SimHost) -> None:
    # pywinrm sends its argument list as one space-joined rsp:Arguments element, as Windows' command line is.
    command, arguments = agent.command_line()
    stdin = agent.build_stdin({"version": 1, "mode": "read", "ops": []})
    stdout, _, code = host.run_command(command, [" ".join(arguments)], stdin)
    assert code == 0 and agent.parse_answer(stdout) == {"version": 1, "results": []}
