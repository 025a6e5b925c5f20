"""Reading the compliance inputs (footprints, national records, stored assessments) with the
law data's strict loader, reporting every problem with its file and key path under the
input's own code prefix (``footprint.unknown_field``, ``laws.invalid_value``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from rogatory.errors import Problem, ProblemCollector
from rogatory.law.loader import key_path, read_yaml
from rogatory.parties import states

M = TypeVar("M", bound=BaseModel)

# Pydantic error types to the last part of a problem's code.
_KINDS = {
    "missing": "field_missing",
    "extra_forbidden": "unknown_field",
    "unknown_state": "unknown_state",
    "date_format": "invalid_date",
    "date_from_datetime_parsing": "invalid_date",
    "date_parsing": "invalid_date",
}


def _state(code: str) -> str:
    found = states.find(code)
    if found is None:
        raise PydanticCustomError("unknown_state", states.unknown_state_message(code))
    return found.code


StateCode = Annotated[str, AfterValidator(_state)]


def problems_of(exc: ValidationError, *, prefix: str, file: str | None) -> list[Problem]:
    """Every Pydantic error as a Problem coded ``<prefix>.<kind>`` with its key path."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if isinstance(p, int | str)]
        kind = _KINDS.get(err["type"], "invalid_value")
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the format)"
        out.append(Problem(f"{prefix}.{kind}", message, file, key_path(loc)))
    return out


def validated(
    model: type[M], data: Any, problems: ProblemCollector, *, prefix: str, file: str | None
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_of(exc, prefix=prefix, file=file))
        return None


def read(
    path: Path, model: type[M], problems: ProblemCollector, *, prefix: str, label: str | None = None
) -> M | None:
    """A YAML (or JSON) file validated against ``model``; None, with the problems recorded,
    when it cannot be read or is invalid."""
    name = label or str(path)
    inner = ProblemCollector()
    data = read_yaml(path, inner, label=name)
    for p in inner.problems:  # the loader's own codes, under this input's prefix
        problems.add(
            f"{prefix}.{p.code.split('.', 1)[1]}", p.message, file=p.file, location=p.location
        )
    if inner:
        return None
    if data is None:
        problems.add(f"{prefix}.empty", "the file is empty", file=name)
        return None
    return validated(model, data, problems, prefix=prefix, file=name)
