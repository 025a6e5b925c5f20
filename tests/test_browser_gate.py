"""The browser tests skip, loudly and once, where Chromium or axe-core is missing, and fail
instead when ROGATORY_REQUIRE_BROWSER=1 (as in CI): the decision, and a real pytest run of one
browser test in a subprocess with Chromium pointed at a path that does not exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests import browser_gate

ONE_BROWSER_TEST = (
    "tests/web/test_browser.py::test_sign_in_refuses_a_wrong_password_then_lets_the_user_in"
)


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_the_decision(tmp_path: Path) -> None:
    chromium = _executable(tmp_path / "chromium")
    axe = tmp_path / "axe.min.js"
    axe.write_text("")
    assert browser_gate.decide(chromium, axe, {}).runs
    assert browser_gate.decide(chromium, axe, {"ROGATORY_REQUIRE_BROWSER": "1"}).runs
    nothing = browser_gate.decide(tmp_path / "none", tmp_path / "no-axe.js", {})
    assert not nothing.runs and not nothing.required
    assert nothing.message().startswith("browser tests SKIPPED: Chromium (")
    assert "apt-get install chromium npm" in nothing.message() and ".ci/run" in nothing.message()
    (tmp_path / "plain").write_text("")  # a file that is not executable is no browser
    assert not browser_gate.decide(tmp_path / "plain", axe, {}).runs
    required = browser_gate.decide(tmp_path / "none", axe, {"ROGATORY_REQUIRE_BROWSER": "1"})
    assert required.required and required.missing == (f"Chromium ({tmp_path / 'none'})",)
    assert required.message().startswith("ROGATORY_REQUIRE_BROWSER=1 but the browser tests")


def _pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != browser_gate.REQUIRE_ENV}
    environ.update(ROGATORY_CHROMIUM=str(tmp_path / "no-chromium"), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", ONE_BROWSER_TEST, "-p", "no:cacheprovider", "-n", "0"],
        cwd=browser_gate.ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_a_browser_the_tests_skip_with_one_loud_line(tmp_path: Path) -> None:
    run = _pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout
    loud = [line for line in run.stdout.splitlines() if "browser tests SKIPPED" in line]
    assert len(loud) == 1, run.stdout
    assert loud[0].startswith(f"1 browser tests SKIPPED: Chromium ({tmp_path / 'no-chromium'})")


def test_without_a_browser_a_required_run_fails(tmp_path: Path) -> None:
    run = _pytest(tmp_path, ROGATORY_REQUIRE_BROWSER="1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "skipped" not in run.stdout and "browser tests SKIPPED" not in run.stdout
    assert "ROGATORY_REQUIRE_BROWSER=1 but the browser tests cannot run: Chromium (" in run.stdout
