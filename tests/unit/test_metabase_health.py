"""metabase_health: the kind's values and ops, the lab's MetaBase.xml checks (what the agent's parse test decides),
and the restore / rollback ops on the lab's files, with the agent's messages (templates/agent/metabasefile.ps1)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from agent_runner import OpError, call

from remediate.assets import asset_dir
from remediate.lab.host import SimHost
from remediate.lab.platforms import platform_state
from remediate.lab.causes.metabasefile import active_causes
from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state.metabase import XML_NAMESPACE, broken_xml, digest, healthy_xml, platform_defaults, problem
from remediate.resources.metabase_health import MetabaseHealth, MetabaseHealthSpec

KIND = MetabaseHealth()
PS = (asset_dir("templates") / "agent" / "metabasefile.ps1").read_text(encoding="utf-8")


def test_kind_values_and_ops() -> None:
    spec = MetabaseHealthSpec.model_validate({"kind": "metabase_health"})
    ident = KIND.identity(spec)
    assert ident == {"instance": 1} and KIND.desired(spec) == {"healthy": True}
    assert KIND.read_op(ident).op == "metabasefile.health" and KIND.read_op(ident).args == {"instance": 1}
    assert KIND.set_op(ident, {"healthy": True}).op == "metabasefile.restore_history"
    damaged = {"healthy": False, "digest": "ab" * 32, "problem": "unparseable"}
    op = KIND.set_op(ident, damaged)
    assert op.op == "metabasefile.restore_backup" and op.args == {"digest": "ab" * 32}
    assert not KIND.same(damaged, {"healthy": True})


@pytest.mark.parametrize("fields", [{"instance": 0}, {"instance": "1"}, {"instance": True}, {"path": "x"}])
def test_invalid_entries_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MetabaseHealthSpec.model_validate({"kind": "metabase_health", **fields})


PROBLEMS = [
    (healthy_xml(5), 1, None),
    (healthy_xml(5).replace("/LM/SmtpSvc/1", "/lm/SMTPSVC/1"), 1, None),  # Location compares case-insensitively
    (healthy_xml(5, instance=2), 1, "no IIsSmtpServer node at /LM/SmtpSvc/1"),
    (healthy_xml(5, instance=2), 2, None),
    (broken_xml("unparseable", 5), 1, "unparseable"),
    (broken_xml("missing-smtp-node", 5), 1, "no IIsSmtpServer node at /LM/SmtpSvc/1"),
    ("", 1, "unparseable"),
    (None, 1, "missing"),
    ("<!DOCTYPE x [<!ENTITY a 'b'>]>" + healthy_xml(5).split("?>", 1)[1], 1, "unparseable"),  # no DTDs
    (f'<configuration xmlns="{XML_NAMESPACE}"><IIsSmtpServer Location=" /LM/SmtpSvc/1 "/></configuration>', 1,
     None),
    ('<configuration><IIsSmtpService Location="/LM/SmtpSvc/1"/></configuration>', 1,
     "no IIsSmtpServer node at /LM/SmtpSvc/1"),
]


@pytest.mark.parametrize("text,instance,expected", PROBLEMS)
def test_health_table(text: str | None, instance: int, expected: str | None) -> None:
    assert problem(text, instance) == expected


def test_agent_reports_the_same_problems() -> None:
    assert "return 'missing'" in PS and "return 'unparseable'" in PS
    assert "('no IIsSmtpServer node at ' + $want)" in PS and "'/LM/SmtpSvc/'" in PS
    assert "'MetaBase-' + $stamp + '-' + $digest + '.xml'" in PS


def host(**files: Any) -> SimHost:
    sim = SimHost(name="ex1")
    sim.metabase.load(platform_defaults())
    # IIS Admin and its dependents: restoring MetaBase.xml stops and starts them (Copy-MetabaseWithIisStopped).
    sim.services.load(platform_state("win2003-ex2003")["services"])
    if files:
        sim.metabase.load({"files": files})
    return sim


CORRUPT = {"current": "unparseable", "history": [{"version": [12, 0], "content": "unparseable"},
                                                  {"version": [11, 0], "content": "healthy"},
                                                  {"version": [10, 0], "content": "healthy"}]}


def iis_restarts(sim: Any) -> int:
    """How often IIS Admin was started again (the Service Control Manager's log of the host)."""
    return sim.services.scm_log.count(("start", "IISADMIN", None))


def test_restore_from_history_then_back_from_the_backup() -> None:
    sim = host(**CORRUPT)
    files = sim.metabase.files
    damaged = files.current
    before = call(sim, "metabasefile.health", {"instance": 1})
    assert before == {"healthy": False, "digest": digest(damaged), "problem": "unparseable"}
    assert active_causes(sim) == ["metabase-corrupt"]

    call(sim, "metabasefile.restore_history", {"instance": 1})
    assert call(sim, "metabasefile.health", {"instance": 1}) == {"healthy": True}
    assert files.current == healthy_xml(11) and active_causes(sim) == []
    assert [name.rsplit("-", 1)[1] for name in files.backups] == [f"{digest(damaged)}.xml"]
    call(sim, "metabasefile.restore_history", {"instance": 1})  # healthy: nothing to do
    assert iis_restarts(sim) == 1

    call(sim, "metabasefile.restore_backup", {"digest": before["digest"]})
    assert call(sim, "metabasefile.health", {"instance": 1}) == before
    assert len(files.backups) == 2 and iis_restarts(sim) == 2
    call(sim, "metabasefile.restore_backup", {"digest": before["digest"]})  # already in place
    assert iis_restarts(sim) == 2


def test_a_missing_file_is_restored_but_never_deleted_again() -> None:
    sim = host(current="missing")
    assert call(sim, "metabasefile.health", {"instance": 1}) == {"healthy": False, "digest": None,
                                                                 "problem": "missing"}
    call(sim, "metabasefile.restore_history", {"instance": 1})
    assert sim.metabase.files.current == healthy_xml(12) and sim.metabase.files.backups == {}
    with pytest.raises(OpError, match="a rollback does not delete the file"):
        call(sim, "metabasefile.restore_backup", {"digest": None})


OP_ERRORS = [
    ("metabasefile.health", None, InvalidArgument, "args must be an object"),
    ("metabasefile.health", {"instance": "1"}, InvalidArgument, "instance must be an integer from 1 to 999999999"),
    ("metabasefile.restore_history", {"instance": 0}, InvalidArgument,
     "instance must be an integer from 1 to 999999999"),
    ("metabasefile.restore_backup", {"digest": "AB" * 32}, InvalidArgument,
     "digest must be 64 lowercase hex digits (sha256)"),
    ("metabasefile.restore_backup", {"digest": "..\\..\\x"}, InvalidArgument,
     "digest must be 64 lowercase hex digits (sha256)"),
    ("metabasefile.restore_backup", {"digest": "ab" * 32}, StateError,
     "no backup of MetaBase.xml with sha256 " + "ab" * 32 + " in inetsrv\\remediate-backup"),
]


@pytest.mark.parametrize("op,args,error,message", OP_ERRORS)
def test_ops_check_like_the_agent(op: str, args: Any, error: type[Exception], message: str) -> None:
    sim = host(**CORRUPT)
    with pytest.raises(OpError) as caught:
        call(sim, op, args)
    assert (caught.value.type, caught.value.message) == (error.error_type, message)
    assert iis_restarts(sim) == 0
    assert message.split(" with sha256 ")[0] in PS


def test_no_healthy_history_copy_is_an_error_and_changes_nothing() -> None:
    sim = host(current="unparseable", history=[{"version": [3, 0], "content": "missing-smtp-node"}])
    before = sim.metabase.files.current
    with pytest.raises(OpError, match="no History copy of MetaBase.xml is healthy") as caught:
        call(sim, "metabasefile.restore_history", {"instance": 1})
    assert caught.value.message.split(" (")[0] in PS
    assert sim.metabase.files.current == before and sim.metabase.files.backups == {}


def test_a_host_without_iis6_shows_no_cause() -> None:
    assert active_causes(SimHost(name="ex19")) == []

