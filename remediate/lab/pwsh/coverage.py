"""Which statements of a script the interpreter ran: the agent's coverage (issue 18, item 5).

A line is executable when a statement starts on it: a pipeline or assignment, an `if`/`switch`/loop/`try` header,
`return`/`throw`/`break`/`continue`/`exit`. Function definitions and comments are not: they run, or not, as a whole.
The interpreter calls `RECORDER.hit(key, line)` for every statement it starts, where `key` is `script_key(text)` of
the script being run; the lab's hosts run in the test process, so the e2e suite reads the recorder at its end.
"""

from __future__ import annotations

import atexit
import difflib
import functools
import hashlib
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tree_sitter as ts
import tree_sitter_powershell as tsp

# Children of a statement_list that are statements in the sense above (tree-sitter-powershell's node names).
_STATEMENTS = frozenset({
    "pipeline", "if_statement", "switch_statement", "foreach_statement", "for_statement", "while_statement",
    "do_statement", "try_statement", "trap_statement", "flow_control_statement", "data_statement",
})


def script_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=8)
def executable_lines(text: str) -> frozenset[int]:
    """1-based lines of `text` on which a statement starts."""
    parser = ts.Parser(ts.Language(tsp.language()))
    tree = parser.parse(text.encode("utf-8"))
    lines: set[int] = set()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "statement_list":
            lines.update(child.start_point[0] + 1 for child in node.named_children if child.type in _STATEMENTS)
        stack.extend(node.named_children)
    return frozenset(lines)


class Recorder:
    """Lines run, per script key, and the texts behind the keys. Thread-safe: the lab serves hosts from several
    threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, set[int]] = {}
        self._texts: dict[str, str] = {}

    def remember(self, key: str, text: str) -> None:
        """The text a key names (called once per text compiled), so that lines of one script can be mapped onto
        another that holds the same code (an assembly of the agent onto the whole agent)."""
        if key not in self._texts:
            with self._lock:
                self._texts.setdefault(key, text)

    def texts(self) -> dict[str, str]:
        """Key -> text of every script that ran at least one statement."""
        with self._lock:
            return {key: text for key, text in self._texts.items() if self._hits.get(key)}

    def hit(self, key: str, line: int) -> None:
        hits = self._hits.get(key)
        if hits is None:
            with self._lock:
                hits = self._hits.setdefault(key, set())
        hits.add(line)

    def live(self, key: str) -> set[int]:
        """The set that records `key`'s lines, for a caller that adds to it directly (one set per key, never
        replaced: `load` and `hit` only add to it)."""
        hits = self._hits.get(key)
        if hits is None:
            with self._lock:
                hits = self._hits.setdefault(key, set())
        return hits

    def lines(self, key: str) -> set[int]:
        return set(self._hits.get(key, ()))

    def dump(self, path: Path) -> None:
        """Writes the hits as JSON (pytest-xdist workers hand them to the controller this way)."""
        texts = self.texts()
        with self._lock:
            data = {"hits": {key: sorted(lines) for key, lines in self._hits.items()}, "texts": texts}
        path.write_text(json.dumps(data), encoding="utf-8")

    def load(self, paths: Iterable[Path]) -> None:
        for path in paths:
            data = json.loads(path.read_text(encoding="utf-8"))
            with self._lock:
                for key, lines in data["hits"].items():
                    self._hits.setdefault(key, set()).update(lines)
                for key, text in data["texts"].items():
                    self._texts.setdefault(key, text)


RECORDER = Recorder()


def _dump_at_exit() -> None:
    # A lab started as its own process by a test (`remediate lab serve`, `remediate demo`) hands its lines to the
    # test session through the folder the session names; a process killed with SIGKILL loses them.
    folder = os.environ.get("REMEDIATE_AGENT_COVERAGE_DIR")
    if folder and RECORDER._hits and Path(folder).is_dir():
        RECORDER.dump(Path(folder) / f"process-{os.getpid()}.json")


atexit.register(_dump_at_exit)


@dataclass(frozen=True)
class Coverage:
    executable: frozenset[int]
    executed: frozenset[int]

    @property
    def missing(self) -> list[int]:
        return sorted(self.executable - self.executed)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.executed) / len(self.executable) if self.executable else 100.0


def coverage_of(text: str, recorder: Recorder = RECORDER, parts: Iterable[str] = ()) -> Coverage:
    """The coverage of `text`: its own lines that ran, and those of each text in `parts` (scripts made of pieces
    of `text`, such as the agent assembled for one request) mapped onto `text` line by identical line."""
    executable = executable_lines(text)
    executed = recorder.lines(script_key(text))
    for part in parts:
        mapping = line_map(part, text)
        executed.update(mapping[line] for line in recorder.lines(script_key(part)) if line in mapping)
    return Coverage(executable, frozenset(executed & executable))


def line_map(part: str, whole: str) -> dict[int, int]:
    """1-based lines of `part` -> the same lines of `whole`, where `part` is made of runs of `whole`'s lines."""
    mine, theirs = part.splitlines(), whole.splitlines()
    matcher = difflib.SequenceMatcher(None, mine, theirs, autojunk=False)
    mapping: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            mapping[block.a + offset + 1] = block.b + offset + 1
    return mapping
