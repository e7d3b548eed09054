"""Turn pydantic validation failures into clear `InputError`s that name file, line and field: every problem of a
document at once, with "did you mean" for an unknown field or kind."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Literal, TypeVar, Union

from pydantic import BaseModel, ValidationError

from remediate.errors import InputError, InputProblems
from remediate.yamlsrc import FieldPath, LineMap, pydantic_problem

M = TypeVar("M", bound=BaseModel)


def input_path(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """Map a pydantic `loc` onto the path the user wrote.

    Discriminated unions put the tag (`registry_value`) and validators put their own names into `loc`; those are
    not keys of the input. Walking the input data alongside keeps only the parts that are, plus a final name
    (the field that is missing or unknown).
    """
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and node.get("kind") == part:
            continue  # the discriminator's tag, not a field
        elif index == len(loc) - 1 and isinstance(part, (str, int)):
            path.append(part)
    return tuple(path)


def validate(model: type[M], data: Any, lines: LineMap, base: FieldPath = (), echo: bool = True) -> M:
    """`data` as `model`, or InputError (one problem) / InputProblems (several), each at its own file:line: field;
    `echo=False`: no error quotes what was found in the data."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_of(model, exc, data, lines, base, echo)
        raise (problems[0] if len(problems) == 1 else InputProblems(list(problems))) from None


def problems_of(model: type[BaseModel], exc: ValidationError, data: Any, lines: LineMap, base: FieldPath = (),
                echo: bool = True) -> list[InputError]:
    """Every problem pydantic found, in line order, as InputErrors; an unknown field or kind says what was meant."""
    errors = exc.errors(include_url=False)
    # A typo shows up twice: as an unknown field and as the required field it was meant to be. The unknown field,
    # with its "did you mean", says both; the second line would only repeat it.
    meant: set[tuple[Any, ...]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = tuple(error["loc"])
            guess = _unknown_field(model, loc)[1]
            if guess is not None:
                meant.add((*loc[:-1], guess))
    described: list[tuple[FieldPath, str]] = []
    for error in errors:
        loc = tuple(error["loc"])
        path = (*base, *input_path(loc, data))
        if error["type"] == "extra_forbidden":
            problem = _unknown_field(model, loc)[0]
        elif error["type"] == "union_tag_invalid":
            problem = _unknown_tag(error, echo)
            path = (*path, "kind")
        elif error["type"] == "union_tag_not_found":
            expected = _tags_of(model, loc)
            problem = "required field is missing" + (f"; one of: {', '.join(expected)}" if expected else "")
            path = (*path, "kind")
        else:
            problem = pydantic_problem(dict(error), path, echo)
        if not (error["type"] == "missing" and loc in meant):
            described.append((path, problem))
    out: list[InputError] = []
    seen: set[str] = set()
    for path, problem in sorted(described, key=lambda d: (lines.line_of(d[0]) or 0, str(d[0]))):
        error_ = lines.error(path, problem)
        if str(error_) not in seen:
            seen.add(str(error_))
            out.append(error_)
    return out


def did_you_mean(word: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_field(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, str | None]:
    name = str(loc[-1])
    known = fields_at(model, loc[:-1])
    if not known:
        return "unknown field", None
    guess = did_you_mean(name, known)
    if guess is not None:
        return f"unknown field; did you mean '{guess}'?", guess
    return f"unknown field; expected one of: {', '.join(known)}", None


def _unknown_tag(error: dict[str, Any], echo: bool) -> str:
    ctx = error.get("ctx") or {}
    tag = str(ctx.get("tag", ""))
    expected = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()]
    guess = did_you_mean(tag, expected)
    named = f" {tag!r}" if echo else ""
    if guess is not None:
        return f"unknown kind{named}; did you mean '{guess}'?"
    return f"unknown kind{named}; expected one of: {', '.join(expected)}"


def _tags_of(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    annotation = _annotation_at(model, loc)
    return sorted(t for member in _members(annotation) for t in _literal_tags(member))


def fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names the model accepts at `loc` (a pydantic loc, discriminator tags included); [] if unknown."""
    annotation = _annotation_at(model, loc)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted(annotation.model_fields)
    return []


def _annotation_at(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
            continue
        members = _members(current)
        if len(members) > 1:  # a discriminated union: `part` is the tag
            chosen = [m for m in members if str(part) in _literal_tags(m)]
            if not chosen:
                return None
            current = chosen[0]
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin in (list, tuple, set, frozenset) and args and isinstance(part, int):
            current = args[0]
        elif origin is dict and len(args) == 2:
            current = args[1]
        else:
            return None
    return _unwrap(current)


def _unwrap(annotation: Any) -> Any:
    """Annotated[X, ...] -> X; Optional[X] -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def _members(annotation: Any) -> list[Any]:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _literal_tags(member: Any) -> list[str]:
    if not (isinstance(member, type) and issubclass(member, BaseModel)):
        return []
    field = member.model_fields.get("kind")
    if field is None or typing.get_origin(field.annotation) is not Literal:
        return []
    return [str(a) for a in typing.get_args(field.annotation)]
