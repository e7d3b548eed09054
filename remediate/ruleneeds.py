"""What a rule needs from a host, decided before any host is read (`remediate validate`).

- `when_without_facts`: a rule's `when:` from the host's variables alone; None when it depends on the facts the
  host reports (those are read by plan, never here).
- `missing_variables`: every variable a rule's templates need that the host does not define, not only the first.
- `structure_problems`: what is wrong with a rule whatever the host (unknown fields and kinds), unrendered.
- `template_variables`: the variable names a rule's templates use.
"""

from __future__ import annotations

from typing import Any

import jinja2
import jinja2.meta

from pydantic import ValidationError

from remediate.errors import InputError
from remediate.playbook import (
    ENV,
    NeedsFacts,
    Rule,
    RuleSource,
    UndefinedVariable,
    evaluate_when,
    is_template,
    render_rule,
)
from remediate.validation import problems_of


class _UnknownFacts:
    """`facts` in a `when:` evaluated before any host is read: using it in any way means "known once read"."""

    def _unknown(self, *_args: Any) -> Any:
        raise NeedsFacts

    __getattr__ = __getitem__ = __iter__ = __len__ = __bool__ = __eq__ = __contains__ = __str__ = _unknown
    __hash__ = None  # type: ignore[assignment]


def when_without_facts(expression: str, host_vars: dict[str, Any], src: RuleSource) -> bool | None:
    """`when:` decided from the host's variables alone: True or False when it does not look at `facts` (or decides
    before it does: `smtp_next_hop is defined and ...`), None when its answer depends on the host's facts.
    InputError for what would fail the plan whatever the facts: a syntax error, an undefined variable."""
    try:
        return evaluate_when(expression, _UnknownFacts(), host_vars, src)  # type: ignore[arg-type]
    except NeedsFacts:
        return None


def missing_variables(src: RuleSource, host_vars: dict[str, Any], host: str,
                      limit: int = 20) -> list[UndefinedVariable]:
    """Every variable the rule's templates need that the host does not define (not only the first), each where it
    is used, found by rendering again with a stand-in for each one found so far. A value that is not a plain name
    (a missing key) ends the search: nothing can stand in for it."""
    context = {**host_vars, "inventory_hostname": host}
    found: list[UndefinedVariable] = []
    for _ in range(limit):
        try:
            render_rule(src, context, host)
            break
        except UndefinedVariable as exc:
            found.append(exc)
            if exc.variable is None or exc.variable in context:
                break
            context[exc.variable] = ""  # a stand-in: renders as text, a number's place fails later and stops here
        except InputError:
            break  # the stand-in did not fit a field: what was found so far is the answer
    return found


def structure_problems(src: RuleSource) -> list[InputError]:
    """What is wrong with a rule whatever the host: unknown fields, unknown or missing kinds, missing required
    fields, checked on the rule as written (its templates unrendered), so that a rule that cannot be rendered for
    a host still has these found. Problems that depend on rendered values are left to rendering."""
    base = ("rules", src.index)
    try:
        Rule.model_validate(src.data)
    except ValidationError as exc:
        wanted = {"extra_forbidden", "union_tag_invalid", "union_tag_not_found", "missing"}
        errors = [e for e in exc.errors(include_url=False) if e["type"] in wanted]
        if errors:
            narrowed = ValidationError.from_exception_data(exc.title, errors)  # type: ignore[arg-type]
            return problems_of(Rule, narrowed, src.data, src.lines, base)
    return []


def template_variables(src: RuleSource) -> set[str]:
    """The variable names a rule's templates use (its `when:` left out)."""
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif is_template(value):
            try:
                names.update(jinja2.meta.find_undeclared_variables(ENV.parse(value)))
            except jinja2.TemplateSyntaxError:
                pass

    walk({k: v for k, v in src.data.items() if k != "when"})
    return names
