"""`make setup`'s choice of the Python the venv is made from (Makefile: PYTHON_CANDIDATES, PYTHON), read from what
`make -n` would run for a venv that does not exist yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def venv_interpreter(tmp_path: Path, *variables: str) -> str:
    """The interpreter `make setup` would make a new venv with, given these make variables."""
    venv = tmp_path / "venv"
    planned = subprocess.run(["make", "-n", "-C", str(ROOT), "setup", f"VENV={venv}", *variables], check=True,
                             stdout=subprocess.PIPE, text=True).stdout.splitlines()
    for command in planned:
        if command.endswith(f" -m venv {venv}"):
            return command.removesuffix(f" -m venv {venv}")
    raise AssertionError(f"no venv command among {planned}")


@pytest.fixture
def unusable_interpreters(tmp_path) -> list[str]:
    """A path with no program, and a 'python' that fails the check as an old or venv-less Python does."""
    failing = tmp_path / "python-too-old"
    failing.write_text("#!/bin/sh\nexit 1\n")
    failing.chmod(0o755)
    return [str(tmp_path / "no-such-python"), str(failing)]


def test_the_first_usable_candidate_makes_the_venv(tmp_path, unusable_interpreters):
    candidates = " ".join([*unusable_interpreters, sys.executable])
    assert venv_interpreter(tmp_path, f"PYTHON_CANDIDATES={candidates}") == sys.executable


def test_without_a_usable_candidate_the_python3_on_path_makes_it(tmp_path, unusable_interpreters):
    assert venv_interpreter(tmp_path, f"PYTHON_CANDIDATES={' '.join(unusable_interpreters)}") == "python3"


def test_python_given_on_the_command_line_wins(tmp_path, unusable_interpreters):
    assert venv_interpreter(tmp_path, f"PYTHON={unusable_interpreters[1]}") == unusable_interpreters[1]


@pytest.mark.parametrize(("version", "chosen"), [((3, 10, 0), False), ((3, 11, 0), True), ((3, 13, 1), True)])
def test_the_check_wants_python_3_11_or_newer(tmp_path, version, chosen):
    """The candidate check itself, run by this Python pretending to be another version."""
    pretend = tmp_path / "python-pretending"
    pretend.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import sys; sys.version_info = {version}; "
                       "exec(sys.argv[1])' \"$2\"\n")  # the check runs as `candidate -c CODE`
    pretend.chmod(0o755)
    interpreter = venv_interpreter(tmp_path, f"PYTHON_CANDIDATES={pretend} {sys.executable}")
    assert interpreter == (str(pretend) if chosen else sys.executable)
