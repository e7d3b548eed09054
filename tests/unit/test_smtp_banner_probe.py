"""smtp_banner_probe: classification table, targets, spec, comparison; the lab's op over real loopback sockets; and
the PowerShell op holding the same patterns and messages as the Python side."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError
from agent_runner import OpError, call

from remediate.assets import asset_dir
from remediate.lab.host import SimHost
from remediate.lab.platforms import facts_for
from remediate.lab.smtp import mask
from remediate.resources.smtp_banner_probe import (
    HOST_PATTERN,
    MASKED_PATTERN,
    REPLY_220_PATTERN,
    REPLY_250_PATTERN,
    SmtpBannerProbe,
    SmtpBannerProbeSpec,
    classify,
    split_target,
)

KIND = SmtpBannerProbe()
EX2003 = "220 ex1.contoso.com Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at Thu, 30 Nov 2000 18:09:43 -0600"
EHLO_OK = ["250-ex1.contoso.com Hello [10.0.0.1]", "250-PIPELINING", "250 OK"]


@pytest.mark.parametrize("connected, banner, ehlo, expected", [
    (True, EX2003, EHLO_OK, "ok"),
    (True, "220 mx.partner.example ESMTP", ["250 mx.partner.example"], "ok"),
    (True, "220-first line of a long greeting", EHLO_OK, "ok"),
    (True, "220", EHLO_OK, "ok"),
    (False, None, [], "unreachable"),
    (True, None, [], "no_banner"),
    (True, "", [], "no_banner"),
    (True, mask(EX2003), ["500 5.5.1 Command unrecognized"], "masked"),
    (True, "220 ****************************2***0*0****", [], "masked"),
    (True, "220*********2**", [], "masked"),
    (True, "220 SMTP/cmap_____________________________", EHLO_OK, "masked"),
    (True, "554 5.7.1 no service for you", EHLO_OK, "not_220"),
    (True, "2200 not a reply code", EHLO_OK, "not_220"),
    (True, "mail server ready", EHLO_OK, "not_220"),
    (True, EX2003, ["500 5.5.1 Command unrecognized"], "ehlo_refused"),
    (True, EX2003, [], "ehlo_refused"),
    (True, "220 2020", EHLO_OK, "ok"),  # digits only, no asterisk: not masked
])
def test_classification(connected: bool, banner: str | None, ehlo: list[str], expected: str) -> None:
    verdict = classify(connected, banner, ehlo)
    assert verdict["classification"] == expected
    assert verdict["banner_ok"] is (expected in ("ok", "ehlo_refused"))
    assert verdict["masked"] is (expected == "masked")


def test_mask_keeps_only_2_and_0() -> None:
    masked = mask(EX2003)
    assert masked.startswith("220 ") and set(masked[4:]) <= {"*", "2", "0"}
    assert len(masked) == len(EX2003)


@pytest.mark.parametrize("target, port, expected", [
    ("mail.contoso.com", None, ("mail.contoso.com", 25)),
    ("mail.contoso.com:587", None, ("mail.contoso.com", 587)),
    ("127.0.0.1:40123", None, ("127.0.0.1", 40123)),
    ("[2001:db8::5]:25", None, ("2001:db8::5", 25)),
    ("[2001:db8::5]", None, ("2001:db8::5", 25)),
    ("smarthost", 2525, ("smarthost", 2525)),
    (" relay.example. ", None, ("relay.example.", 25)),
])
def test_targets(target: str, port: int | None, expected: tuple[str, int]) -> None:
    assert split_target(target, port) == expected


HOSTILE = ["mail;calc", "mail\r\nQUIT", "mail | x", "$(calc)", "`calc`", "‘mail’", "mail.contoso.com\n", "m\u00e4il",
           "-mail", "a" * 64 + ".com", "mail:25:26", "[::1", "mail:port", "mail:0", "mail:65536", "#>", "mail com"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target: str) -> None:
    with pytest.raises(ValidationError):
        SmtpBannerProbeSpec(kind="smtp_banner_probe", target=target)


@pytest.mark.parametrize("data, problem", [
    ({"target": "mail", "port": 25, "timeout_ms": 50}, "timeout_ms"),
    ({"target": "mail:25", "port": 25}, "either in target or as port"),
    ({"target": "mail", "require": "everything"}, "require"),
    ({"target": "mail", "host": "other"}, "host"),
])
def test_spec_refusals(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        SmtpBannerProbeSpec(kind="smtp_banner_probe", **data)


@pytest.mark.parametrize("require, desired", [("connect", {"connected": True}), ("banner", {"banner_ok": True}),
                                              ("unmasked", {"masked": False})])
def test_desired_identity_and_op(require: str, desired: dict[str, Any]) -> None:
    spec = SmtpBannerProbeSpec(kind="smtp_banner_probe", target="relay.example:2525", require=require,
                               timeout_ms=700)
    identity = KIND.identity(spec)
    assert identity == {"host": "relay.example", "port": 2525, "require": require, "timeout_ms": 700}
    assert KIND.desired(spec) == desired
    assert KIND.read_op(identity).wire() == {"op": "smtp.probe", "args": {"host": "relay.example", "port": 2525,
                                                                          "timeout_ms": 700}}
    assert KIND.probe is True
    with pytest.raises(TypeError):
        KIND.set_op(identity, desired)


def _seen(classification: str) -> dict[str, Any]:
    banner = {"ok": EX2003, "masked": mask(EX2003), "no_banner": None, "unreachable": None}[classification]
    return {"connected": classification != "unreachable", "banner": banner, "ehlo": [], "error": None,
            **classify(classification != "unreachable", banner, EHLO_OK if classification == "ok" else [])}


@pytest.mark.parametrize("seen, desired, passes", [
    ("ok", {"banner_ok": True}, True), ("masked", {"banner_ok": True}, False),
    ("no_banner", {"banner_ok": True}, False), ("unreachable", {"banner_ok": True}, False),
    ("ok", {"masked": False}, True), ("masked", {"masked": False}, False), ("no_banner", {"masked": False}, True),
    ("no_banner", {"connected": True}, True), ("unreachable", {"connected": True}, False),
    ("masked", {"connected": True}, True),
])
def test_pass_table_and_what_the_plan_shows(seen: str, desired: dict[str, Any], passes: bool) -> None:
    observed = _seen(seen)
    assert KIND.same(observed, desired) is passes
    if not passes:
        shown = {c.path: c.before for c in KIND.changes(observed, desired)}
        assert shown["classification"] == seen and "banner" in shown
    assert KIND.same("not a value", desired) is False


@pytest.mark.parametrize("target", ["", " ", ":25", "[]:25"])
def test_a_target_is_required(target: str) -> None:
    with pytest.raises(ValidationError):
        SmtpBannerProbeSpec(kind="smtp_banner_probe", target=target)


# ---------------------------------------------------------------------------------- the lab op, real sockets


@pytest.fixture
def server() -> Iterator[Any]:
    """serve(script) -> port: a one-connection loopback server that sends `script`'s lines (None: say nothing)."""
    sockets: list[socket.socket] = []

    def serve(greeting: str | None, ehlo: list[str]) -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        sockets.append(listener)

        def run() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(5)
                if greeting is not None:
                    conn.sendall(greeting.encode() + b"\r\n")
                    if conn.recv(100).startswith(b"EHLO probe.invalid"):
                        conn.sendall("".join(line + "\r\n" for line in ehlo).encode())
                try:
                    conn.recv(100)
                except OSError:
                    pass

        threading.Thread(target=run, daemon=True).start()
        return int(listener.getsockname()[1])

    yield serve
    for sock in sockets:
        sock.close()


def probe(args: Any) -> Any:
    """The agent's smtp.probe on a Windows Server 2019 host of the lab: a real TCP connection (TcpClient) from it."""
    return call(SimHost(name="probe", facts=facts_for("win2019-ex2019", "probe", [])), "smtp.probe", args)


@pytest.mark.parametrize("greeting, ehlo, expected", [
    (EX2003, EHLO_OK, "ok"),
    (mask(EX2003), ["500 5.5.1 Command unrecognized"], "masked"),
    ("554 go away", ["500 no"], "not_220"),
    (None, [], "no_banner"),
    ("220-multi\r\n220 line greeting", EHLO_OK, "ok"),
])
def test_lab_op_reads_real_sockets(server: Any, greeting: str | None, ehlo: list[str], expected: str) -> None:
    port = server(greeting, ehlo)
    value = probe({"host": "127.0.0.1", "port": port, "timeout_ms": 300})
    assert value["classification"] == expected and value["connected"] is True
    if greeting is not None:
        assert value["banner"] == greeting.split("\r\n")[0] and value["ehlo"] == ehlo


def test_lab_op_refused_and_foreign_targets() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))  # bound, not listening: refused
    try:
        value = probe({"host": "127.0.0.1", "port": holder.getsockname()[1], "timeout_ms": 300})
    finally:
        holder.close()
    assert value == {"connected": False, "banner": None, "ehlo": [], "classification": "unreachable",
                     "banner_ok": False, "masked": False, "error": "connection refused"}
    # The lab reaches loopback only: nothing leaves the machine.
    value = probe({"host": "192.0.2.10", "port": 25, "timeout_ms": 300})
    assert value["classification"] == "unreachable" and value["error"] == "socket error NetworkUnreachable"


@pytest.mark.parametrize("args, message", [
    ({"host": "mail;calc", "port": 25, "timeout_ms": 500}, "argument 'host' must be a host name or an IP address"),
    ({"host": 5, "port": 25, "timeout_ms": 500}, "argument 'host' must be a string"),
    ({"host": "mail", "port": "25", "timeout_ms": 500}, "argument 'port' must be a whole number 1..65535"),
    ({"host": "mail", "port": True, "timeout_ms": 500}, "argument 'port' must be a whole number 1..65535"),
    ({"host": "mail", "port": 25, "timeout_ms": 99}, "argument 'timeout_ms' must be a whole number 100..60000"),
    ("args", "args must be an object"),
])
def test_lab_op_argument_errors(args: Any, message: str) -> None:
    with pytest.raises(OpError) as caught:
        probe(args)
    assert (caught.value.type, caught.value.message) == ("InvalidArgument", message)


# ------------------------------------------------------------------------------- parity with the PowerShell op

PS = (asset_dir("templates") / "agent" / "smtp.ps1").read_text(encoding="utf-8")


def test_powershell_uses_the_same_patterns() -> None:
    assert f"'{MASKED_PATTERN}'" in PS
    assert f"'{REPLY_220_PATTERN}'" in PS and f"'{REPLY_250_PATTERN}'" in PS
    # The host check: the Python pattern with \z for $ (a .NET $ also matches before a final newline).
    assert "'" + HOST_PATTERN.removesuffix("$") + r"\z'" in PS


def test_powershell_words_errors_like_the_lab() -> None:
    assert "argument 'host' must be a host name or an IP address" in PS
    assert "must be a whole number " in PS and "'..'" in PS
    for text in ("connection refused", "timed out", "host not found", "socket error "):
        assert f"'{text}'" in PS
    for name in ("connected", "banner", "ehlo", "classification", "banner_ok", "masked", "error"):
        assert f"$result['{name}']" in PS
    assert re.search(r"EHLO probe\.invalid", PS) and "'QUIT'" in PS
    assert "512" in PS and "50" in PS and "WaitOne($timeout, $false)" in PS


def test_the_shared_hostile_corpus_is_refused_as_a_target(hostile_strings: dict[str, str]) -> None:
    """tests/data/hostile-strings.json as a probe target: refused by the spec, and by the agent's (lab) op before
    any connection is made."""
    for key, text in hostile_strings.items():
        with pytest.raises(ValidationError):
            SmtpBannerProbeSpec(kind="smtp_banner_probe", target=text)
        with pytest.raises(OpError, match="^InvalidArgument: "):
            probe({"host": text, "port": 25, "timeout_ms": 100})
