"""The pytest plugin: registered by entry point, cheap to load, fixtures wired up."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import (
    CallbackCapture,
    ManualClock,
    SimulatorConfig,
    WirelessSimulator,
)


def test_plugin_is_registered_by_entry_point(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("twilio_wireless")
    assert plugin is not None
    assert plugin.__name__ == "twilio_wireless.simulator._pytest_plugin"


async def test_fixtures_are_wired_together(
    wireless_simulator: WirelessSimulator, wireless_client: tw.WirelessClient
) -> None:
    assert isinstance(wireless_simulator.clock, ManualClock)
    assert isinstance(wireless_simulator.config.callback_transport, CallbackCapture)
    assert wireless_client.base_url == "http://wireless.simulator"
    assert wireless_client.http_client is not None
    sims = await wireless_client.sims.list().to_list()
    assert len(sims) == 50
    assert [r.operation for r in wireless_simulator.requests] == ["ListSim"]
    assert "authorization" not in wireless_simulator.requests[0].headers
    assert wireless_simulator.requests[0].headers["user-agent"].startswith("twilio-wireless/")


class TestOverridingTheConfig:
    @pytest.fixture
    def wireless_simulator_config(self) -> SimulatorConfig:
        return SimulatorConfig(sims=3, seed=9, clock=ManualClock(), status_mix={"ready": 1})

    async def test_override_is_used(
        self, wireless_simulator: WirelessSimulator, wireless_client: tw.WirelessClient
    ) -> None:
        sims = await wireless_client.sims.list().to_list()
        assert [s.status for s in sims] == ["ready"] * 3
        assert wireless_simulator.config.seed == 9


def _python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_simulator_does_not_import_uvicorn() -> None:
    out = _python(
        "import sys, twilio_wireless.simulator as s; "
        "s.WirelessSimulator(sims=5); print('uvicorn' in sys.modules)"
    )
    assert out.strip() == "False"


def test_loading_the_plugin_does_not_load_the_simulator() -> None:
    """Every pytest run of a project that installs us loads the plugin: keep it cheap."""
    out = _python(
        "import sys, twilio_wireless.simulator._pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.startswith('twilio_wireless.simulator.')))"
    )
    assert out.strip() == "['twilio_wireless.simulator._pytest_plugin']"


def test_the_simulator_core_never_imports_the_sdk_client() -> None:
    package = Path(__file__).parents[2] / "src" / "twilio_wireless" / "simulator"
    for module in package.glob("*.py"):
        if module.name == "_pytest_plugin.py":
            continue  # the bridge between the two
        text = module.read_text()
        assert "from twilio_wireless import" not in text, module
        assert "import twilio_wireless\n" not in text, module
        assert "from .. import" not in text, module
        assert "from .._" not in text, module


def test_the_fixtures_work_in_a_project_of_their_own(tmp_path: Path) -> None:
    """A user's project (pytest-asyncio in strict mode) gets the fixtures by installing us."""
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.asyncio
            async def test_suspend(wireless_client, wireless_simulator):
                sid = wireless_simulator.sim_sids("active")[0]
                sim = await wireless_client.sims.update(sid, status="suspended")
                assert sim.status == "suspended"
                wireless_simulator.faults.add("FetchSim", 503, times=None)
                import twilio_wireless as tw
                with pytest.raises(tw.ServerError):
                    await wireless_client.sims.fetch(sid)
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
