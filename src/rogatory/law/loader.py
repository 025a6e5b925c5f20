"""Reading law data: strict YAML and CSV, validated by Pydantic, every problem reported.

A rules file is written by lawyers as much as by engineers. When it is wrong, the loader keeps
going and reports every problem it finds with the file, the key path (``articles[3].cite``) or
CSV row, and what was expected, instead of stopping at the first. Duplicate YAML keys, which
PyYAML silently resolves by keeping the last, are an error: two values for one key is exactly
the kind of contradiction the law data must not hide.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rogatory.errors import Problem, ProblemCollector

M = TypeVar("M", bound=BaseModel)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate keys instead of keeping the last one silently."""

    duplicates: list[tuple[str, int]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hashable = key in seen
            except TypeError:
                continue
            if hashable:
                self.duplicates.append((str(key), key_node.start_mark.line + 1))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1 reads `on`, `off`, `yes` and `no` as booleans, so a scenario's `on: 2027-01-01` key
# would silently become `True`. Law data follows YAML 1.2 here: only true/false are booleans.
_BOOL_TAG = "tag:yaml.org,2002:bool"
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(path: Path, problems: ProblemCollector, *, label: str | None = None) -> Any:
    """Parse a YAML file, recording syntax errors and duplicate keys; None if unreadable."""
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add("rules.file_missing", "file not found", file=name)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.add("rules.file_unreadable", f"cannot read the file: {exc}", file=name)
        return None
    loader = _StrictLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problems.add("rules.yaml_syntax", f"not valid YAML: {exc}", file=name, location=where)
        return None
    except ValueError as exc:  # a scalar that looks like a date but is none: 2026-13-01
        problems.add("rules.invalid_value", f"not a valid value: {exc}", file=name)
        return None
    finally:
        loader.dispose()
    for key, line in loader.duplicates:
        problems.add(
            "rules.duplicate_key",
            f"key {key!r} appears more than once in the same mapping",
            file=name,
            location=f"line {line}",
        )
    return data


def key_path(loc: Sequence[int | str]) -> str:
    """Render a Pydantic error location as ``articles[3].cite.source``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _code_for(error_type: str, loc: Sequence[int | str]) -> str:
    attestation = ("cite", "citation", "source", "verification")
    if error_type == "missing" and loc and loc[-1] in attestation:
        return "rules.citation_missing"
    if error_type == "missing":
        return "rules.field_missing"
    if error_type == "extra_forbidden":
        return "rules.unknown_field"
    return "rules.invalid_value"


def pydantic_problems(
    exc: ValidationError, *, file: str | None, prefix: Sequence[int | str] = ()
) -> list[Problem]:
    """Turn every Pydantic error into a Problem with a readable key path."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [*prefix, *[p for p in err["loc"] if isinstance(p, int | str)]]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the format)"
        out.append(Problem(_code_for(err["type"], loc), message, file, key_path(loc)))
    return out


def validate(
    model: type[M],
    data: Any,
    problems: ProblemCollector,
    *,
    file: str | None,
    prefix: Sequence[int | str] = (),
) -> M | None:
    """Validate data against a model, recording every problem; None when invalid."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, file=file, prefix=prefix))
        return None


@dataclass(frozen=True)
class CsvRow:
    """One data row with its line number in the file (the header is line 1)."""

    line: int
    values: dict[str, str]


def read_csv(
    path: Path,
    problems: ProblemCollector,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    label: str | None = None,
    missing_code: str = "rules.file_missing",
) -> list[CsvRow]:
    """Read a CSV file with a header, checking its columns; rows keep their line numbers."""
    name = label or str(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        problems.add(missing_code, "file not found", file=name)
        return []
    except OSError as exc:
        problems.add("rules.file_unreadable", f"cannot read the file: {exc}", file=name)
        return []
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                problems.add("csv.empty", "the file is empty; expected a header row", file=name)
                return []
            columns = [c.strip() for c in header]
            missing = [c for c in required if c not in columns]
            unknown = [c for c in columns if c not in required and c not in optional]
            for col in missing:
                problems.add(
                    "csv.column_missing",
                    f"the header lacks column {col!r}",
                    file=name,
                    location="line 1",
                )
            for col in unknown:
                allowed = ", ".join([*required, *optional])
                problems.add(
                    "csv.column_unknown",
                    f"unknown column {col!r} (allowed: {allowed})",
                    file=name,
                    location="line 1",
                )
            if missing or unknown:
                return []
            rows = []
            for record in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != len(columns):
                    problems.add(
                        "csv.row_shape",
                        f"expected {len(columns)} values, found {len(record)}",
                        file=name,
                        location=f"row {line}",
                    )
                    continue
                rows.append(
                    CsvRow(line, {c: v.strip() for c, v in zip(columns, record, strict=True)})
                )
            return rows
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.add("csv.unreadable", f"not a readable CSV file: {exc}", file=name)
            return []
