"""YAML loading that remembers where every value came from.

Users fix what they can find: every error about their files names the file, the line and the field. ruamel.yaml's
round-trip loader keeps line numbers on mappings and sequences; `load` turns its tree into plain Python data plus
a `LineMap` from field paths (tuples of keys and indexes, the same shape as pydantic's error `loc`) to lines.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError

from remediate.errors import InputError, Location

FieldPath = tuple[str | int, ...]


@dataclass
class LineMap:
    """Field path -> 1-based line. `line_of` falls back to the nearest enclosing field that has a line."""

    file: str
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line_of(self, path: FieldPath) -> int | None:
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def location(self, path: FieldPath) -> Location:
        return Location(self.file, self.line_of(path), format_path(path) or None)

    def error(self, path: FieldPath, problem: str) -> InputError:
        return InputError(self.location(path), problem)


@dataclass
class Source:
    """A loaded YAML document: plain data and where each part of it came from."""

    data: Any
    lines: LineMap


def format_path(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _BadText(Exception):
    def __init__(self, path: FieldPath, problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str, path: FieldPath) -> str:
    """Plain `str`, with UTF-16 surrogate pairs joined. YAML's `\\uD83C\\uDF89` (how JSON writers escape one emoji)
    reaches us as two lone surrogates, which no encoder accepts: written into a plan or a report they crashed the
    run (tests/e2e/test_injection.py). A lone one left after joining is not text at all."""
    text = str(value)
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        if _SURROGATE.search(text):
            raise _BadText(path, "holds an unpaired UTF-16 surrogate escape (\\uD800-\\uDFFF); not valid Unicode")
    return text


def _plain(node: Any, path: FieldPath, lines: dict[FieldPath, int]) -> Any:
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            child = (*path, key)
            try:
                lines[child] = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                pass
            result[_text(key, child) if isinstance(key, str) else key] = _plain(value, child, lines)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            try:
                lines[child] = node.lc.item(index)[0] + 1
            except (KeyError, TypeError, AttributeError, IndexError):
                pass
            items.append(_plain(value, child, lines))
        return items
    if isinstance(node, str):
        return _text(node, path)  # ruamel's scalar string subclasses carry style; plain str is what models expect
    if isinstance(node, TaggedScalar):
        return _text(str(node.value), path)  # `!!str 5`: the text, as an explicit string tag means
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node if not hasattr(node, "isoformat") else node.isoformat()


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that keeps timestamps as the text written.

    YAML 1.1 turns `2030-02-30` into a date and fails with a bare ValueError and no line; our models parse
    dates themselves (pydantic), with errors that name file, line and field.
    """


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node))


def _unsupported_tag(self: RoundTripConstructor, node: Any) -> Any:
    # Our files hold mappings, lists and scalars only. Sets, ordered maps, binary and custom tags have no meaning
    # here, and ruamel fails on some of them with bare Python errors (`!!set` on a scalar: AttributeError, found
    # by tests/unit/test_fuzz_loaders.py); refusing them by line is clearer than any value they could produce.
    tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    raise ConstructorError(None, None, f"the YAML tag {tag} is not supported here; write plain mappings, lists "
                           "and scalars", node.start_mark)


for _tag in ("set", "omap", "pairs", "binary"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _unsupported_tag)
_Constructor.add_constructor(None, _unsupported_tag)  # any tag without a constructor: !custom, !!python/...


def loads(text: str, file: str) -> Source:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    # Duplicate keys silently overwrite in many loaders; in a desired-state file that hides a mistake.
    yaml.allow_duplicate_keys = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReusedAnchorWarning)  # redefining an anchor is valid YAML
            tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        raise InputError(Location(file, line), f"malformed YAML: {problem}") from None
    except YAMLError as exc:
        raise InputError(Location(file), f"malformed YAML: {str(exc).splitlines()[0]}") from None
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        # ruamel's own bugs on odd input surface as bare Python errors; the user still gets one line, not a trace.
        raise InputError(Location(file), f"malformed YAML (the parser failed: {type(exc).__name__})") from None
    lines: dict[FieldPath, int] = {}
    try:
        data = _plain(tree, (), lines)
    except _BadText as exc:
        raise LineMap(file, lines).error(exc.path, exc.problem) from None
    return Source(data, LineMap(file, lines))


def load(path: Path) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Location(str(path)), "file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError(Location(str(path)), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(Location(str(path)), f"cannot read file: {exc.strerror}") from None
    return loads(text, str(path))


# "journal": a database URL may carry a password (remediate/journal/location.py refuses it, without echo).
_SECRET_FIELDS = {"password", "secret", "token", "credential", "passphrase", "journal"}


def pydantic_problem(error: dict[str, Any], path: FieldPath = ()) -> str:
    """One pydantic error as 'expected ..., found ...' in words an administrator reads without knowing pydantic.

    What was found is never echoed for a field that may hold a secret.
    """
    kind = error.get("type", "")
    found = error.get("input")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    shown = repr(found)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    message = str(error.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if any(isinstance(p, str) and p.lower() in _SECRET_FIELDS for p in path):
        return message
    return f"{message}; found {shown}"
