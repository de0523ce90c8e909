"""The pytest plugin in a user's project: plain `pytest`, no configuration at all.

Each case writes a user's test module to a temp directory and runs pytest there in a
subprocess with an empty pytest.ini (`-c`) and `--rootdir` that directory, so this
project's `asyncio_mode = "auto"` and `filterwarnings = error` do not apply.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio
import pytest

from ._plain import copy_gateway_tests, plain_pytest

BACKENDS = len(anyio.get_available_backends())  # anyio runs marked tests on each

USER_TESTS = """
import anyio
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator
from twilio_wireless.testing import FakeClock

{marker}


async def test_a_202_change_settles_in_simulated_time(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    wireless_clock: FakeClock,
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    with anyio.fail_after(10):  # real seconds; the change takes ~2 simulated ones
        sim = await wireless_client.sims.update(sid, status="suspended")
    assert sim.status == "suspended"
    assert wireless_clock.sleeps  # it polled, on the fake clock
    # One clock: the client's time is the simulator's.
    assert wireless_clock() == wireless_simulator.manual_clock.monotonic() >= 1.6


async def test_advancing_the_simulator_moves_the_clients_clock(
    wireless_simulator: WirelessSimulator, wireless_clock: FakeClock
) -> None:
    before = wireless_clock()
    await wireless_simulator.advance(10)
    assert wireless_clock() == before + 10


async def test_retry_waits_with_the_default_jitter(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    wireless_clock: FakeClock,
) -> None:
    wireless_simulator.faults.add("FetchSim", "503", times=2)
    await wireless_client.sims.fetch(wireless_simulator.sim_sids()[0])
    # Full jitter: each wait is anywhere from 0 to the backoff (0.5 s, then 1 s).
    assert len(wireless_clock.sleeps) == 2
    assert 0 <= wireless_clock.sleeps[0] <= 0.5
    assert 0 <= wireless_clock.sleeps[1] <= 1.0


async def test_retry_waits_with_a_pinned_jitter(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    wireless_clock: FakeClock,
) -> None:
    client = wireless_client.with_options(retry=tw.RetryPolicy(jitter=lambda backoff: backoff))
    wireless_simulator.faults.add("FetchSim", "503", times=2)
    await client.sims.fetch(wireless_simulator.sim_sids()[0])
    assert wireless_clock.sleeps == [0.5, 1.0]


class TestAChangeThatTakesAnHour:
    @pytest.fixture
    def wireless_simulator_config(self):
        from twilio_wireless.simulator import CallbackCapture, ManualClock, SimulatorConfig

        return SimulatorConfig(
            sims=5,
            status_mix={{"active": 1}},
            clock=ManualClock(),
            callback_transport=CallbackCapture(),
            status_delays={{"suspended": 3600.0, "active": 3600.0}},
            jitter=0.0,
        )

    async def test_waits_it_out_in_no_real_time(
        self,
        wireless_client: tw.WirelessClient,
        wireless_simulator: WirelessSimulator,
        wireless_clock: FakeClock,
    ) -> None:
        sid = wireless_simulator.sim_sids()[0]
        with anyio.fail_after(10):
            change = await wireless_client.sims.begin_update(sid, status="suspended")
            sim = await change.wait(timeout=7200)
            with pytest.raises(tw.PollTimeoutError):  # and a deadline runs out likewise
                await wireless_client.sims.update(sid, status="active")
        assert sim.status == "suspended"
        assert wireless_clock() >= 3600 + 300
"""
TESTS = 5


def write_user_tests(directory: Path, marker: str, name: str = "test_user.py") -> None:
    (directory / name).write_text(USER_TESTS.format(marker=marker))


def assert_passed(result: subprocess.CompletedProcess[str], count: int) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"{count} passed" in result.stdout, output
    # Nothing about our fixtures (e.g. pytest-asyncio's "async @pytest.fixture in strict mode").
    assert "warnings summary" not in result.stdout, output


@pytest.mark.parametrize(
    "plugins", [[], ["-p", "no:asyncio"]], ids=["with-pytest-asyncio", "anyio-only"]
)
def test_anyio_runs_the_fixtures_with_one_line(tmp_path: Path, plugins: list[str]) -> None:
    write_user_tests(tmp_path, "pytestmark = pytest.mark.anyio")
    assert_passed(plain_pytest(tmp_path, *plugins), TESTS * BACKENDS)


def test_pytest_asyncio_strict_mode_runs_the_fixtures_on_the_tests_loop(tmp_path: Path) -> None:
    write_user_tests(tmp_path, "pytestmark = pytest.mark.asyncio")
    write_user_tests(
        tmp_path, 'pytestmark = pytest.mark.asyncio(loop_scope="module")', "test_module_loop.py"
    )
    assert_passed(plain_pytest(tmp_path), 2 * TESTS)


def test_pytest_asyncio_auto_mode_needs_no_mark(tmp_path: Path) -> None:
    write_user_tests(tmp_path, "")
    assert_passed(plain_pytest(tmp_path, "-o", "asyncio_mode=auto"), TESTS)


def test_without_an_async_plugin_the_error_names_the_line_to_add(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        "def test_sync(wireless_simulator):\n    assert wireless_simulator.sim_sids()\n"
    )
    result = plain_pytest(tmp_path, "-p", "no:asyncio")
    assert result.returncode == 1
    assert "'wireless_simulator' is an async fixture of twilio-wireless" in result.stdout
    assert "pytestmark = pytest.mark.anyio" in result.stdout


def test_the_gateway_example_tests_pass_under_plain_pytest(tmp_path: Path) -> None:
    tests = copy_gateway_tests(tmp_path)
    result = plain_pytest(tmp_path, "test_gateway.py")
    assert tests >= 8
    assert_passed(result, tests * BACKENDS)
