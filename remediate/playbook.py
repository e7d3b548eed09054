"""Playbooks: rules, each a known cause with its source and the resources that fix it.

```yaml
include: [smart-host.yaml]        # other playbooks, relative to this file and inside its folder
rules:
  - id: tnef-store-driver
    title: Force TNEF for peers that cannot read Summary-TNEF
    cause: ...
    source: KB 919091 (Resolution 2)
    remedy: auto                  # or manual, with advice:
    when: "facts.exchange_version is not none"
    resources:
      - kind: registry_value
        hive: HKLM
        key: '{{ tnef_key }}'
        ...
```

Rendering is per host and per string: YAML is parsed first, then every string scalar that holds `{{` or `{%` is
rendered with that host's variables. A value therefore can never change the structure of a playbook (a variable
holding "\n- kind: ..." stays one string). A scalar that is exactly one `{{ expression }}` keeps the expression's
type, so `data: '{{ retries }}'` can be a number. Undefined variables are errors; the sandbox keeps templates away
from Python internals, and bounds what one field may build and how much work it may do (remediate/templating.py).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeGuard

import jinja2
from pydantic import BaseModel, ConfigDict, Field

from remediate.errors import InputError, InputProblems, Location
from remediate.resources import ResourceSpec
from remediate.templating import (
    BoundedEnvironment,
    TemplateTooCostly,
    check_result,
    metered,
    render_template,
)
from remediate.validation import validate
from remediate.yamlsrc import FieldPath, LineMap, load

_RULE_ID = r"^[a-z0-9][a-z0-9._-]*$"
_WHOLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)

# Sandboxed, and bounded in size and work per field (remediate/templating.py).
ENV = BoundedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
# Regex tests as administrators know them from Ansible: `facts.antivirus | select('search', 'Symantec')`.
ENV.tests["search"] = lambda value, pattern: re.search(pattern, str(value)) is not None
ENV.tests["match"] = lambda value, pattern: re.match(pattern, str(value)) is not None


class Rule(BaseModel):
    """One cause of a problem, as rendered for one host."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_RULE_ID)
    title: str = Field(min_length=1)
    cause: str = Field(min_length=1)
    source: str = Field(min_length=1)
    remedy: Literal["auto", "manual"] = "auto"
    advice: str | None = None
    when: str | None = None
    resources: list[ResourceSpec] = Field(default_factory=list)
    # For `remediate diagnose` (remediate/diagnose/): the cases of the event-4006 write-up (1-10, most likely
    # first) that a finding of this rule points at, and whether the finding shows the cause itself (`direct`: a
    # wrong value, a failed probe) or only what makes it possible (`indirect`: the product is installed, the
    # firewall runs; the deciding setting is not read). A rule without cases is reported apart from the ten.
    cases: list[Annotated[int, Field(ge=1, le=10, strict=True)]] = Field(default_factory=list, max_length=10)
    evidence: Literal["direct", "indirect"] = "direct"


class PlaybookFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    include: list[str] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)


@dataclass(frozen=True)
class RuleSource:
    """A rule as written, before rendering, and where it was written."""

    file: str
    index: int
    line: int | None
    data: dict[str, Any]
    lines: LineMap

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))


@dataclass(frozen=True)
class RenderedRule:
    rule: Rule
    source: RuleSource


class UndefinedVariable(InputError):
    """A rule's template needs a variable the host does not define (or a key its value does not have).

    Typed, so that callers tell it from other template errors: a rule with `when:` is deferred on it (planned once
    the facts decide whether it applies), and the engine adds where to define the variable (`with_context`)."""

    def __init__(self, location: Location, host: str, variable: str | None, detail: str, rule_id: str = "",
                 hint: str = "") -> None:
        self.host = host
        self.variable = variable  # the name, when jinja's message gives one ('x' is undefined)
        self.detail = detail
        self.rule_id = rule_id
        self.hint = hint
        what = f"undefined variable {variable!r}" if variable else f"undefined value ({detail})"
        super().__init__(location, f"host {host}: {what}" + (f" (rule {rule_id})" if rule_id else "")
                         + (f"; {hint}" if hint else ""))

    def with_context(self, rule_id: str | None = None, hint: str | None = None) -> UndefinedVariable:
        return UndefinedVariable(self.location, self.host, self.variable, self.detail,
                                 self.rule_id if rule_id is None else rule_id, self.hint if hint is None else hint)


class NeedsFacts(Exception):
    """Raised while a `when:` is decided before any host is read, when it uses `facts` (remediate/ruleneeds.py)."""


_UNDEFINED_NAME = re.compile(r"^'([A-Za-z_][A-Za-z0-9_]*)' is undefined$")


@dataclass(frozen=True)
class DeferredRule:
    """A rule with a `when:` that could not be rendered for a host (a variable it needs is not set there).

    Whether that is an error depends on the host's facts, known only after the read: a rule for Exchange 2003
    must not demand Exchange 2003 variables from an Exchange 2019 host. If `when:` holds, `error` is reported.
    """

    source: RuleSource
    when: str
    error: UndefinedVariable


@dataclass
class Catalog:
    """All rules from a set of playbook files (includes resolved), in file order."""

    files: list[str] = field(default_factory=list)
    rules: list[RuleSource] = field(default_factory=list)
    # id(source) -> (source, its rendering) for rules with no template outside `when:`: the same for every host,
    # so rendered and validated once and shared (1000 hosts x 100 such rules held 100,000 equal Rule models).
    _static: dict[int, tuple[RuleSource, RenderedRule]] = field(default_factory=dict, repr=False, compare=False)

    def render(self, host_vars: dict[str, Any], host_name: str) -> list[RenderedRule]:
        rendered, deferred = self.render_deferring(host_vars, host_name)
        if deferred:
            raise deferred[0].error
        return rendered

    def render_deferring(self, host_vars: dict[str, Any],
                         host_name: str) -> tuple[list[RenderedRule], list[DeferredRule]]:
        """Render every rule; a rule with `when:` that fails to render is deferred instead of raised. Every other
        problem of every rule is raised at once (InputProblems when there are several)."""
        rendered, deferred, problems = self.render_all(host_vars, host_name)
        if problems:
            raise problems[0] if len(problems) == 1 else InputProblems(list(problems))
        return rendered, deferred

    def render_all(self, host_vars: dict[str, Any],
                   host_name: str) -> tuple[list[RenderedRule], list[DeferredRule], list[InputError]]:
        """Every rule rendered for one host: (rendered, deferred, problems), never raising for a rule's problem.
        A rule with `when:` whose template needs a variable the host lacks is deferred (DeferredRule)."""
        context = {**host_vars, "inventory_hostname": host_name}
        rendered: list[RenderedRule] = []
        deferred: list[DeferredRule] = []
        problems: list[InputError] = []
        for src in self.rules:
            known = self._static.get(id(src))
            if known is not None and known[0] is src:
                rendered.append(known[1])
                continue
            try:
                rule = RenderedRule(render_rule(src, context, host_name), src)
                rendered.append(rule)
                if not _templated({k: v for k, v in src.data.items() if k != "when"}):
                    self._static[id(src)] = (src, rule)
            except UndefinedVariable as exc:
                when = src.data.get("when")
                if isinstance(when, str):
                    deferred.append(DeferredRule(src, when, exc))
                else:
                    problems.append(exc)
            except InputProblems as exc:
                problems += [p for p in exc.problems if isinstance(p, InputError)]
            except InputError as exc:
                problems.append(exc)
        return rendered, deferred, problems


def _include_target(including: Path, name: str, root: Path | None, lines: LineMap, index: int) -> Path:
    """`name` relative to the including playbook, which must stay inside its folder (or the configured root):
    `../../etc/passwd`, `/etc/shadow` or a symlink out of the folder is refused before anything is read."""
    folder = root or including.parent
    target = (including.parent / name).resolve()
    if not target.is_relative_to(folder):
        where = f"the configured root {folder} (${ROOT_ENV})" if root else f"the folder of {including.name}, {folder}"
        raise lines.error(("include", index), f"include {name!r} resolves to {target}, outside {where}; includes "
                          f"stay inside it (set ${ROOT_ENV} to a folder holding every playbook to widen it)")
    if not target.exists():
        raise lines.error(("include", index), f"included file not found: {target}")
    return target


def is_template(value: Any) -> TypeGuard[str]:
    """Whether `value` is a string that `_render` renders (the one test of "is a template" in the project)."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _templated(value: Any) -> bool:
    """Whether any string in `value` is a template."""
    if isinstance(value, dict):
        return any(_templated(v) for v in value.values())
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    return is_template(value)


def render_rule(src: RuleSource, context: dict[str, Any], host: str) -> Rule:
    """One rule rendered with `context` (the host's variables) and validated; `when:` is left as written."""
    base: FieldPath = ("rules", src.index)
    # `when:` is evaluated later against the host's facts, so it is not rendered with the variables now.
    try:
        data = {k: v if k == "when" else _render(v, context, src.lines, (*base, k), host, src.id)
                for k, v in src.data.items()}
    except UndefinedVariable as exc:
        raise exc.with_context(rule_id=src.id) from None
    return validate(Rule, data, src.lines, base)


def _render(value: Any, context: dict[str, Any], lines: LineMap, path: FieldPath, host: str, rule: str) -> Any:
    if isinstance(value, dict):
        return {k: _render(v, context, lines, (*path, k), host, rule) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, context, lines, (*path, i), host, rule) for i, v in enumerate(value)]
    if is_template(value):
        return render_string(value, context, lines, path, host, rule)
    return value


# Compiled once per distinct text: a catalog's few hundred expressions are evaluated for every host (and
# `validate` renders again to decide what is missing); compiling each time was most of the cost. Compiled
# expressions are safe to run from many threads at once; the bounds apply when they run (`metered`).
@functools.lru_cache(maxsize=4096)
def _expression(text: str) -> Any:
    return ENV.compile_expression(text, undefined_to_none=False)


def render_string(text: str, context: dict[str, Any], lines: LineMap, path: FieldPath, host: str,
                  rule: str | None = None) -> Any:
    """One field for one host, bounded in size and work (remediate/templating.py)."""
    try:
        with metered():
            whole = _WHOLE_EXPRESSION.match(text)
            if whole:
                result = _expression(whole.group("expr"))(**context)
                if isinstance(result, jinja2.Undefined):
                    str(result)  # raises UndefinedError with jinja's own message naming the variable
                return check_result(result)
            return render_template(ENV, text, context)
    except jinja2.UndefinedError as exc:
        message = str(exc.message or "")
        name = _UNDEFINED_NAME.match(message)
        raise UndefinedVariable(lines.location(path), host, name.group(1) if name else None, message) from None
    except jinja2.TemplateSyntaxError as exc:
        raise lines.error(path, f"template syntax error: {exc.message}") from None
    except TemplateTooCostly as exc:
        raise lines.error(path, f"{_of_rule(rule)}template refused for host {host}: {exc}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise lines.error(path, f"template not allowed: {exc}") from None
    except (MemoryError, RecursionError) as exc:
        raise lines.error(path, f"{_of_rule(rule)}template failed for host {host}: {type(exc).__name__} (it "
                          "builds or nests too much)") from None
    except Exception as exc:  # a filter failing on a value, division by zero, ...
        raise lines.error(path, f"template failed for host {host}: {type(exc).__name__}: {exc}") from None


def _of_rule(rule: str | None) -> str:
    return f"rule {rule}: " if rule else ""


def evaluate_when(expression: str, facts: dict[str, Any], host_vars: dict[str, Any], src: RuleSource) -> bool:
    context = {**host_vars, "facts": facts}
    path: FieldPath = ("rules", src.index, "when")
    try:
        with metered():
            return bool(check_result(_expression(expression)(**context)))
    except jinja2.UndefinedError as exc:
        raise src.lines.error(path, f"when: {exc.message}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise src.lines.error(path, f"when: syntax error: {exc.message}") from None
    except TemplateTooCostly as exc:
        raise src.lines.error(path, f"rule {src.id}: when: refused: {exc}") from None
    except NeedsFacts:
        raise  # remediate/ruleneeds.py: the answer waits for the host's facts
    except Exception as exc:  # a test or filter failing on this host's facts
        raise src.lines.error(path, f"when: failed on this host's facts: {type(exc).__name__}: {exc}") from None


def playbook_files(paths: list[Path]) -> list[Path]:
    """`-p` arguments as files: a folder stands for its `*.yaml` and `*.yml` files (not its subfolders), in name
    order. A file included by another one counts once (load_catalog), so a folder holding an entry point such as
    event-4006.yaml and the files it includes loads each rule once."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:
                raise InputError(Location(str(path)), "no playbook files (*.yaml, *.yml) in this folder")
            files += found
        else:
            files.append(path)
    return files


def load_catalog(paths: list[Path]) -> Catalog:
    catalog = Catalog()
    seen_ids: dict[str, RuleSource] = {}
    root = include_root()
    for path in playbook_files(paths):
        _load_into(catalog, path.resolve(), seen_ids, stack=(), root=root)
    if not catalog.rules:
        raise InputError(_location(paths), "no rules found in the playbooks given")
    return catalog


ROOT_ENV = "REMEDIATE_PLAYBOOK_ROOT"


def include_root() -> Path | None:
    """The folder every `include:` must stay inside when configured ($REMEDIATE_PLAYBOOK_ROOT); None: each include
    stays inside the folder of the playbook that includes it."""
    configured = os.environ.get(ROOT_ENV)
    return Path(configured).resolve() if configured else None


def _location(paths: list[Path]) -> Location:
    return Location(", ".join(str(p) for p in paths))


_PLAYBOOK_FIELDS = set(PlaybookFile.model_fields)


@functools.cache
def _vocabulary() -> frozenset[str]:
    """The field names a playbook may hold: an error may name these (a duplicate `data:`) even while the file is
    not yet known to be a playbook."""
    from remediate.resources import KINDS

    words = {*PlaybookFile.model_fields, *Rule.model_fields}
    for kind in KINDS.values():
        words.update(kind.spec_model.model_fields)
    return frozenset(words)


def _load_into(catalog: Catalog, path: Path, seen: dict[str, RuleSource], stack: tuple[Path, ...],
               root: Path | None) -> None:
    if path in stack:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise InputError(_location([stack[-1]]), f"include cycle: {chain}")
    if str(path) in catalog.files:
        return  # included twice through different files: its rules count once
    # Until a file is known to be a playbook, its errors quote nothing from it: `include:` may name the wrong file
    # (a password file, a key), and the error must not print its first line.
    source = load(path, quiet=True, shown=_vocabulary())
    if source.data is None:
        raise source.lines.error((), "the playbook is empty")
    if not isinstance(source.data, dict):
        raise source.lines.error((), f"not a playbook: expected a mapping with 'rules:', found "
                                 f"{type(source.data).__name__}")
    for key in source.data:
        if key not in _PLAYBOOK_FIELDS:
            line = source.lines.line_of((key,)) if isinstance(key, (str, int)) else None
            raise InputError(Location(str(path), line), "not a playbook: a top-level field playbooks do not have "
                             "(a playbook holds " + ", ".join(sorted(_PLAYBOOK_FIELDS)) + ")")
    spec = validate(PlaybookFile, source.data, source.lines, echo=False)
    catalog.files.append(str(path))
    for index, name in enumerate(spec.include):
        target = _include_target(path, name, root, source.lines, index)
        _load_into(catalog, target, seen, (*stack, path), root)
    for index, data in enumerate(spec.rules):
        line = source.lines.line_of(("rules", index))
        src = RuleSource(str(path), index, line, data, source.lines)
        if src.id in seen:
            first = seen[src.id]
            raise source.lines.error(("rules", index, "id"),
                                     f"rule id {src.id!r} is already used at {first.file}:{first.line}")
        seen[src.id] = src
        catalog.rules.append(src)
