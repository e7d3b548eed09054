"""The Jinja2 environment that renders playbook fields and `when:` expressions, bounded in size and in work.

Jinja's sandbox keeps templates away from Python internals; it does not bound what they cost. `{{ 'a' * 300000000
}}` passed `validate` (1.2 GB), a doubling loop or two nested `range` loops ran until memory ran out. Here every
rendering of one field (or one `when:`) runs under a `Meter`:

- Size: no string or list a template builds may hold more than `MAX_FIELD_CHARS` items. A binary operator
  (`*`, `**`, `+`, `%`), a concatenation (`~`), a filter or a method call is checked *before* it runs from the sizes
  of its operands (`'a' * n`, `x ~ y`, `'%09999999d' % 1`, `s | center(n)`, `s | replace('a', big)`), and its result
  after; a template's output is counted as it streams. Integers are bounded to `MAX_INT_BITS` the same way
  (`10 ** 10 ** 9`).
- Work: every block a template runs (a loop iteration, a macro call, an `if` body) and every character an
  operation produces is charged against `WORK_BUDGET` units. Loops, recursion and doubling stop there. The bound
  is counted, not timed, so the same playbook is accepted or refused on every machine; with the budget below a
  field costs at most about a second.

Exceeding either raises `TemplateTooCostly` (a `jinja2` `SecurityError`), which `remediate.playbook` reports as an
`InputError` naming the file, line, field and rule. What a caller MUST do: render only inside `with metered():`
(`ENV` refuses to run outside one). What it MAY do: nothing else; the bounds are constants of the tool.

Limits: a regular expression given to the `search`/`match` tests runs in Python's `re`, which has no bound on
backtracking; a pathological pattern in a playbook can still take long on a long fact.
"""

from __future__ import annotations

import functools
import re
import string
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_FIELD_CHARS = 1_000_000  # a 40,000-character value (the hostile corpus's longest) fits 25 times
MAX_INT_BITS = 64 * 1024
WORK_BUDGET = 5_000_000
BLOCK_COST = 100  # one loop iteration, macro call or branch taken: at most 50,000 of them per field


class TemplateTooCostly(SecurityError):
    """A template asked for more than the bounds of the module docstring."""


class Meter:
    """The bounds of one rendering: work left, and where to say it ran out."""

    def __init__(self) -> None:
        self.left = WORK_BUDGET

    def spend(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise TemplateTooCostly(f"the template does more work than the bound ({WORK_BUDGET:,} units: loop "
                                    "iterations, macro calls and characters produced); a playbook field is a value, "
                                    "not a program")


_local = threading.local()


@contextmanager
def metered() -> Iterator[Meter]:
    """Bounds for what runs inside: one field's rendering, or one `when:`."""
    meter = Meter()
    outer = getattr(_local, "meter", None)
    _local.meter = meter
    try:
        yield meter
    finally:
        _local.meter = outer


def _meter() -> Meter:
    meter: Meter | None = getattr(_local, "meter", None)
    if meter is None:
        raise TemplateTooCostly("template rendered outside remediate.templating.metered()")  # a bug, not input
    return meter


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


def _too_big(what: str, size: int) -> TemplateTooCostly:
    return TemplateTooCostly(f"{what} would hold {size:,} characters or items, more than the bound of "
                             f"{MAX_FIELD_CHARS:,} for one field")


def _charge(result: Any, what: str) -> Any:
    size = _size(result)
    if size > MAX_FIELD_CHARS:
        raise _too_big(what, size)
    if isinstance(result, int) and not isinstance(result, bool) and result.bit_length() > MAX_INT_BITS:
        raise TemplateTooCostly(f"{what} gives a number of {result.bit_length():,} bits, more than the bound of "
                                f"{MAX_INT_BITS:,}")
    _meter().spend(size)
    return result


# `%` formatting: widths and precisions written in the format (`%09999999d`, `%.*f`) decide the result's size.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\d+|\*)?(?:\.(\d+|\*))?")


def _percent_size(fmt: str, args: Any) -> int:
    numbers = [a for a in (args if isinstance(args, tuple) else (args,)) if isinstance(a, int)]
    total = len(fmt)
    for match in _PERCENT_SPEC.finditer(fmt):
        for group in match.groups():
            if group == "*":
                total += max(numbers or [0])
            elif group:
                total += int(group)
    sized = args.values() if isinstance(args, dict) else (args if isinstance(args, tuple) else (args,))
    return total + sum(_size(a) for a in sized)


def _brace_size(fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """`str.format`'s result bound: the format's text, the widths and precisions its fields ask for, the values."""
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
    total = len(fmt) + sum(_size(a) for a in (*args, *kwargs.values()))
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return total  # a malformed format fails by itself, without building anything
    for _text, _name, spec, _conversion in fields:
        if not spec:
            continue
        if "{" in spec:
            total += max(numbers or [0])  # a width given as an argument
        total += sum(int(n) for n in re.findall(r"\d+", spec))
    return total


def _int_bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


def _predict_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if _size(seq) and isinstance(count, int) and _size(seq) * max(count, 0) > MAX_FIELD_CHARS:
                raise _too_big(f"'{operator}'", _size(seq) * count)
        if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
            raise TemplateTooCostly(f"'*' of numbers of {_int_bits(left):,} and {_int_bits(right):,} bits is more "
                                    f"than the bound of {MAX_INT_BITS:,} bits")
    elif operator == "**":
        if isinstance(right, int) and _int_bits(left) * max(right, 0) > MAX_INT_BITS and abs(left) > 1:
            raise TemplateTooCostly(f"'**' would give a number of more than {MAX_INT_BITS:,} bits")
    elif operator == "+":
        if _size(left) + _size(right) > MAX_FIELD_CHARS:
            raise _too_big("'+'", _size(left) + _size(right))
    elif operator == "%" and isinstance(left, str):
        if _percent_size(left, right) > MAX_FIELD_CHARS:
            raise _too_big("'%' formatting", _percent_size(left, right))


def _predict_call(what: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Before a filter or method runs: a width or count argument, or sizes that multiply, beyond the bound."""
    arguments = (*args, *kwargs.values())
    for arg in arguments:
        if isinstance(arg, int) and not isinstance(arg, bool) and arg > MAX_FIELD_CHARS:
            raise TemplateTooCostly(f"{what} is given {arg:,}, more than the bound of {MAX_FIELD_CHARS:,} for a "
                                    "width or count")
    widest = max([_size(a) for a in arguments if isinstance(a, (str, bytes))] or [1])
    if _size(value) * max(widest, 1) > MAX_FIELD_CHARS and widest > 1:
        raise _too_big(what, _size(value) * widest)


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    passes = getattr(func, "jinja_pass_arg", None)  # context / environment / eval context comes first

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        value_at = 1 if passes is not None else 0
        value = args[value_at] if len(args) > value_at else None
        if name == "format" and isinstance(value, str):  # printf-style: the widths are in the format itself
            rest = args[value_at + 1:]
            if _percent_size(value, dict(kwargs) if kwargs else tuple(rest)) > MAX_FIELD_CHARS:
                raise _too_big("filter 'format'", _percent_size(value, dict(kwargs) if kwargs else tuple(rest)))
        _predict_call(f"filter '{name}'", value, args[value_at + 1:], kwargs)
        return _charge(func(*args, **kwargs), f"filter '{name}'")

    return run


class _BoundedCodeGenerator(CodeGenerator):
    """Generated code charges every block it enters, and joins `~` through the environment (size-checked)."""

    def blockvisit(self, nodes_: Any, frame: Frame) -> None:
        try:
            self.writeline("environment.remediate_block()")
            for node in nodes_:
                self.visit(node, frame)
        except jinja2.compiler.CompilerExit:
            pass

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.remediate_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(name, func) for name, func in self.filters.items()}
        self.globals.pop("lipsum", None)  # lorem ipsum of any length: no use in a playbook

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _predict_binop(operator, left, right)
        return _charge(super().call_binop(context, operator, left, right), f"'{operator}'")

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - jinja's
        name = getattr(__obj, "__name__", type(__obj).__name__)
        _predict_call(f"{name}()", getattr(__obj, "__self__", None), args, kwargs)
        return _charge(super().call(__context, __obj, *args, **kwargs), f"{name}()")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__
        is_map = value.__name__ == "format_map"

        @functools.wraps(wrapped)
        def bounded(*args: Any, **kwargs: Any) -> str:
            named = args[0] if is_map and args and isinstance(args[0], dict) else kwargs
            if _brace_size(fmt, () if is_map else args, named) > MAX_FIELD_CHARS:
                raise _too_big(f"'{value.__name__}'", _brace_size(fmt, () if is_map else args, named))
            return _charge(wrapped(*args, **kwargs), f"'{value.__name__}'")

        return bounded

    @staticmethod
    def remediate_block() -> None:
        _meter().spend(BLOCK_COST)

    @staticmethod
    def remediate_concat(parts: tuple[Any, ...]) -> str:
        texts = [p if isinstance(p, str) else str(p) for p in parts]
        size = sum(len(t) for t in texts)
        if size > MAX_FIELD_CHARS:
            raise _too_big("'~'", size)
        _meter().spend(size)
        return "".join(texts)


# Compiled once per environment and text: a catalog's templates are rendered for every host, and compiling them
# each time was most of the cost of planning and validating a fleet. The bounds apply as they run, not here.
@functools.lru_cache(maxsize=4096)
def _compiled(env: BoundedEnvironment, text: str) -> jinja2.Template:
    return env.from_string(text)


def render_template(env: BoundedEnvironment, text: str, context: dict[str, Any]) -> str:
    """A whole template, its output counted as it streams (inside `metered()`)."""
    meter = _meter()
    out: list[str] = []
    size = 0
    for chunk in _compiled(env, text).generate(**context):
        size += len(chunk)
        if size > MAX_FIELD_CHARS:
            raise _too_big("the template's output", size)
        meter.spend(len(chunk))
        out.append(chunk)
    return "".join(out)


def check_result(value: Any, what: str = "the expression") -> Any:
    """A whole expression's value, held to the same bounds as anything built inside it."""
    return _charge(value, what)
