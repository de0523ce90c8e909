"""Running things as a user would: scripts as programs, tests under plain pytest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def user_env() -> dict[str, str]:
    """The environment without Twilio credentials or pytest settings of ours."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "PYTEST_")) and name != "WIRELESS_BASE_URL"
    }


def run_as_user(
    command: list[str], *, timeout: float, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`command` in the user's environment, its output captured, bounded in time."""
    return subprocess.run(
        command,
        cwd=cwd,
        env=user_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_example(
    name: str, *args: str, cwd: Path, timeout: float = 60, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """`python examples/<name> args...`, bounded in time."""
    return run_as_user([python, str(EXAMPLES / name), *args], cwd=cwd, timeout=timeout)


def copy_gateway_tests(directory: Path) -> int:
    """Copy examples/gateway.py and its tests into `directory`; how many tests there are."""
    for name in ("gateway.py", "test_gateway.py"):
        shutil.copy(EXAMPLES / name, directory / name)
    return (EXAMPLES / "test_gateway.py").read_text().count("\nasync def test_")


def plain_pytest(
    directory: Path, *args: str, timeout: float = 120, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """pytest in `directory` with an empty configuration file: none of this project's
    settings (asyncio_mode = "auto", filterwarnings...) apply, only installed plugins."""
    config = directory / "pytest.ini"
    config.write_text("")
    return run_as_user(
        [
            python,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            # Two heavy plugins of this project's dev tools, unrelated to ours: ~3 s a run.
            "-p",
            "no:schemathesis",
            "-p",
            "no:hypothesispytest",
            "-c",
            str(config),
            "--rootdir",
            str(directory),
            "-q",
            "-rA",
            *args,
        ],
        cwd=directory,
        timeout=timeout,
    )
