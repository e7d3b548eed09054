"""Exit codes, decided in one place (README: 0 done or compliant, 1 error, 2 changes pending, 3 refused)."""

from __future__ import annotations

from enum import IntEnum

from remediate.diagnose.model import Diagnosis, Verdict
from remediate.engine.model import HostOutcome, Plan, RunResult


class ExitCode(IntEnum):
    OK = 0  # done / compliant
    ERROR = 1  # bad input, unreachable host, failed apply
    PENDING = 2  # changes pending / drift
    REFUSED = 3  # refused on purpose: stale plan, outside the window, lock held
    PARTIAL = 4  # rollback: partly restored; every value not restored is named with the reason
    INTERRUPTED = 130  # SIGINT/SIGTERM: hosts in flight finished, the others were not started (128 + SIGINT)


def for_plan(plan: Plan) -> ExitCode:
    if plan.has_errors:
        return ExitCode.ERROR
    return ExitCode.PENDING if any(h.status.value == "drift" for h in plan.hosts) else ExitCode.OK


def for_run(result: RunResult) -> ExitCode:
    if result.interrupted:
        return ExitCode.INTERRUPTED
    outcomes = {h.outcome for h in result.hosts}
    if any(o.failed for o in outcomes):
        return ExitCode.ERROR
    if outcomes & {HostOutcome.PARTIAL, HostOutcome.NOT_RESTORED}:
        return ExitCode.PARTIAL
    if outcomes & {HostOutcome.STALE, HostOutcome.NOT_ATTEMPTED, HostOutcome.LOCKED}:
        return ExitCode.REFUSED
    return ExitCode.OK


def for_diagnosis(diagnosis: Diagnosis) -> ExitCode:
    """1 when a host could not be read, 2 when a cause, a symptom or another finding was found, else 0."""
    verdicts = {h.verdict for h in diagnosis.hosts}
    if Verdict.UNREADABLE in verdicts:
        return ExitCode.ERROR
    return ExitCode.PENDING if verdicts & {Verdict.CAUSES, Verdict.SYMPTOMS, Verdict.FINDINGS} else ExitCode.OK
