"""Progress of a run, as it happens: a live display on a terminal, plain timestamped lines anywhere else.

Both implement `remediate.engine.fleet.Progress` and are called from the worker threads of a run (each takes a
lock). `make_progress("auto", stream)` picks by `stream.isatty()`:

- `TerminalProgress` (rich): one overall bar per phase (hosts done / hosts in the phase) and one live line per
  host in flight with its phase and elapsed time; transient, so the report printed afterwards stands alone.
- `PlainProgress`: one line per event, for CI logs and pipes. The format is stable and line-oriented; it never
  holds a control character (no ANSI codes, no carriage returns), whatever the text it is given:

```
2026-11-28T20:15:00Z plan: 50 host(s)
2026-11-28T20:15:00Z ex1 plan started
2026-11-28T20:15:02Z ex1 plan finished drift 1.9s (1/50)
2026-11-28T20:15:09Z note: the change window closes ...
2026-11-28T20:15:09Z plan: done 50/50 in 9.1s
```
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

from remediate.engine.fleet import NoProgress, Progress
from remediate.safetext import SafeConsole, clean, markup

MODES = ("auto", "terminal", "plain", "none")


def utc_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class PlainProgress:
    """Timestamped lines on `stream`: `<UTC time> <host> <phase> started|finished <status> <elapsed> (<n>/<total>)`."""

    def __init__(self, stream: TextIO, stamp: Callable[[], str] = utc_stamp,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._stamp = stamp
        self._clock = clock
        self._lock = threading.Lock()
        self._started: dict[tuple[str, str], float] = {}
        self._phases: dict[str, tuple[float, int, int]] = {}  # phase -> (started, total, done)

    def _line(self, text: str) -> None:
        with self._lock:
            # A plain line never moves the cursor, recolours or overwrites anything (remediate/safetext.py).
            self._stream.write(clean(f"{self._stamp()} {text}") + "\n")
            self._stream.flush()

    def phase_started(self, phase: str, total: int) -> None:
        with self._lock:
            self._phases[phase] = (self._clock(), total, 0)
        self._line(f"{phase}: {total} host(s)")

    def host_started(self, host: str, phase: str) -> None:
        with self._lock:
            self._started[(host, phase)] = self._clock()
        self._line(f"{host} {phase} started")

    def host_finished(self, host: str, phase: str, status: str) -> None:
        with self._lock:
            now = self._clock()
            began = self._started.pop((host, phase), now)
            started, total, done = self._phases.get(phase, (began, 0, 0))
            self._phases[phase] = (started, total, done + 1)
            elapsed = now - began
        count = f" ({done + 1}/{total})" if total else ""
        self._line(f"{host} {phase} finished {status} {elapsed:.1f}s{count}")

    def note(self, message: str) -> None:
        self._line(f"note: {message}")

    def phase_finished(self, phase: str) -> None:
        with self._lock:
            now = self._clock()
            started, total, done = self._phases.pop(phase, (now, 0, 0))
            elapsed = now - started
        self._line(f"{phase}: done {done}/{total} in {elapsed:.1f}s")


class _Bar(BarColumn):
    """The bar, for the overall task only: a host's line has no total and shows no bar."""

    def render(self, task: Task) -> Text:  # type: ignore[override]
        return super().render(task) if task.total is not None else Text("")  # type: ignore[return-value]


class _Count(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{int(task.completed)}/{int(task.total)}") if task.total is not None else Text("")


class TerminalProgress:
    """rich: an overall bar per phase and a live line per host in flight (phase, elapsed)."""

    def __init__(self, console: Console) -> None:
        self._progress = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), _Bar(), _Count(),
                                      TimeElapsedColumn(), console=console, transient=True)
        self._lock = threading.Lock()
        self._overall: dict[str, TaskID] = {}
        self._hosts: dict[tuple[str, str], TaskID] = {}
        self._running = False

    def phase_started(self, phase: str, total: int) -> None:
        with self._lock:
            if not self._running:
                self._progress.start()
                self._running = True
            self._overall[phase] = self._progress.add_task(f"[bold]{markup(phase)}[/]", total=total)

    def host_started(self, host: str, phase: str) -> None:
        with self._lock:
            self._hosts[(host, phase)] = self._progress.add_task(f"  {markup(host)} [dim]{markup(phase)}[/]",
                                                                   total=None)

    def host_finished(self, host: str, phase: str, status: str) -> None:
        with self._lock:
            task = self._hosts.pop((host, phase), None)
            if task is not None:
                self._progress.remove_task(task)
            overall = self._overall.get(phase)
            if overall is not None:
                self._progress.advance(overall)

    def note(self, message: str) -> None:
        # Printed above the live lines, as written: no markup read, no control sequence passed on.
        self._progress.console.print(Text(clean(message)))

    def phase_finished(self, phase: str) -> None:
        with self._lock:
            task = self._overall.pop(phase, None)
            if task is not None:
                self._progress.remove_task(task)
            if self._running and not self._overall and not self._hosts:
                self._progress.stop()
                self._running = False


def make_progress(mode: str = "auto", stream: TextIO | None = None) -> Progress:
    """The progress for `--progress MODE` on `stream` (default stderr): auto = terminal if it is a tty, else plain."""
    if mode not in MODES:
        raise ValueError(f"unknown progress mode {mode!r}; expected one of {', '.join(MODES)}")
    out = stream if stream is not None else sys.stderr
    if mode == "none":
        return NoProgress()
    if mode == "auto":
        mode = "terminal" if _isatty(out) else "plain"
    if mode == "terminal":
        return TerminalProgress(SafeConsole(file=out, force_terminal=True, highlight=False))
    return PlainProgress(out)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-like stream without a terminal behind it
        return False
