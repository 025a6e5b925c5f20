"""``rogatory rules``: validate bundles, run their scenarios, print their revisions."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from rogatory.cli.common import (
    EXIT_INPUT,
    JsonFlag,
    TreatyOption,
    console,
    handles_errors,
    print_json,
    report,
)
from rogatory.errors import Problem, ProblemCollector, ProblemList, RogatoryError
from rogatory.law import authentic
from rogatory.law.bundle import Bundle, load_bundle
from rogatory.parties import service
from rogatory.safeguards import engine, scenarios
from rogatory.treaty import catalogue
from rogatory.treaty import crosswalk as crosswalks

app = typer.Typer(help="Check the law data: validate, test, revision.", no_args_is_help=True)


def _bundles(paths: list[Path] | None) -> list[tuple[str, Path]]:
    if paths:
        return [(str(p), p) for p in paths]
    return [(b, catalogue.rules_root() / b) for b in catalogue.bundle_ids()]


@app.command("validate")
@handles_errors
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Bundle folders; default: the shipped ones.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Load every bundle, its party data and its scenario files, and (for the shipped bundles)
    every crosswalk between them; report every problem."""
    results = []
    failed = False
    for label, root in _bundles(paths):
        if not (root / "bundle.yaml").is_file():
            raise RogatoryError("rules.not_a_bundle", f"{label}: no bundle.yaml in this folder")
        problems = ProblemCollector()
        try:
            bundle = load_bundle(root)
            with contextlib.suppress(ProblemList):  # its problems are in the collector
                register = service.build(bundle, problems=problems)
            if (bundle.root / "signals.yaml").exists() and not problems:
                engine.build_law(register=register)
            _, scenario_problems = (
                scenarios.run_bundle(bundle) if not problems else ([], ProblemCollector())
            )
            problems.extend(scenario_problems.problems)
        except ProblemList as exc:
            problems.extend(exc.problems)
        failed = failed or bool(problems)
        results.append(
            {
                "bundle": label,
                "valid": not problems,
                "problems": [p.__dict__ for p in problems.problems],
            }
        )
        if not as_json:
            if problems:
                report(ProblemList("rules.invalid_bundle", label, problems.problems))
            else:
                console.print(f"[green]ok[/green] {label}")
    walks = []
    for path in [] if paths else crosswalks.files():
        label = f"crosswalk/{path.name}"
        try:
            crosswalks.load(path)
            found: list[Problem] = []
        except ProblemList as exc:
            found = list(exc.problems)
        failed = failed or bool(found)
        walks.append(
            {"crosswalk": label, "valid": not found, "problems": [p.__dict__ for p in found]}
        )
        if not as_json:
            if found:
                report(ProblemList("crosswalk.invalid", label, found))
            else:
                console.print(f"[green]ok[/green] {label}")
    if as_json:
        print_json({"bundles": results, "crosswalks": walks})
    if failed:
        raise typer.Exit(EXIT_INPUT)


@app.command("test")
@handles_errors
def run_tests(as_json: JsonFlag = False) -> None:
    """Run the YAML scenarios of every shipped bundle."""
    rows = []
    passed = failed = 0
    for bundle_id in catalogue.bundle_ids():
        bundle: Bundle = catalogue.get(bundle_id)
        outcomes, problems = scenarios.run_bundle(bundle)
        problems.raise_if_any("rules.invalid_scenarios", f"scenario files of {bundle_id}")
        for o in outcomes:
            passed += o.passed
            failed += not o.passed
            rows.append({"id": o.scenario.id, "passed": o.passed, "failures": o.failures})
            if not as_json:
                mark = "[green]PASS[/green]" if o.passed else "[red]FAIL[/red]"
                console.print(f"{mark} {o.scenario.id}", markup=True)
                for f in o.failures:
                    console.print(f"     {f}", markup=False)
    if as_json:
        print_json({"passed": passed, "failed": failed, "scenarios": rows})
    else:
        console.print(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@app.command("revision")
@handles_errors
def revision(as_json: JsonFlag = False) -> None:
    """The content hash of each shipped bundle, as recorded in every decision."""
    rows = {b: catalogue.get(b).revision for b in catalogue.bundle_ids()}
    if as_json:
        print_json({"revisions": rows})
        return
    for b, rev in rows.items():
        console.print(f"{b} {rev}")


@app.command("check-text")
@handles_errors
def check_text(
    path: Annotated[Path, typer.Argument(help="The authentic text: a .txt or .pdf file.")],
    bundle_id: TreatyOption = "uncc",
    as_json: JsonFlag = False,
) -> None:
    """Check the bundle against the authentic text: articles, titles, paragraphs, wording.

    Exit 0 when nothing differs, 1 when there are discrepancies to review, 2 when the file
    cannot be used.
    """
    bundle = catalogue.get(bundle_id)
    report_ = authentic.check(bundle, authentic.read_text(path))
    if as_json:
        print_json(
            {
                "bundle": report_.bundle,
                "bundle_revision": bundle.revision,
                "articles_found": report_.articles_found,
                "checked": report_.checked,
                "clean": report_.clean,
                "discrepancies": [
                    {
                        "check": d.check.value,
                        "provision": d.provision,
                        "message": d.message,
                        "where": d.where,
                    }
                    for d in report_.discrepancies
                ],
            }
        )
    else:
        for d in report_.discrepancies:
            console.print(
                f"[yellow]{d.check.value}[/yellow] {d.provision}: {d.message} ({d.where})",
                markup=True,
            )
        console.print(
            f"{report_.articles_found} articles found in the text; {report_.checked} "
            f"checks, {len(report_.discrepancies)} discrepancies"
        )
    if not report_.clean:
        raise typer.Exit(1)
