"""Pytest fixtures for testing code that uses twilio_wireless against the simulator.

Registered through the `pytest11` entry point, so installing the package is enough. The
async fixtures need no configuration: they run on the event loop of the test that uses
them, whichever plugin runs it: anyio's (installed with the SDK; mark the test
`@pytest.mark.anyio`), pytest-asyncio's in its default strict mode (`@pytest.mark.asyncio`)
or auto mode (no mark):

    import pytest

    pytestmark = pytest.mark.anyio

    async def test_suspend(wireless_client, wireless_simulator):
        sid = wireless_simulator.sim_sids("active")[0]
        sim = await wireless_client.sims.update(sid, status="suspended", wait=False)
        assert sim.status == "updating"  # 202 Accepted
        await wireless_simulator.advance(10)
        assert (await wireless_client.sims.fetch(sid)).status == "suspended"

Fixtures:
    wireless_simulator_config: the `SimulatorConfig` used (50 SIMs, seed 0, a
        `ManualClock`, callbacks captured in-process); override it to change them.
    wireless_simulator: a fresh `WirelessSimulator` per test, closed after it.
    wireless_client: a `twilio_wireless.WirelessClient` wired to it in-process, closed
        after the test. With the manual clock, the client waits on a `FakeClock` that *is*
        the simulator's clock (it reads the `ManualClock`, and each wait advances it):
        retry backoff and 202 polling take no real time, a SIM change settles while
        `sims.update()` polls, and advancing the simulator moves the client's time too.
    wireless_clock: that `FakeClock`; `wireless_clock.sleeps` lists every wait.
    wireless_httpx_client: a `WirelessClient` over a fresh `httpx.AsyncClient`, for tests
        that mock HTTP themselves with pytest-httpx or respx (they intercept httpx, not the
        SDK's own aiohttp pool); test credentials, base URL `https://wireless.test`, a
        `FakeClock`.

This module imports nothing heavy at collection time: the simulator and the SDK client
are imported when a fixture is first used. It lives beside the testing helpers because it
builds clients; the simulator itself never imports the SDK client.
"""

from __future__ import annotations

import types
from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import twilio_wireless
    from twilio_wireless.simulator import ManualClock, SimulatorConfig, WirelessSimulator

    from ._clock import FakeClock

SIMULATOR_BASE_URL = "http://wireless.simulator"
MOCKED_BASE_URL = "https://wireless.test"

_ASYNC_FIXTURE = "_twilio_wireless_async_fixture"

NO_RUNNER_HINT = """\
{fixture!r} is an async fixture of twilio-wireless and {test!r} is not run by an async \
plugin. Add one line to the test module:

    pytestmark = pytest.mark.anyio      # anyio's plugin, installed with twilio-wireless

or, with pytest-asyncio installed, `pytestmark = pytest.mark.asyncio` (or set \
asyncio_mode = "auto" in your pytest configuration)."""


def _async_fixture(function: Callable[..., Any]) -> Any:
    """An async fixture whose runner is chosen per test (see `pytest_fixture_setup`).

    Marked for pytest-asyncio when it is installed, so that its strict mode neither skips
    nor warns about it; `pytest_fixture_setup` hands it to anyio or pytest-trio instead
    when they run the test.
    """
    setattr(function, _ASYNC_FIXTURE, True)
    try:
        import pytest_asyncio
    except ImportError:
        return pytest.fixture(function)
    return pytest_asyncio.fixture(function)


def _copy(function: Callable[..., Any]) -> types.FunctionType:
    """A new, unmarked function object with the same code (an async generator function)."""
    assert isinstance(function, types.FunctionType)
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__module__ = function.__module__
    return copy


def _run_by_pytest_asyncio(request: pytest.FixtureRequest) -> bool:
    """Whether pytest-asyncio runs the requesting test (strict mode: marked; auto: any)."""
    if not request.config.pluginmanager.has_plugin("asyncio"):
        return False
    import pytest_asyncio

    is_async_test = getattr(pytest_asyncio, "is_async_test", None)
    if is_async_test is None:  # an old pytest-asyncio
        return request.node.get_closest_marker("asyncio") is not None
    return bool(is_async_test(request.node))


def _test_loop_scope(request: pytest.FixtureRequest) -> str:
    """The scope of the loop pytest-asyncio runs the requesting test on."""
    marker = request.node.get_closest_marker("asyncio")
    scope = marker.kwargs.get("loop_scope") if marker is not None else None
    if scope is None:
        try:
            scope = request.config.getini("asyncio_default_test_loop_scope")
        except ValueError:  # a pytest-asyncio without that option
            scope = None
    return str(scope or "function")


def _on_loop_scope(function: Callable[..., Any], loop_scope: str) -> types.FunctionType:
    """A copy of `function` that pytest-asyncio runs on the loop of `loop_scope`."""
    import pytest_asyncio

    copy = _copy(function)
    try:
        pytest_asyncio.fixture(copy, loop_scope=loop_scope)  # type: ignore[call-overload]
    except TypeError:  # pytest-asyncio < 0.24: no loop scopes, one loop per test
        pytest_asyncio.fixture(copy)
    return copy


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    """Run our async fixtures on the loop of the test that requests them.

    Outermost (tryfirst), so the choice is made before pytest-asyncio and anyio look:

    - a test pytest-asyncio runs (marked `asyncio`, or any async test in auto mode): the
      fixture runs on pytest-asyncio's loop for that test's loop scope;
    - a test anyio runs (it uses `anyio_backend`) or pytest-trio runs: the fixture is
      handed over unmarked, as a plain async generator function, and that plugin runs it
      on the test's own runner (asyncio or trio);
    - a sync test: pytest-asyncio runs the fixture if it is installed;
    - with no plugin to run it, pytest's error gets a hint naming the line to add.
    """
    function = fixturedef.func
    if not getattr(function, _ASYNC_FIXTURE, False):
        return (yield)
    if _run_by_pytest_asyncio(request):
        replacement: Callable[..., Any] | None = _on_loop_scope(function, _test_loop_scope(request))
    elif "anyio_backend" in request.fixturenames or request.node.get_closest_marker("trio"):
        replacement = _copy(function)
    else:
        replacement = None
    if replacement is not None:
        fixturedef.func = replacement  # type: ignore[misc]  # restored below
        try:
            return (yield)
        finally:
            fixturedef.func = function  # type: ignore[misc]
    try:
        return (yield)
    except pytest.fail.Exception as error:
        if "requested an async fixture" not in str(error):
            raise
        hint = NO_RUNNER_HINT.format(fixture=fixturedef.argname, test=request.node.name)
        pytest.fail(hint, pytrace=False)


@pytest.fixture
def wireless_simulator_config() -> SimulatorConfig:
    """The simulator's configuration; override this fixture to seed something else."""
    from twilio_wireless.simulator import CallbackCapture, ManualClock, SimulatorConfig

    return SimulatorConfig(
        sims=50, seed=0, clock=ManualClock(), callback_transport=CallbackCapture()
    )


@_async_fixture
async def wireless_simulator(
    wireless_simulator_config: SimulatorConfig,
) -> AsyncIterator[WirelessSimulator]:
    """A fresh simulator (manual clock) per test: seed, inject faults, advance, inspect."""
    from twilio_wireless.simulator import WirelessSimulator

    simulator = WirelessSimulator(wireless_simulator_config)
    try:
        yield simulator
    finally:
        await simulator.aclose()


def _simulator_fake_clock(manual: ManualClock) -> FakeClock:
    """A FakeClock that is `manual`: it reads it, and its waits and `advance()` move it.

    Advancing `manual` directly (`await simulator.advance(10)`) moves this clock too, so
    the client's deadlines and the simulator's delays are measured on one clock.
    """
    from ._clock import FakeClock

    class SimulatorFakeClock(FakeClock):
        @property
        def now(self) -> float:
            return manual.monotonic()

        @now.setter
        def now(self, value: float) -> None:
            ahead = value - manual.monotonic()
            if ahead < 0:
                raise ValueError("a FakeClock cannot move back")
            if ahead:
                manual.advance(ahead)

        def advance(self, seconds: float) -> None:
            manual.advance(seconds)  # settles what is due and starts its callbacks

    return SimulatorFakeClock(start=manual.monotonic())


@_async_fixture
async def wireless_client(
    wireless_simulator: WirelessSimulator,
) -> AsyncIterator[twilio_wireless.WirelessClient]:
    """An SDK client talking to `wireless_simulator` in-process."""
    import twilio_wireless
    from twilio_wireless.simulator import ManualClock

    simulator_clock = wireless_simulator.clock
    fake_clock = None
    if isinstance(simulator_clock, ManualClock):
        fake_clock = _simulator_fake_clock(simulator_clock)
    http_client = wireless_simulator.http_client(SIMULATOR_BASE_URL)
    client = twilio_wireless.WirelessClient(
        wireless_simulator.account_sid,
        wireless_simulator.auth_token,
        base_url=SIMULATOR_BASE_URL,
        http_client=http_client,
        clock=fake_clock,
    )
    try:
        yield client
    finally:
        await client.aclose()
        await http_client.aclose()


@pytest.fixture
def wireless_clock(wireless_client: twilio_wireless.WirelessClient) -> FakeClock:
    """The `FakeClock` `wireless_client` waits on (the simulator's manual clock)."""
    from ._clock import FakeClock

    clock = wireless_client.clock
    if not isinstance(clock, FakeClock):
        pytest.fail(
            "wireless_clock: the simulator runs on the real clock (wireless_simulator_config "
            "has no ManualClock), so wireless_client waits in real time",
            pytrace=False,
        )
    return clock


@_async_fixture
async def wireless_httpx_client() -> AsyncIterator[twilio_wireless.WirelessClient]:
    """A client over an httpx.AsyncClient, which pytest-httpx and respx intercept."""
    import httpx

    import twilio_wireless

    from ._clock import FakeClock

    async with (
        httpx.AsyncClient() as http_client,
        twilio_wireless.WirelessClient(
            "AC" + "0" * 32,
            "test-token",
            base_url=MOCKED_BASE_URL,
            http_client=http_client,
            clock=FakeClock(),
        ) as client,
    ):
        yield client
