"""The pytest plugin: registered by entry point, cheap to load, fixtures wired up."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless.simulator import (
    CallbackCapture,
    ManualClock,
    SimulatorConfig,
    WirelessSimulator,
)

from .. import bodies


def test_plugin_is_registered_by_entry_point(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("twilio_wireless")
    assert plugin is not None
    assert plugin.__name__ == "twilio_wireless.testing._pytest_plugin"


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
        "import sys, twilio_wireless.testing._pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.startswith('twilio_wireless.simulator')"
        " or m in ('twilio_wireless._client', 'twilio_wireless._http', 'anyio')))"
    )
    assert out.strip() == "[]"


SIGNING = "twilio_wireless._signature"


def test_the_simulator_core_never_imports_the_sdk_client() -> None:
    package = Path(__file__).parents[2] / "src" / "twilio_wireless" / "simulator"
    for module in package.glob("*.py"):
        text = module.read_text()
        assert "from twilio_wireless import" not in text, module
        assert "import twilio_wireless\n" not in text, module
        assert "from .. import" not in text, module
        assert "from .._" not in text, module
        for node in ast.walk(ast.parse(text)):  # every import, also inside functions
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, (module, node.lineno)  # nothing from `..`
                names = [node.module or ""] if node.level == 0 else []
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                inside = name == "twilio_wireless" or name.startswith("twilio_wireless.")
                # _signature: the callback signing shared with the SDK's validator (stdlib only).
                allowed = name.startswith("twilio_wireless.simulator") or name == SIGNING
                assert not inside or allowed, (
                    module,
                    node.lineno,
                    name,
                )


def test_importing_and_running_the_simulator_loads_nothing_of_the_client() -> None:
    """The simulator speaks HTTP only: no client, request path or testing helpers."""
    out = _python(
        "import sys, asyncio, twilio_wireless.simulator as s\n"
        "async def main():\n"
        "    async with s.WirelessSimulator(sims=5) as sim, sim.http_client() as http:\n"
        "        r = await http.get('/v1/Sims', auth=(sim.account_sid, sim.auth_token))\n"
        "        assert r.status_code == 200, r.text\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.startswith('twilio_wireless')"
        " and not m.startswith(('twilio_wireless.simulator', 'twilio_wireless_openapi'))))"
    )
    assert out.strip() == f"['twilio_wireless', '{SIGNING}', 'twilio_wireless._version']"


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


async def test_the_httpx_client_fixture_is_intercepted_by_pytest_httpx(
    wireless_httpx_client: tw.WirelessClient, httpx_mock: HTTPXMock
) -> None:
    sid = "DE" + "a" * 32
    httpx_mock.add_response(url=f"https://wireless.test/v1/Sims/{sid}", json=bodies.sim(sid))
    sim = await wireless_httpx_client.sims.fetch(sid)
    assert sim.sid == sid
    assert len(httpx_mock.get_requests()) == 1
    assert wireless_httpx_client.http_client is not None
