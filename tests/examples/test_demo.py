"""The demo runs its whole workflow against the simulator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("twilio_wireless_demo", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_the_simulated_workflow_completes(demo: ModuleType) -> None:
    summary = await demo.run_simulated(sims=120, settle=0.01)
    steps = [name for name, _, _ in summary.rows]
    assert steps == [
        "fleet census (streamed)",
        "list ready SIMs",
        "activate batch (202 + wait)",
        "send text + binary Commands",
        "stream usage records",
        "rename a rate plan",
    ]
    assert sum(summary.facts["statuses"].values()) == 120
    assert summary.facts["activated"] == min(summary.facts["statuses"]["ready"], demo.BATCH_SIZE)
    assert summary.facts["commands"]["text"] == summary.facts["activated"]
    assert "Fleet (renamed)" in summary.rows[-1][1]
    assert "outcome" in summary.table()


def test_live_mode_refuses_to_run_without_credentials(
    demo: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(SystemExit, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        demo.main(["--live"])


def test_the_readme_shows_the_plugin_example_that_the_suite_runs() -> None:
    root = Path(__file__).resolve().parents[2]
    example = (root / "tests" / "examples" / "test_plugin_example.py").read_text()
    assert example in (root / "README.md").read_text()
