"""`mail_queue_probe`: tables of queue lists -> stuck queues and pass/fail, validation refusals, and the lab's
`queue.list` op per platform (Exchange 2003 links over WMI, Get-Queue on 2007+), errors included."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from agent_runner import OpError, call

from remediate.lab import symptoms
from remediate.lab.host import SimHost
from remediate.lab.platforms import facts_for, platform_state
from remediate.lab.state.mail import LAST_ERROR_2003, LAST_ERROR_MODERN
from remediate.resources import KINDS, ResourceSpec
from remediate.resources.base import FieldChange, Op
from remediate.resources.mail_queue_probe import MailQueueProbeSpec, stuck_queues

SHELL_MISSING = ("the Exchange Management Shell is not installed on this host: no Exchange snap-in is "
                 "registered")  # the agent's words (templates/agent/exchange.ps1)

KIND = KINDS["mail_queue_probe"]
# The agent's texts (templates/agent/mail.ps1).
NO_EXCHANGE = "Exchange is not installed on this host: it has no mail queues"
TRANSPORT_DOWN = "the Microsoft Exchange Transport service is not running, so Get-Queue cannot read the queues"
SPEC = TypeAdapter(ResourceSpec)


def spec(**fields: Any) -> MailQueueProbeSpec:
    parsed = SPEC.validate_python({"kind": "mail_queue_probe", **fields})
    assert isinstance(parsed, MailQueueProbeSpec)
    return parsed


def q(identity: str, status: str, count: int, error: str | None = None) -> dict[str, Any]:
    return {"identity": identity, "status": status, "message_count": count, "next_hop": "mx1.partner.example",
            "last_error": error}


def test_identity_op_and_desired() -> None:
    identity = KIND.identity(spec(max_messages=5))
    assert identity == {"max_messages": 5} and KIND.read_op(identity) == Op("queue.list", {})
    assert KIND.desired(spec(max_messages=5)) == {"stuck": [], "max_messages": 5}
    assert KIND.describe(KIND.identity(spec())) == (
        "mail queues: none in Retry holding any message or failing with the semaphore timeout")
    assert "more than 5 message(s)" in KIND.describe(identity)
    with pytest.raises(TypeError):
        KIND.set_op(identity, {})


SUBMISSION = q("EX19\\Submission", "Ready", 0)


@pytest.mark.parametrize("queues, limit, stuck", [
    ([], 0, []),
    ([SUBMISSION, q("EX19\\3", "Ready", 0)], 0, []),
    ([q("EX19\\3", "Retry", 1, LAST_ERROR_MODERN)], 0, ["EX19\\3"]),
    ([q("EX19\\3", "Retry", 1, LAST_ERROR_MODERN)], 5, []),  # a few messages waiting for a peer: tolerated
    ([q("EX19\\3", "Retry", 6, None)], 5, ["EX19\\3"]),
    ([q("SMTP/1/x", "Retry", 0, LAST_ERROR_2003)], 100, ["SMTP/1/x"]),  # the semaphore timeout fails at any count
    ([q("SMTP/1/x", "retry", 1, "semaphore TIMEOUT period has expired")], 0, ["SMTP/1/x"]),
    ([q("SMTP/1/x", "Active", 500, LAST_ERROR_2003)], 0, []),  # draining: the connection works again
    ([q("EX19\\3", "Ready", 50, None), q("EX19\\4", "Retry", 2, None)], 0, ["EX19\\4"]),
    ([q("EX19\\3", "Retry", 0, None)], 0, []),
    (["garbage", {"status": "Retry", "message_count": True}], 0, []),
])
def test_stuck_queues(queues: list[Any], limit: int, stuck: list[str]) -> None:
    observed = {"queues": queues, "truncated": False}
    assert [s["identity"] for s in stuck_queues(observed, limit)] == stuck
    assert KIND.same(observed, KIND.desired(spec(max_messages=limit))) is (not stuck)


def test_a_failure_lists_each_stuck_queue() -> None:
    observed = {"queues": [SUBMISSION, q("EX19\\3", "Retry", 40, LAST_ERROR_MODERN)], "truncated": False}
    assert KIND.changes(observed, KIND.desired(spec())) == [FieldChange(
        "stuck[EX19\\3]", {"status": "Retry", "message_count": 40, "next_hop": "mx1.partner.example",
                           "last_error": LAST_ERROR_MODERN}, None)]
    assert not KIND.same(None, KIND.desired(spec()))
    assert KIND.changes(None, KIND.desired(spec())) == [FieldChange("value", None, KIND.desired(spec()))]


@pytest.mark.parametrize("fields", [{"max_messages": -1}, {"max_messages": True}, {"max_messages": 1000001},
                                    {"max_messages": "many"}, {"status": "Retry"}])
def test_validation_refuses(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**fields)


# ------------------------------------------------------------------------------------------- the lab's op


def host(platform: str, **state: Any) -> SimHost:
    sim = SimHost(name="ex", facts=facts_for(platform, "ex", []))
    for domain, data in [*platform_state(platform).items(), *state.items()]:
        getattr(sim, domain).load(data)
    return sim


def test_lab_2003_lists_the_links_with_the_stuck_one() -> None:
    sim = host("win2003-ex2003", services={"SMTPSVC": {"state": "stopped"}})
    symptoms.tick(sim)
    value = call(sim, "queue.list", {})
    assert value["truncated"] is False and value["unavailable"] is None
    assert [queue["identity"] for queue in value["queues"]] == [
        "SMTP/1/Messages awaiting directory lookup", "SMTP/1/Local delivery", "SMTP/1/mx1.partner.example"]
    assert value["queues"][-1]["status"] == "Retry" and value["queues"][-1]["last_error"] == LAST_ERROR_2003
    assert [s["identity"] for s in stuck_queues(value, 0)] == ["SMTP/1/mx1.partner.example"]


def test_lab_2019_lists_get_queue_objects() -> None:
    sim = host("win2019-ex2019", defender={"exclusions": {"path": [], "process": []}})
    symptoms.tick(sim)
    queues = call(sim, "queue.list", {})["queues"]
    assert queues[0] == {"identity": "EX\\Submission", "status": "Ready", "message_count": 0,
                         "next_hop": "Submission", "last_error": None}
    assert queues[1]["identity"] == "EX\\3" and queues[1]["status"] == "Retry"
    assert queues[1]["last_error"] == LAST_ERROR_MODERN and queues[1]["message_count"] > 0


def test_lab_errors_as_the_agent_gives_them() -> None:
    with pytest.raises(OpError, match=NO_EXCHANGE):
        call(SimHost(name="plain"), "queue.list", {})
    with pytest.raises(OpError, match="args must be an object"):
        call(host("win2019-ex2019"), "queue.list", None)
    with pytest.raises(OpError, match=SHELL_MISSING):
        call(host("win2019-ex2019", exchange={"shell": None}), "queue.list", {})


def test_lab_with_the_transport_stopped_answers_why_it_has_no_queues_and_the_probe_fails() -> None:
    down = host("win2012r2-ex2013", services={"MSExchangeTransport": {"state": "stopped"}})
    value = call(down, "queue.list", {})
    assert value == {"queues": [], "truncated": False, "unavailable": TRANSPORT_DOWN}
    assert not KIND.same(value, KIND.desired(spec()))
    assert KIND.changes(value, KIND.desired(spec())) == [FieldChange("unavailable", TRANSPORT_DOWN, None)]
