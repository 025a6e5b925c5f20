"""Every error code has one entry in the catalogue, with its HTTP status and meaning: every
code the source raises is listed, every listed code is raised somewhere, the API answers with
the listed status, and each code's problem type page says what it means."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi.testclient import TestClient

from rogatory import error_codes
from rogatory.api import problems
from rogatory.error_codes import CATALOGUE

SRC = Path(__file__).resolve().parents[1] / "src" / "rogatory"
CODE = re.compile(r"^[a-z]+\.[a-z_]+$")
RAISERS = {"RogatoryError", "ProblemList", "raise_if_any", "problem", "_answer", "page"}


def _raised() -> dict[str, str]:
    """Every literal code the source raises or answers with, and one file that does."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            candidates = [k.value for k in node.keywords if k.arg == "code"]
            if name in RAISERS:
                candidates += node.args[:2]  # problem(status, code, ...) has it second
            for arg in candidates:
                literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                if literal and CODE.match(arg.value):  # type: ignore[attr-defined]
                    found.setdefault(arg.value, path.name)  # type: ignore[attr-defined]
    return found


def test_every_raised_code_is_in_the_catalogue() -> None:
    raised = _raised()
    assert len(raised) > 80  # the scan sees the source's codes
    missing = {code: where for code, where in raised.items() if code not in CATALOGUE}
    assert not missing, f"codes raised but not catalogued: {missing}"


def test_every_catalogued_code_is_used_somewhere() -> None:
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in SRC.rglob("*.py") if p.name != "error_codes.py"
    )
    unused = [
        code
        for code in CATALOGUE
        if f'"{code}"' not in text
        and not (code.startswith("request.invalid_") and "request.invalid_{" in text)
    ]
    assert not unused, f"catalogued but never raised: {unused}"


def test_statuses_are_http_statuses_and_the_api_answers_with_them() -> None:
    for code, entry in CATALOGUE.items():
        assert 400 <= entry.status < 600 and entry.meaning, code
        assert problems.status_for(code) == entry.status
    assert error_codes.status_of("case.no_such_code") == 500  # never blamed on the client


def test_each_problem_type_page_says_what_the_code_means() -> None:
    from fastapi import FastAPI

    from rogatory.api import reference

    app = FastAPI()
    app.include_router(reference.router)
    client = TestClient(app)
    page = client.get("/api/v1/problems/case.not_open")
    assert page.status_code == 200
    body = page.json()
    assert body["status"] == 409 and "closed" in body["meaning"]
    assert body["about"] == "the rules of a case's workflow"
    assert client.get("/api/v1/problems/case.no_such_code").status_code == 404
