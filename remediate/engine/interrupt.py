"""An interrupt of a run (Ctrl-C, SIGTERM): no new host starts, hosts in flight end as the agent decides.

Contract:
- `Interrupt.set(name)` MAY be called from a signal handler, any number of times; the first name is kept. It takes
  no lock a worker thread could hold, so it cannot deadlock a handler that runs on the main thread.
- The engine asks `is_set()` right before each host would start (plan, apply, rollback). A host already started is
  never stopped half way: its apply command is one guarded request that the agent finishes or reverts, and its
  snapshot is already in the journal (remediate/engine/apply.py).
- A host that was not started because of the interrupt is reported `not_attempted` with `reason` and journaled as
  such, so `history` shows it and `apply --resume RUN_ID` finds it.
"""

from __future__ import annotations

import threading

# How a run ends in the journal (journal.finish_run): `interrupted` when a signal left hosts not started.
RUN_FINISHED = "finished"
RUN_INTERRUPTED = "interrupted"


class Interrupt:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal_name: str | None = None

    def set(self, signal_name: str = "SIGINT") -> None:
        if self.signal_name is None:
            self.signal_name = signal_name
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> str:
        return f"not started: the run was interrupted ({self.signal_name or 'SIGINT'})"


def interrupted(interrupt: Interrupt | None) -> bool:
    return interrupt is not None and interrupt.is_set()


def interrupted_by(interrupt: Interrupt | None, unstarted: list[str]) -> str | None:
    """The signal that left `unstarted` hosts not started; None when every host started (an interrupt that came
    after the last host had started changed nothing: that run finished)."""
    if not unstarted or interrupt is None:
        return None
    return interrupt.signal_name or "SIGINT"
