"""ios_config_line: the grammar of the lines it may send, its spec, and the IOS agent's protocol on a fake device.

The lab's CLI (remediate/lab/ios.py) is tested here too, without SSH: prompts, paging, errors, `write memory`.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from remediate.lab.ios import CliSession, SimRouter
from remediate.resources.ios_config_line import (
    IosConfigLine,
    IosConfigLineSpec,
    InspectLine,
    checked_lines,
    format_line,
    matching_lines,
    parse_line,
)
from remediate.transport import ios_agent

KIND = IosConfigLine()
LINE = "ip inspect name MAILFW smtp timeout 3600"
HOSTILE = [
    "FW; reload", "FW\nend", "FW\r\nwrite erase", "FW | include", "do reload", "FW\x1a", "F W", "",
    "‘FW’", "FW\u00e9", "x" * 33, "$(reload)", "`reload`", "FW#", "FW\x00", "FW\t",
]


@pytest.mark.parametrize("text, fields", [
    ("ip inspect name FW smtp", InspectLine("FW", "smtp")),
    (LINE, InspectLine("MAILFW", "smtp", timeout=3600)),
    ("ip inspect name a_b-9 esmtp alert on audit-trail off timeout 30",
     InspectLine("a_b-9", "esmtp", "on", "off", 30)),
])
def test_valid_lines_round_trip(text: str, fields: InspectLine) -> None:
    assert parse_line(text) == fields
    assert format_line(fields) == text


@pytest.mark.parametrize("text", [
    LINE + "\n", LINE + "\rend", LINE + " ; reload", "ip inspect name FW smtp timeout 0", "ip inspect name FW tcp",
    "ip inspect name FW smtp timeout 30 alert on",  # not the order IOS prints: not one of ours
    "ip inspect name FW smtp router-traffic", " ip inspect name FW smtp", "no ip inspect name FW smtp",
    "ip inspect name FW\u00a0smtp", "ip inspect name FW smtp timeout 99999999", None, 7,
])
def test_lines_outside_the_grammar_do_not_parse(text: Any) -> None:
    assert parse_line(text) is None


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_cannot_become_a_line(name: str) -> None:
    with pytest.raises(ValueError):
        format_line(InspectLine(name, "smtp"))
    with pytest.raises(ValidationError):
        IosConfigLineSpec(kind="ios_config_line", inspect_name=name, protocol="smtp", state="present")


@pytest.mark.parametrize("data, problem", [
    ({"protocol": "smtp", "state": "present"}, "needs an inspect_name"),
    ({"protocol": "smtp", "state": "absent", "timeout": 5}, "takes no alert"),
    ({"protocol": "http"}, "protocol"),
    ({"protocol": "smtp", "timeout": 0, "state": "present", "inspect_name": "FW"}, "timeout"),
    ({"protocol": "smtp", "line": "ip inspect name FW smtp"}, "line"),  # no raw line, ever
    ({"protocol": "smtp", "command": "do reload"}, "command"),
])
def test_spec_refusals(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        IosConfigLineSpec(kind="ios_config_line", **data)


@pytest.mark.parametrize("spec, identity, desired", [
    ({"protocol": "smtp"}, {"line": "ip_inspect", "inspect_name": "*", "protocol": "smtp"}, {"lines": []}),
    ({"protocol": "smtp", "inspect_name": "MAILFW", "state": "present", "timeout": 3600},
     {"line": "ip_inspect", "inspect_name": "MAILFW", "protocol": "smtp"}, {"lines": [LINE]}),
    ({"protocol": "esmtp", "inspect_name": "FW", "state": "present", "alert": True},  # YAML 1.1 `on`
     {"line": "ip_inspect", "inspect_name": "FW", "protocol": "esmtp"}, {"lines": ["ip inspect name FW esmtp alert on"]}),
])
def test_identity_and_desired(spec: dict[str, Any], identity: dict[str, Any], desired: Any) -> None:
    model = IosConfigLineSpec(kind="ios_config_line", **spec)
    assert KIND.identity(model) == identity
    assert KIND.desired(model) == desired
    assert KIND.read_op(identity).wire() == {"op": "ios.inspect.get", "args": {
        "inspect_name": identity["inspect_name"], "protocol": identity["protocol"]}}
    assert KIND.set_op(identity, desired).args["lines"] == desired["lines"]


@pytest.mark.parametrize("observed, desired, same", [
    ({"lines": [LINE]}, {"lines": []}, False),
    ({"lines": []}, {"lines": []}, True),
    ({"lines": ["ip inspect name MAILFW smtp"]}, {"lines": [LINE]}, False),  # options matter
])
def test_comparison_table(observed: Any, desired: Any, same: bool) -> None:
    assert KIND.same(observed, desired) is same
    assert bool(KIND.changes(observed, desired)) is not same


CONFIG = """!
hostname rtr1
ip inspect name MAILFW tcp
ip inspect name MAILFW smtp timeout 3600
ip inspect name OTHER smtp alert on
ip inspect name LEGACY smtp router-traffic
ip inspect name ODD.NAME esmtp
interface FastEthernet0/0
 ip inspect MAILFW out
end
"""


@pytest.mark.parametrize("name, protocol, lines", [
    ("*", "smtp", [LINE, "ip inspect name OTHER smtp alert on", "ip inspect name LEGACY smtp router-traffic"]),
    ("MAILFW", "smtp", [LINE]),
    ("mailfw", "smtp", []),  # names are case-sensitive on IOS
    ("*", "esmtp", ["ip inspect name ODD.NAME esmtp"]),
])
def test_matching_lines_read_every_form_verbatim(name: str, protocol: str, lines: list[str]) -> None:
    assert matching_lines(CONFIG, name, protocol) == lines


@pytest.mark.parametrize("lines, name", [
    (["ip inspect name FW esmtp"], "*"),     # another protocol than the resource's
    (["ip inspect name FW smtp"], "OTHER"),  # another name
    ([LINE, "ip inspect name MAILFW smtp"], "*"),  # two lines for one name
    ([LINE + "\ndo reload"], "*"),
    ("ip inspect name FW smtp", "*"),        # not a list
])
def test_checked_lines_refuse(lines: Any, name: str) -> None:
    with pytest.raises(ValueError, match="refused|list"):
        checked_lines(lines, name, "smtp")


# ---------------------------------------------------------------------------------------- the IOS agent, faked


class FakeDevice:
    """The lab's CLI interpreter without SSH: records every command sent."""

    def __init__(self, config: str = CONFIG) -> None:
        self.router = SimRouter("rtr1")
        self.router.load({"config": config})
        self.cli = CliSession(self.router, 15)
        self.cli.length = 0
        self.hostname = "rtr1"
        self.sent: list[str] = []

    def command(self, line: str) -> str:
        self.sent.append(line)
        output = self.cli.execute(line)
        for out in output.splitlines():
            if out.startswith("% "):
                raise ios_agent.CommandError(line, out[2:])
        return output


def _change(before: Any, after: Any, name: str = "*") -> dict[str, Any]:
    identity = {"line": "ip_inspect", "inspect_name": name, "protocol": "smtp"}
    return {"id": "c0", "read": KIND.read_op(identity).wire(), "expect": before,
            "set": KIND.set_op(identity, after).wire(), "want": after, "undo": KIND.set_op(identity, before).wire()}


def test_apply_removes_every_smtp_line_and_saves_but_never_writes_a_line_outside_the_grammar() -> None:
    device = FakeDevice()
    before = {"lines": matching_lines(CONFIG, "*", "smtp")}
    answer = ios_agent.execute_request({"version": 1, "mode": "apply", "changes": [_change(before, {"lines": []})]},
                                       device)
    assert answer["outcome"] == "applied" and answer["changes"][0]["observed"] == {"lines": []}
    assert not device.router.inspects_smtp()
    assert device.router.snapshot()["startup"] == device.router.snapshot()["running"]  # saved
    assert "no ip inspect name MAILFW smtp timeout 3600" in device.sent
    assert "no ip inspect name LEGACY smtp" in device.sent  # an option outside our grammar: removed by name only
    assert device.sent[-2:] == ["write memory", "show running-config"]
    device.sent.clear()
    back = ios_agent.execute_request({"version": 1, "mode": "apply", "changes": [_change({"lines": []}, before)]},
                                     device)
    # The router-traffic line cannot be re-entered (not generated from our fields): refused, nothing sent.
    assert back["outcome"] == "reverted" and back["changes"][0]["status"] == "failed"
    assert back["changes"][0]["error"]["type"] == "InvalidArgument"
    assert not any(line.startswith("ip inspect") for line in device.sent)


def test_a_name_outside_the_grammar_is_not_removed() -> None:
    device = FakeDevice("hostname rtr1\nip inspect name ODD:NAME smtp\nend\n")
    answer = ios_agent.execute_request({"version": 1, "mode": "apply", "changes": [
        _change({"lines": ["ip inspect name ODD:NAME smtp"]}, {"lines": []})]}, device)
    assert answer["outcome"] == "reverted"
    assert "outside what remediate sends" in answer["changes"][0]["error"]["message"]
    assert not any(line.startswith("no ") for line in device.sent)


def test_rollback_readds_the_exact_line_with_its_options() -> None:
    config = CONFIG.replace("ip inspect name OTHER smtp alert on\nip inspect name LEGACY smtp router-traffic\n", "")
    device = FakeDevice(config)
    original = device.router.snapshot()
    forward = ios_agent.execute_request(
        {"version": 1, "mode": "apply", "changes": [_change({"lines": [LINE]}, {"lines": []})]}, device)
    assert forward["outcome"] == "applied"
    back = ios_agent.execute_request(
        {"version": 1, "mode": "apply", "changes": [_change({"lines": []}, {"lines": [LINE]})]}, device)
    assert back["outcome"] == "applied"
    assert device.router.snapshot() == original  # same place, same options, saved
    assert LINE in device.sent


def test_stale_device_is_not_touched() -> None:
    device = FakeDevice()
    answer = ios_agent.execute_request(
        {"version": 1, "mode": "apply", "changes": [_change({"lines": [LINE]}, {"lines": []}, "MAILFW")]}, device)
    assert answer["outcome"] == "applied"
    device.sent.clear()
    again = ios_agent.execute_request(
        {"version": 1, "mode": "apply", "changes": [_change({"lines": [LINE]}, {"lines": []}, "MAILFW")]}, device)
    assert again["outcome"] == "stale" and again["changes"][0]["observed"] == {"lines": []}
    assert device.sent == ["show running-config"]


@pytest.mark.parametrize("line", [LINE + "\nend", LINE + "\r", "do reload", "end", "ip inspect name FW smtp | x",
                                  "ip inspect name FW smtp;reload", "ip inspect name ‘FW’ smtp",
                                  "ip inspect name FW\u2028smtp"])
def test_hostile_lines_in_a_request_are_refused_before_any_command(line: str) -> None:
    device = FakeDevice()
    before = device.router.snapshot()
    op = {"op": "ios.inspect.set", "args": {"inspect_name": "*", "protocol": "smtp", "lines": [line]}}
    answer = ios_agent.execute_request({"version": 1, "mode": "read", "ops": [{"id": "r0", **op}]}, device)
    assert answer["results"][0]["ok"] is False
    assert answer["results"][0]["error"]["type"] == "InvalidArgument"
    assert device.sent == [] and device.router.snapshot() == before


@pytest.mark.parametrize("args", [{"inspect_name": "FW;x", "protocol": "smtp"}, {"inspect_name": "*", "protocol": "x"},
                                  "args", {"inspect_name": None, "protocol": "smtp"}])
def test_bad_arguments_are_invalid_argument(args: Any) -> None:
    device = FakeDevice()
    answer = ios_agent.execute_request(
        {"version": 1, "mode": "read", "ops": [{"id": "r0", "op": "ios.inspect.get", "args": args},
                                               {"id": "r1", "op": "registry.get", "args": {}}]}, device)
    assert answer["results"][0]["error"]["type"] == "InvalidArgument"
    assert answer["results"][1]["error"]["type"] == "UnknownOp"
    assert device.sent == []


def test_device_refusal_fails_the_change_and_reverts() -> None:
    device = FakeDevice("hostname rtr1\nip inspect name FW smtp\nend\n")

    def refuse(line: str) -> str:
        if line.startswith("no "):
            raise ios_agent.CommandError(line, "Invalid input detected at '^' marker.")
        return FakeDevice.command(device, line)

    device.command = refuse  # type: ignore[method-assign]
    answer = ios_agent.execute_request(
        {"version": 1, "mode": "apply", "changes": [_change({"lines": ["ip inspect name FW smtp"]}, {"lines": []})]},
        device)
    assert answer["outcome"] == "reverted"
    assert answer["changes"][0]["status"] == "failed"
    assert "refused 'no ip inspect name FW smtp'" in answer["changes"][0]["error"]["message"]
    assert "end" in device.sent and "write memory" not in device.sent  # back at the exec prompt; nothing saved
    assert device.cli.prompt == "rtr1#"


def test_facts_of_a_device() -> None:
    answer = ios_agent.execute_request({"version": 1, "mode": "read", "ops": [{"id": "f", "op": "facts",
                                                                               "args": {}}]}, FakeDevice())
    facts = answer["results"][0]["value"]
    assert facts["os_caption"] == "Cisco IOS Software" and facts["os_version"] == "12.4(24)T8"
    assert facts["hostname"] == "rtr1" and facts["exchange_version"] is None and facts["antivirus"] == []


# ------------------------------------------------------------------------------------------ the lab's IOS CLI


def test_cli_prompts_modes_and_abbreviations() -> None:
    router = SimRouter("r")
    router.load({"config": CONFIG})
    cli = CliSession(router, 1)
    assert cli.prompt == "rtr1>"
    assert "Invalid input" in cli.execute("configure terminal")
    cli.execute("enable")
    assert cli.prompt == "rtr1#"
    assert cli.execute("conf t").startswith("Enter configuration commands")
    assert cli.prompt == "rtr1(config)#"
    assert cli.execute("no ip insp name MAILFW smtp timeout 3600") == ""
    assert cli.execute("ip inspect name NEW smtp timeout 60 alert off") == ""
    cli.execute("end")
    assert cli.prompt == "rtr1#"
    assert "ip inspect name NEW smtp alert off timeout 60" in router.running  # printed in IOS order
    assert "ip inspect name NEW smtp alert off timeout 60" not in router.startup
    assert cli.execute("wr mem") == "Building configuration...\n[OK]\n"
    assert router.startup == router.running


@pytest.mark.parametrize("line, expected", [
    ("show foo", " " * 7 + "^\n% Invalid input detected at '^' marker.\n"),  # under "foo", after the prompt r#
    ("co", '% Ambiguous command:  "co"\n'),  # configure, copy
    ("show", "% Incomplete command.\n"),
    ("terminal length x", " " * 18 + "^\n% Invalid input detected at '^' marker.\n"),
])
def test_cli_errors_as_ios_words_them(line: str, expected: str) -> None:
    router = SimRouter("r")
    router.load({})
    cli = CliSession(router, 15)
    assert cli.prompt == "r#"
    assert cli.execute(line) == expected


def test_show_running_config_is_what_the_router_holds() -> None:
    router = SimRouter("r")
    router.load({"config": CONFIG})
    out = CliSession(router, 15).execute("show running-config")
    assert out.startswith("Building configuration...\n\nCurrent configuration : ")
    assert matching_lines(out, "*", "smtp") == matching_lines(CONFIG, "*", "smtp")


def test_the_shared_hostile_corpus_never_becomes_a_command(hostile_strings: dict[str, str]) -> None:
    """Every string of tests/data/hostile-strings.json, as an inspection name or as a line in a set request:
    refused by validation, and the device sees no command at all."""
    for key, text in hostile_strings.items():
        with pytest.raises(ValidationError):
            IosConfigLineSpec(kind="ios_config_line", inspect_name=text, protocol="smtp", state="present")
        device = FakeDevice()
        for args in ({"inspect_name": text, "protocol": "smtp", "lines": []},
                     {"inspect_name": "*", "protocol": "smtp", "lines": [text]},
                     {"inspect_name": "*", "protocol": "smtp", "lines": [f"ip inspect name FW smtp{text}"]}):
            answer = ios_agent.execute_request(
                {"version": 1, "mode": "read", "ops": [{"id": "r0", "op": "ios.inspect.set", "args": args}]}, device)
            assert answer["results"][0]["error"]["type"] == "InvalidArgument", key
        assert device.sent == [], key
