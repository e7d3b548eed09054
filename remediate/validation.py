"""Turn pydantic validation failures into one clear `InputError` that names file, line and field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

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
    """`data` as `model`, or one InputError at the first problem's line; `echo=False`: the error quotes nothing
    that was found in the data."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # A typo shows up twice: as an unknown field and as the required field it was meant to be. The unknown
        # field is the one to point at.
        errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        path = (*base, *input_path(tuple(first["loc"]), data))
        problem = pydantic_problem(dict(first), path, echo)
        if len(errors) > 1:
            problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise lines.error(path, problem) from None
