"""`event_log_probe`: tables of (observed -> pass/fail and what is shown), validation refusals, and the lab's
`eventlog.count` op with the agent's argument checks and messages."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from agent_runner import OpError, call

from remediate.lab.host import SimHost
from remediate.resources import KINDS, ResourceSpec
from remediate.resources.base import FieldChange, Op
from remediate.resources.event_log_probe import NAME_PATTERN, EventLogProbeSpec

KIND = KINDS["event_log_probe"]
SPEC = TypeAdapter(ResourceSpec)


def spec(**fields: Any) -> EventLogProbeSpec:
    parsed = SPEC.validate_python({"kind": "event_log_probe", **fields})
    assert isinstance(parsed, EventLogProbeSpec)
    return parsed


def test_defaults_are_event_4006_of_msexchangetransport_in_the_last_24_hours() -> None:
    identity = KIND.identity(spec())
    assert identity == {"log": "Application", "source": "MSExchangeTransport", "event_id": 4006,
                        "since_minutes": 1440}
    assert KIND.read_op(identity) == Op("eventlog.count", identity)
    assert KIND.desired(spec()) == {"count": 0}
    assert KIND.probe and KIND.describe(identity) == (
        "event 4006 from MSExchangeTransport in the Application log, last 24 hours")
    assert KIND.key(identity) == KIND.key(KIND.identity(spec(log="APPLICATION", source="msexchangetransport")))
    with pytest.raises(TypeError):
        KIND.set_op(identity, {"count": 0})


@pytest.mark.parametrize("minutes, text", [(30, "30 minute(s)"), (120, "2 hour(s)"), (2880, "2 days")])
def test_describe_names_the_window(minutes: int, text: str) -> None:
    assert KIND.describe(KIND.identity(spec(since_minutes=minutes))).endswith("last " + text)


@pytest.mark.parametrize("observed, passes, shown", [
    ({"count": 0, "newest": None}, True, []),
    ({"count": 3, "newest": "2026-11-27T20:01:00Z"}, False,
     [FieldChange("count", 3, 0), FieldChange("newest", "2026-11-27T20:01:00Z", None)]),
    ({"count": 1, "newest": "2026-11-27T20:01:00Z"}, False,
     [FieldChange("count", 1, 0), FieldChange("newest", "2026-11-27T20:01:00Z", None)]),
    (None, False, [FieldChange("value", None, {"count": 0})]),
    ({"newest": None}, False, [FieldChange("count", None, 0), FieldChange("newest", None, None)]),
])
def test_pass_is_a_count_of_zero(observed: Any, passes: bool, shown: list[FieldChange]) -> None:
    desired = KIND.desired(spec())
    assert KIND.same(observed, desired) is passes
    if not passes:
        assert KIND.changes(observed, desired) == shown


@pytest.mark.parametrize("fields", [
    {"log": ""}, {"log": "Application*"}, {"log": "Microsoft-Windows-X/Operational"}, {"log": " Application"},
    {"log": "Application\n"}, {"source": "MSExchange?"}, {"source": "a" * 101}, {"source": "x;y"},
    {"event_id": -1}, {"event_id": 65536}, {"event_id": True}, {"event_id": "4006x"},
    {"since_minutes": 0}, {"since_minutes": 525601}, {"since_minutes": False}, {"since_minutes": 1.5},
    {"max_count": 1},
])
def test_validation_refuses(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**fields)


def test_hostile_strings_are_refused_or_verbatim(hostile_strings: dict[str, str]) -> None:
    import re

    for name, text in hostile_strings.items():
        for field in ("log", "source"):
            try:
                parsed = spec(**{field: text})
            except ValidationError:
                continue
            assert getattr(parsed, field) == text and re.fullmatch(NAME_PATTERN.strip("^$"), text), name


# ------------------------------------------------------------------------------------------- the lab's op


@pytest.fixture
def sim() -> SimHost:
    host = SimHost(name="ex03", facts={"hostname": "EX03", "exchange_version": "6.5.7638.1"})
    # No firewall API and no Windows Firewall service: no event-4006 cause, so the simulated minute that each agent
    # command lets pass (symptoms.tick) logs no event of its own.
    host.firewall.load({"api": "none"})
    host.mail.load({"clock": "2026-11-27T20:00:00Z", "events": [
        {"minutes_ago": 90, "source": "MSExchangeTransport", "event_id": 4006},
        {"minutes_ago": 20, "source": "MSExchangeTransport", "event_id": 4006},
        {"minutes_ago": 5, "source": "MSExchangeTransport", "event_id": 4000}]})
    return host


def count(sim: SimHost, **args: Any) -> Any:
    return call(sim, "eventlog.count", {"log": "Application", "source": "MSExchangeTransport", "event_id": 4006,
                                       "since_minutes": 60, **args})


def test_lab_counts_in_the_window(sim: SimHost) -> None:
    assert count(sim) == {"count": 1, "newest": "2026-11-27T19:40:00Z"}
    assert count(sim, since_minutes=120) == {"count": 2, "newest": "2026-11-27T19:40:00Z"}
    assert count(sim, since_minutes=10) == {"count": 0, "newest": None}
    assert count(sim, source="MSExchangeSA") == {"count": 0, "newest": None}
    assert sim.writes == 0


@pytest.mark.parametrize("args, message", [
    ({"log": 5}, "argument 'log' must be a string"),
    ({"log": "App*"}, "argument 'log' must be 1 to 100 letters, digits, spaces, dots, underscores or hyphens"),
    ({"source": None}, "argument 'source' must be a string"),
    ({"event_id": "4006"}, "argument 'event_id' must be a whole number 0..65535"),
    ({"event_id": True}, "argument 'event_id' must be a whole number 0..65535"),
    ({"since_minutes": 0}, "argument 'since_minutes' must be a whole number 1..525600"),
])
def test_lab_checks_arguments_as_the_agent_does(sim: SimHost, args: dict[str, Any], message: str) -> None:
    with pytest.raises(OpError, match=message.replace(".", r"\.")) as caught:
        count(sim, **args)
    assert caught.value.type == "InvalidArgument"


def test_lab_a_missing_log_is_an_error_not_zero(sim: SimHost) -> None:
    with pytest.raises(OpError, match="the event log 'Directory Service' does not exist on this host") as caught:
        count(sim, log="Directory Service")
    assert caught.value.type == "Failed"
