"""YAML loading that remembers where every value came from.

Users fix what they can find: every error about their files names the file, the line and the field. ruamel.yaml's
round-trip loader keeps line numbers on mappings and sequences; `load` turns its tree into plain Python data plus
a `LineMap` from field paths (tuples of keys and indexes, the same shape as pydantic's error `loc`) to lines.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError

from remediate.credentials import looks_like_secret_name
from remediate.errors import InputError, Location, RemediateError

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


class _Walk:
    """State of one `_plain` walk: the lines found, and how many nodes aliases have expanded to so far.

    ruamel composes `*alias` (and `<<: *merge`) as a reference to the one anchored node, so a document of nested
    aliases is small in memory; turning it into plain data copies every reference. Ten levels of ten aliases in
    831 bytes became 10**10 nodes (40 s, 2.9 GB, MemoryError). Every node reached through an alias or a merge
    counts against `limit`, so the copy stops with a clear error, naming the line of the outermost alias, long
    before memory is at risk.
    """

    def __init__(self, limit: int) -> None:
        self.lines: dict[FieldPath, int] = {}
        self.limit = limit
        self.expanded = 0
        self.seen: set[int] = set()
        self.alias_at: FieldPath | None = None

    def count(self, path: FieldPath) -> None:
        self.expanded += 1
        if self.expanded > self.limit:
            raise _AliasBomb(self.alias_at if self.alias_at is not None else path, self.limit)


class _AliasBomb(Exception):
    def __init__(self, path: FieldPath, limit: int) -> None:
        super().__init__(path)
        self.path = path
        self.limit = limit


def _plain(node: Any, path: FieldPath, walk: _Walk, aliased: bool = False) -> Any:
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if id(node) in walk.seen and not aliased:
            aliased = True  # a second reference to one node: an alias, copied from here down
            walk.alias_at = path
        walk.seen.add(id(node))
    if aliased:
        walk.count(path)
    try:
        return _plain_node(node, path, walk, aliased)
    finally:
        if aliased and walk.alias_at == path:
            walk.alias_at = None


def _plain_node(node: Any, path: FieldPath, walk: _Walk, aliased: bool) -> Any:
    lines = walk.lines
    if isinstance(node, CommentedMap):
        own = getattr(node, "_ok", None)  # keys written in this mapping; the rest come from `<<:` merges
        result: dict[Any, Any] = {}
        for key, value in node.items():
            child = (*path, key)
            try:
                lines[child] = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                pass
            merged = not aliased and own is not None and key not in own
            if merged and walk.alias_at is None:
                walk.alias_at = child
            try:
                result[_text(key, child) if isinstance(key, str) else key] = _plain(value, child, walk,
                                                                                    aliased or merged)
            finally:
                if merged and walk.alias_at == child:
                    walk.alias_at = None
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            # ruamel gives an alias item the position of its anchor; the enclosing line is the truer place.
            if not (isinstance(value, (CommentedMap, CommentedSeq)) and id(value) in walk.seen):
                try:
                    lines[child] = node.lc.item(index)[0] + 1
                except (KeyError, TypeError, AttributeError, IndexError):
                    pass
            items.append(_plain(value, child, walk, aliased))
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

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        """ruamel's duplicate-key error quotes both values (`found duplicate key "password" with value "..."
        (original value: "...")`): a secret written twice would be printed. Ours names the key and its lines."""
        if key not in mapping:
            return True
        try:
            first = f" (first at line {mapping.lc.key(key)[0] + 1})"
        except (KeyError, TypeError, AttributeError):
            first = ""
        raise ConstructorError(None, None, f"duplicate key {_shown_key(key)}{first}; a key may appear once in a "
                               "mapping", key_node.start_mark)


def _shown_key(key: Any) -> str:
    text = str(key)
    if len(text) > 60:
        text = text[:57] + "..."
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node))


def _unsupported_tag(self: RoundTripConstructor, node: Any) -> Any:
    # Our files hold mappings, lists and scalars only. Sets, ordered maps, binary and custom tags have no meaning
    # here, and ruamel fails on some of them with bare Python errors (`!!set` on a scalar: AttributeError, found
    # by tests/unit/test_fuzz_loaders.py); refusing them by line is clearer than any value they could produce.
    tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    raise ConstructorError(None, None, f"the YAML tag \"{tag}\" is not supported here; write plain mappings, lists "
                           "and scalars", node.start_mark)


for _tag in ("set", "omap", "pairs", "binary"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _unsupported_tag)
_Constructor.add_constructor(None, _unsupported_tag)  # any tag without a constructor: !custom, !!python/...


# Bounds on what one document may cost, above any real inventory or playbook: a 10,000-host inventory is about
# 1 MB and 100,000 nodes; the shared vars of 5,000 hosts written through an alias expand to about 55,000 nodes.
# Bytes alone do not bound the cost: ruamel's round-trip parser takes about 100 us a node (bench/trust_bounds.py),
# so 4 MiB of `[a,a,a,...]` would take minutes; the node count bounds the parse (and the alias count the copy).
# REMEDIATE_YAML_MAX_BYTES, REMEDIATE_YAML_MAX_NODES and REMEDIATE_YAML_MAX_ALIAS_NODES raise them.
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_DOCUMENT_NODES = 200_000
MAX_ALIAS_NODES = 100_000


def limits() -> tuple[int, int, int]:
    """(document bytes, nodes as written, alias-expanded nodes), from the environment when set there."""
    out = []
    for name, default in (("REMEDIATE_YAML_MAX_BYTES", MAX_DOCUMENT_BYTES),
                          ("REMEDIATE_YAML_MAX_NODES", MAX_DOCUMENT_NODES),
                          ("REMEDIATE_YAML_MAX_ALIAS_NODES", MAX_ALIAS_NODES)):
        text = os.environ.get(name)
        if text is None or text == "":
            out.append(default)
            continue
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise RemediateError(f"environment variable {name}: expected a whole number above 0, found {text!r:.40}")
        out.append(value)
    return out[0], out[1], out[2]


class _TooManyNodes(Exception):
    def __init__(self, limit: int, mark: Any) -> None:
        super().__init__(limit)
        self.limit = limit
        self.line = mark.line + 1 if mark is not None else None


class _CountingComposer(Composer):
    """Stops composing past `limit` nodes, before the parser spends minutes on a document of tiny nodes."""

    limit = MAX_DOCUMENT_NODES

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.composed = getattr(self, "composed", 0) + 1
        if self.composed > self.limit:
            raise _TooManyNodes(self.limit, self.parser.peek_event().start_mark)
        return super().compose_node(parent, index)


def _too_big(size: int, limit: int, file: str) -> InputError:
    return InputError(Location(file), f"the document is {size:,} bytes, more than the {limit:,} allowed for one YAML "
                      "file (REMEDIATE_YAML_MAX_BYTES raises it); a file this size is not an inventory or playbook")


_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def _redacted(problem: str, shown: frozenset[str]) -> str:
    """A parser's message with every quoted fragment of the document (a character, an alias or tag name, a key)
    replaced, unless it is one of the `shown` words: for files that may not be ours to show (a playbook
    `include:` pointing at the wrong file), where a field name of the format is still worth naming."""
    def keep(fragment: str) -> bool:
        inner = fragment[1:-1]
        return inner in shown or inner in _STANDARD_TAGS or bool(_TOKEN_NAME.match(inner))

    return _QUOTED.sub(lambda m: m.group(0) if keep(m.group(0)) else "(text not shown)", problem)


# Words of YAML itself, not of the document: the parser's token names ('<block end>') and the standard tags.
_TOKEN_NAME = re.compile(r"^<[a-z ]+>$")
_STANDARD_TAGS = frozenset(f"!!{t}" for t in ("set", "omap", "pairs", "binary", "str", "int", "float", "bool", "null",
                                              "map", "seq", "timestamp", "merge", "value"))


def loads(text: str, file: str, *, quiet: bool = False, shown: frozenset[str] = frozenset()) -> Source:
    """Parse `text` (named `file` in errors). `quiet`: errors quote nothing from the document but the `shown`
    words (see `_redacted`), and name a line, never a field path."""
    max_bytes, max_nodes, max_alias_nodes = limits()
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > max_bytes else len(text)
    if size > max_bytes:
        raise _too_big(size, max_bytes, file)
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    # Duplicate keys silently overwrite in many loaders; in a desired-state file that hides a mistake.
    yaml.allow_duplicate_keys = False
    yaml.Composer = type("_Composer", (_CountingComposer,), {"limit": max_nodes})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReusedAnchorWarning)  # redefining an anchor is valid YAML
            tree = yaml.load(text)
    except _TooManyNodes as exc:
        raise InputError(Location(file, exc.line), f"the document holds more than {exc.limit:,} nodes "
                         "(REMEDIATE_YAML_MAX_NODES raises the bound); no inventory or playbook needs that many")
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        shown_problem = _redacted(problem, shown) if quiet else problem
        raise InputError(Location(file, line), f"malformed YAML: {shown_problem}") from None
    except YAMLError as exc:
        problem = str(exc).splitlines()[0]
        raise InputError(Location(file), f"malformed YAML: {_redacted(problem, shown) if quiet else problem}") from None
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        # ruamel's own bugs on odd input surface as bare Python errors; the user still gets one line, not a trace.
        raise InputError(Location(file), f"malformed YAML (the parser failed: {type(exc).__name__})") from None
    walk = _Walk(max_alias_nodes)
    try:
        data = _plain(tree, (), walk)
    except _BadText as exc:
        where = LineMap(file, walk.lines)
        if quiet:  # the line, not the field: a key is text of the document too
            raise InputError(Location(file, where.line_of(exc.path)), exc.problem) from None
        raise where.error(exc.path, exc.problem) from None
    except _AliasBomb as exc:
        line = LineMap(file, walk.lines).line_of(exc.path)
        raise InputError(Location(file, line), f"aliases (*name or <<: *name) here expand to more than "
                         f"{exc.limit:,} nodes (REMEDIATE_YAML_MAX_ALIAS_NODES raises the bound); nested aliases "
                         "multiply: write the shared values once per group instead") from None
    except RecursionError:
        raise InputError(Location(file), "the document is nested too deeply") from None
    return Source(data, LineMap(file, walk.lines))


def load(path: Path, *, quiet: bool = False, shown: frozenset[str] = frozenset()) -> Source:
    max_bytes = limits()[0]
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise InputError(Location(str(path)), "not a regular file")  # a FIFO would block the read forever
        if st.st_size > max_bytes:
            raise _too_big(st.st_size, max_bytes, str(path))  # before reading a byte of it
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Location(str(path)), "file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError(Location(str(path)), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(Location(str(path)), f"cannot read file: {exc.strerror}") from None
    return loads(text, str(path), quiet=quiet, shown=shown)


# "journal": a database URL may carry a password (remediate/journal/location.py refuses it, without echo).
# Fields whose value may hold a secret though their name does not say so: a journal URL can carry a password.
_SECRET_VALUED = {"journal"}


def pydantic_problem(error: dict[str, Any], path: FieldPath = (), echo: bool = True) -> str:
    """One pydantic error as 'expected ..., found ...' in words an administrator reads without knowing pydantic.

    What was found is never echoed for a field that may hold a secret, nor at all with `echo=False`.
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
    if not echo or any(isinstance(p, str) and (p.lower() in _SECRET_VALUED or looks_like_secret_name(p))
                       for p in path):
        return message
    return f"{message}; found {shown}"
