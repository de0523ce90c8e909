"""The examples against the built wheel, in a fresh venv that has only it and pytest.

This proves what a newcomer gets from `pip install twilio-wireless pytest`: the wheel's
declared dependencies are enough for every example, the pytest plugin is registered by
the wheel's entry point, and the README's plugin example and `examples/test_gateway.py`
pass under plain pytest (no configuration, no pytest-asyncio, no trio).

pip resolves the wheel's dependencies (and pytest) from PyPI, pinned to this project's
`constraints.txt` so that its cache serves them after the first run; that first run
downloads about 10 MB. Building the wheel and the venv takes a few seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from ._plain import ROOT, copy_gateway_tests, plain_pytest, run_as_user, run_example

README_EXAMPLE = Path(__file__).parent / "test_plugin_example.py"  # the README's, verbatim


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv with the wheel built from this tree, pytest, and nothing else of ours."""
    from hatchling.builders.wheel import WheelBuilder

    base = tmp_path_factory.mktemp("wheel")
    wheel = next(iter(WheelBuilder(str(ROOT)).build(directory=str(base), versions=["standard"])))
    # No pip of its own (faster): this interpreter's pip installs into it (`--python`).
    venv.create(base / "venv", with_pip=False)
    python = str(base / "venv" / "bin" / "python")
    install = run_as_user(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--constraint",
            str(ROOT / "constraints.txt"),
            wheel,
            "pytest",
        ],
        timeout=240,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return python


@pytest.mark.timeout(300)
def test_the_wheel_alone_runs_the_examples(fresh_python: str, tmp_path: Path) -> None:
    where = subprocess.run(
        [fresh_python, "-c", "import twilio_wireless as tw; print(tw.__file__)"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert Path(where).resolve().is_relative_to(Path(fresh_python).parents[1].resolve()), where
    freeze = subprocess.run(
        [sys.executable, "-m", "pip", "--python", fresh_python, "list", "--format=freeze"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.lower()
    for absent in ("pytest-asyncio", "trio=", "uvicorn"):
        assert absent not in freeze, freeze

    # The pytest files, under plain pytest: the README's plugin example and test_gateway.py.
    tests = tmp_path / "tests"
    tests.mkdir()
    shutil.copy(README_EXAMPLE, tests / "test_readme_plugin_example.py")
    expected = 1 + copy_gateway_tests(tests)
    result = plain_pytest(tests, python=fresh_python)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{expected} passed" in result.stdout, result.stdout

    # The scripts, each against the simulator, short.
    runs = {
        "demo.py": ["--sims", "100", "--settle", "0.05"],
        "gateway.py": ["--iterations", "6", "--interval", "0.2"],
        "fleet_activation.py": ["--sims", "40"],
        "usage_report.py": [str(tmp_path / "usage.csv"), "--sims", "20", "--days", "2"],
    }
    for script, args in runs.items():
        ran = run_example(script, *args, cwd=tmp_path, python=fresh_python)
        assert ran.returncode == 0, f"{script}:\n{ran.stdout}{ran.stderr}"
    assert (tmp_path / "usage.csv").read_text().startswith("scope,sim_sid,")
