"""Helpers for testing code that uses WirelessClient: waits that take no time.

    from twilio_wireless.testing import FakeClock

    clock = FakeClock()
    client = tw.WirelessClient(..., clock=clock)  # backoff and 202 polling return at once
    ...
    assert clock.sleeps == [0.5, 1.0]

The pytest plugin here (registered by the package's `pytest11` entry point) provides the
`wireless_simulator` and `wireless_client` fixtures; the client waits on a FakeClock tied
to the simulator's own clock, so a SIM change "settles" while the client polls.
"""

from ._clock import FakeClock

__all__ = ["FakeClock"]
