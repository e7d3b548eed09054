"""Ctrl-C and SIGTERM during `apply` and `rollback`: stop starting hosts, never stop a host half way.

While `catch_signals` is active, SIGINT and SIGTERM set the run's `Interrupt` (remediate/engine/interrupt.py)
instead of raising KeyboardInterrupt or ending the process. The engine starts no new host; hosts in flight finish
or revert as the agent decides; the command then prints its summary with the run id, the journal records the run
as `interrupted`, and the command exits 130 and prints the command that resumes.

A second signal does not cut the hosts in flight short either (their apply commands are already on the hosts, and
only their answers say how they ended): it only repeats what the run is waiting for. SIGKILL still ends the process
at once; the journal then holds each host's snapshot for `remediate rollback RUN_ID`.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from remediate.engine.interrupt import Interrupt

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def catch_signals(interrupt: Interrupt, what: str) -> Iterator[Interrupt]:
    """SIGINT/SIGTERM set `interrupt` for the duration; `what` names the run in the message ("apply")."""
    if threading.current_thread() is not threading.main_thread():
        yield interrupt  # handlers can only be installed from the main thread (an embedding caller's choice)
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        repeated = interrupt.is_set()
        interrupt.set(name)
        if repeated:
            text = (f"{name}: still waiting for the hosts in flight to finish or revert; their snapshots are in the "
                    "journal. No new host will start.")
        else:
            text = (f"{name}: interrupting the {what}: no new host will start; hosts in flight finish or revert "
                    "first, then the summary follows.")
        # os.write, not print: a handler must not take the locks of the streams the worker threads write to.
        os.write(2, f"\n{text}\n".encode("utf-8", "replace"))

    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        yield interrupt
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
