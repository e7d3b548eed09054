"""Causes produce symptoms: the lab's mail simulation (remediate/lab/state/mail.py, remediate/lab/symptoms.py).

Tables of what one simulated minute does to the queue and the event log, the clock the facts op reports, the hook
that runs once per agent command, and every host of the shipped scenarios showing exactly its causes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from remediate import agent
from remediate.lab import causes as cause_domains
from remediate.lab import symptoms
from remediate.lab.fleet import Lab
from remediate.lab.host import SimHost
from remediate.lab.platforms import facts_for, platform_state
from remediate.lab.state import InvalidArgument
from remediate.lab.state.mail import (
    ARRIVALS,
    DRAIN,
    LAST_ERROR_2003,
    LAST_ERROR_MODERN,
    WARMUP_MINUTES,
    SimMail,
    event_message,
)

T0 = "2026-11-27T20:00:00Z"


def host(platform: str = "win2003-ex2003", **state: Any) -> SimHost:
    """A host of that platform with its defaults, then `state` (domain -> load data), the clock at T0."""
    sim = SimHost(name="h", facts=facts_for(platform, "h", []))
    for domain, data in [*platform_state(platform).items(), *state.items(), ("mail", {"clock": T0})]:
        getattr(sim, domain).load(data)
    return sim


def stopped(platform: str = "win2003-ex2003") -> SimHost:
    service = "SMTPSVC" if platform.startswith("win2003") else "MSExchangeFrontEndTransport"
    return host(platform, services={service: {"state": "stopped"}})


# ---------------------------------------------------------------------------------------------- one minute


def test_a_healthy_host_keeps_an_empty_ready_queue_and_logs_nothing() -> None:
    mail = SimMail()
    mail.load({"clock": T0})
    mail.step([], 10, legacy=True)
    assert mail.queue() == {"messages": 0, "status": "Ready", "last_error": None}
    assert mail.events == [] and mail.snapshot()["clock"] == "2026-11-27T20:10:00Z"


@pytest.mark.parametrize("legacy, last_error, events", [(True, LAST_ERROR_2003, 1), (False, LAST_ERROR_MODERN, 0)])
def test_each_minute_with_a_cause_grows_the_retry_queue(legacy: bool, last_error: str, events: int) -> None:
    mail = SimMail()
    mail.load({"clock": T0})
    mail.step(["smart-host-wrong"], 1, legacy)  # first step: WARMUP_MINUTES of history, then this minute
    minutes = WARMUP_MINUTES + 1
    assert mail.queue() == {"messages": ARRIVALS * minutes, "status": "Retry", "last_error": last_error}
    assert len(mail.events) == events * minutes
    mail.step(["smart-host-wrong"], 3, legacy)
    assert mail.queue()["messages"] == ARRIVALS * (minutes + 3)
    assert len(mail.events) == events * (minutes + 3)


def test_event_4006_has_kb_919091_text_and_the_minute_it_was_logged() -> None:
    mail = SimMail()
    mail.load({"clock": T0, "remote": {"fqdn": "mail.domain.com", "ip": "10.1.1.1"}})
    mail.step(["no-banner"], 1, legacy=True)
    event = mail.events[-1]
    assert (event.log, event.source, event.event_id, event.type, event.category) == (
        "Application", "MSExchangeTransport", 4006, "Warning", "Connection Manager")
    assert event.message == ("The connection was dropped by the remote host 10.1.1.1, mail.domain.com; the "
                             "semaphore timeout period has expired.")
    # The warm-up plays the 15 minutes up to the clock's start, then the step's minute follows.
    assert event.time == "2026-11-27T20:01:00Z" and mail.events[0].time == "2026-11-27T19:46:00Z"


def test_once_the_cause_is_gone_no_event_is_logged_and_the_queue_drains() -> None:
    mail = SimMail()
    mail.load({"clock": T0, "messages": 3 * DRAIN})
    assert mail.queue()["status"] == "Retry"
    mail.step(["port25-blocked"], 1, legacy=True)
    logged = len(mail.events)
    backlog = mail.queue()["messages"]
    mail.step([], 1, legacy=True)
    assert mail.queue() == {"messages": backlog + ARRIVALS - DRAIN, "status": "Active", "last_error": None}
    mail.step([], 10, legacy=True)
    assert mail.queue() == {"messages": 0, "status": "Ready", "last_error": None}
    assert len(mail.events) == logged


def test_counts_are_windows_of_the_hosts_clock() -> None:
    mail = SimMail()
    mail.load({"clock": T0, "events": [
        {"minutes_ago": 30, "source": "MSExchangeTransport", "event_id": 4006},
        {"minutes_ago": 10, "source": "msexchangetransport", "event_id": 4006, "log": "application"},
        {"minutes_ago": 5, "source": "MSExchangeTransport", "event_id": 4000},
        {"minutes_ago": 1, "source": "MSExchangeSA", "event_id": 4006},
        {"minutes_ago": 2, "source": "MSExchangeTransport", "event_id": 4006, "log": "System"}]})
    count = mail.count
    assert count("Application", "MSExchangeTransport", 4006, 60) == {"count": 2, "newest": "2026-11-27T19:50:00Z"}
    assert count("APPLICATION", "MSEXCHANGETRANSPORT", 4006, 11) == {"count": 1, "newest": "2026-11-27T19:50:00Z"}
    # "after" the start of the window: an entry exactly N minutes old is out, as Get-EventLog -After has it.
    assert count("Application", "MSExchangeTransport", 4006, 10) == {"count": 0, "newest": None}
    assert count("System", "MSExchangeTransport", 4006, 60)["count"] == 1
    assert mail.has_log("security") and mail.has_log("System") and not mail.has_log("Directory Service")


def test_the_log_keeps_its_newest_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("remediate.lab.state.mail.MAX_EVENTS", 5)
    mail = SimMail()
    mail.load({"clock": T0})
    mail.step(["stnef"], 20, legacy=True)
    assert len(mail.events) == 5 and mail.events[-1].time == "2026-11-27T20:20:00Z"


@pytest.mark.parametrize("data, problem", [
    ({"queue": 1}, "unknown key(s) queue"),
    ({"messages": -1}, "messages must be a whole number"),
    ({"messages": True}, "messages must be a whole number"),
    ({"clock": "2026-11-27 20:00"}, "YYYY-MM-DDTHH:MM:SSZ"),
    ({"remote": {"fqdn": "x"}}, "remote must be"),
    ({"events": [{"source": "X"}]}, "needs at least source and event_id"),
    ({"events": [{"source": "X*", "event_id": 1}]}, "log and source are names"),
    (["next_hop"], "expected a mapping"),
])
def test_load_refuses_what_it_cannot_mean(data: Any, problem: str) -> None:
    with pytest.raises(InvalidArgument, match=problem.replace("(", r"\(").replace(")", r"\)")):
        SimMail().load(data)


def test_snapshot_is_plain_and_equal_for_equal_states() -> None:
    a, b = SimMail(), SimMail()
    for mail in (a, b):
        mail.load({"clock": T0, "next_hop": "relay-ok"})
        mail.step(["x"], 2, legacy=True)
    assert a.snapshot() == b.snapshot()
    assert a.snapshot()["remote"] == {"fqdn": "relay-ok.lab.example", "ip": "127.0.0.1"}
    assert event_message("127.0.0.1", "relay-ok.lab.example") in a.snapshot()["events"][-1]["message"]


# ------------------------------------------------------------------------------------------- causes -> symptoms


def test_tick_reads_the_causes_and_lets_one_minute_pass() -> None:
    sim = stopped()
    symptoms.tick(sim)
    assert sim.mail.last_causes == ["smtp-service-stopped"] and sim.mail.commands == 1
    assert sim.mail.queue()["status"] == "Retry" and sim.mail.snapshot()["clock"] == "2026-11-27T20:01:00Z"
    sim.services.load({"SMTPSVC": {"state": "running"}})
    symptoms.tick(sim)
    assert sim.mail.last_causes == [] and sim.mail.queue()["status"] == "Active"
    assert sim.mail.events[-1].time == "2026-11-27T20:01:00Z"  # nothing logged at 20:02


def test_exchange_2019_fills_its_queue_but_logs_no_event_4006() -> None:
    sim = stopped("win2019-ex2019")
    symptoms.tick(sim)
    assert sim.mail.queue()["last_error"] == LAST_ERROR_MODERN and sim.mail.events == []


def test_advance_reads_the_causes_once_and_only_moves_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = stopped()
    calls = []
    real = symptoms.active_causes
    monkeypatch.setattr(symptoms, "active_causes", lambda h: calls.append(1) or real(h))
    symptoms.advance(sim, 500)
    assert len(calls) == 1 and sim.mail.commands == 0
    assert sim.mail.count("Application", "MSExchangeTransport", 4006, 600)["count"] == 500 + WARMUP_MINUTES
    with pytest.raises(ValueError):
        symptoms.advance(sim, -1)


def test_idle_time_runs_what_the_host_does_on_its_own_first() -> None:
    # Exchange 2003: the smart host fixed in AD reaches the metabase at the next DS2MB copy, which advance runs too.
    sim = host("win2003-ex2003", directory={"smtp_virtual_servers": {1: {"msExchSmtpSmartHost": "smtp.oldisp.invalid",
                                                                        "msExchSmtpSmartHostType": 2}}},
               metabase={"paths": {"/LM/SMTPSVC/1": {"SmartHost": "smtp.oldisp.invalid", "SmartHostType": 2}}})
    symptoms.tick(sim)
    assert sim.mail.last_causes == ["smart-host-wrong"]
    sim.directory.put(1, "msExchSmtpSmartHost", "relay.contoso.com")
    logged = len(sim.mail.events)
    symptoms.advance(sim, 60)
    assert sim.mail.last_causes == [] and len(sim.mail.events) == logged


def test_a_domain_that_fails_is_skipped_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(host: Any) -> list[str]:
        raise RuntimeError("bug in a domain")

    monkeypatch.setattr(cause_domains.defender, "active_causes", broken)
    sim = stopped()
    symptoms.tick(sim)
    assert sim.mail.last_causes == ["smtp-service-stopped"]
    assert sim.mail.problems == ["defender: RuntimeError: bug in a domain"]


def test_a_host_without_exchange_has_a_clock_but_no_mail() -> None:
    sim = SimHost(name="plain", facts={"hostname": "PLAIN"})
    sim.mail.load({"clock": T0})
    symptoms.tick(sim)
    assert sim.mail.queue()["messages"] == 0 and sim.mail.snapshot()["clock"] == "2026-11-27T20:01:00Z"


def test_one_step_per_agent_command_before_the_ops_and_the_facts_clock_agrees() -> None:
    sim = stopped()
    command, arguments = agent.command_line()
    request = {"version": 1, "mode": "read", "ops": [
        {"id": "f", "op": "facts", "args": {}},
        {"id": "e", "op": "eventlog.count", "args": {"log": "Application", "source": "MSExchangeTransport",
                                                   "event_id": 4006, "since_minutes": 1}}]}
    for expected in (1, 2):
        stdout, _, code = sim.run_command(command, arguments, agent.build_stdin(request))
        facts, count = agent.parse_answer(stdout)["results"]
        assert code == 0 and sim.mail.commands == expected
        assert facts["value"]["time_utc"] == sim.mail.snapshot()["clock"]
        assert count["value"] == {"count": 1, "newest": facts["value"]["time_utc"]}  # logged before the ops ran
    # A command the host refuses runs nothing, so no time passes for it.
    sim.run_command("cmd.exe", arguments, b"")
    assert sim.mail.commands == 2


# ---------------------------------------------------------------------------------------- shipped scenarios

ALL_CAUSES = {
    "ok": [], "firewall": ["port25-blocked"], "blocked": ["next-hop-port25-blocked"],
    "smarthost": ["smart-host-wrong"], "sav-folders": ["sav-exclusions-off"], "sav-mail": ["sav-internet-mail"],
    "services": ["smtp-service-stopped"], "frontend": ["smtp-service-stopped"], "banner": ["no-banner"],
    "silent": ["next-hop-no-banner"], "stnef": ["stnef"], "tnef": ["tnef-not-understood"],
    "smsmse": ["smsmse-heuristics"], "defender": ["av-scanning-transport"], "masked": ["smtp-inspect-on-path"],
    "metabase": ["metabase-corrupt"],
}
ALL_2003 = ["metabase-corrupt", "no-banner", "port25-blocked", "sav-exclusions-off", "sav-internet-mail",
            "smart-host-wrong", "smsmse-heuristics", "smtp-inspect-on-path", "smtp-service-stopped", "stnef"]
ALL_MODERN = ["av-scanning-transport", "no-banner", "port25-blocked", "smart-host-wrong", "smsmse-heuristics",
              "smtp-inspect-on-path", "smtp-service-stopped", "tnef-not-understood"]


def scenario_causes(name: str) -> dict[str, list[str]]:
    lab = Lab.from_scenario(name)  # not started: the state and the network's path model are enough
    found = {n: symptoms.active_causes(h.sim) for n, h in lab.hosts.items()}
    assert all(h.sim.mail.problems == [] for h in lab.hosts.values())
    return found


def test_every_host_of_all_causes_shows_exactly_its_causes() -> None:
    found = scenario_causes("all-causes")
    for name, causes in found.items():
        platform, cause = name.split("-", 1)
        if cause == "all":
            assert causes == (ALL_2003 if platform == "ex2003" else ALL_MODERN), name
        else:
            assert causes == ALL_CAUSES[cause], name
    assert {n.split("-", 1)[1] for n in found} == {*ALL_CAUSES, "all"}


def test_every_host_of_compliant_shows_none() -> None:
    assert set(map(tuple, scenario_causes("compliant").values())) == {()}
