"""Shared helpers of the pytest suite. ctest runs it with PYTHONPATH=build/python and sets RORO_CLI
to build/bin/roro; run by hand from the repository root with
    PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python
"""

import os
import subprocess

import pytest

REPO = os.environ.get("RORO_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("RORO_BUILD_DIR", os.path.join(REPO, "build"))
CLI = os.environ.get("RORO_CLI", os.path.join(BUILD, "bin", "roro"))


class CliResult:
    def __init__(self, completed):
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr


def run_cli(*args, cwd=None, check=True):
    """Runs build/bin/roro; with check, a nonzero exit fails the test with its stderr."""
    completed = subprocess.run([CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and completed.returncode != 0:
        pytest.fail(f"roro {' '.join(map(str, args))} exited {completed.returncode}:\n{completed.stderr}")
    return CliResult(completed)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture
def cli():
    if not os.path.exists(CLI):
        pytest.fail(f"the roro CLI is not built at {CLI} (cmake --build build --target roro_cli)")
    return run_cli
