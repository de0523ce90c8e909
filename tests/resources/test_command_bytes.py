"""`Command.command_bytes`: a binary Command's bytes back, as they were sent."""

from __future__ import annotations

import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator

PAYLOAD = b"\x01\x02\xff\x00binary"


async def test_a_binary_command_comes_back_as_its_bytes(
    wireless_simulator: WirelessSimulator, wireless_client: tw.WirelessClient
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    sent = await wireless_client.commands.create(sim=sid, command=PAYLOAD)
    assert sent.command_mode == tw.CommandMode.BINARY
    assert sent.command != PAYLOAD.decode("latin-1")  # the API's base64 text
    fetched = await wireless_client.commands.fetch(sent.sid)
    assert fetched.command_bytes == PAYLOAD


async def test_a_text_command_gives_its_utf8_bytes(
    wireless_simulator: WirelessSimulator, wireless_client: tw.WirelessClient
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    sent = await wireless_client.commands.create(sim=sid, command="réveil")
    assert sent.command_bytes == "réveil".encode()


def test_binary_text_that_is_not_base64_is_a_clear_error() -> None:
    command = tw.Command.from_dict(
        {
            "sid": "DC" + "0" * 32,
            "account_sid": "AC" + "0" * 32,
            "sim_sid": "DE" + "0" * 32,
            "command": "not base64!",
            "command_mode": "binary",
            "url": "https://wireless.twilio.com/v1/Commands/DC" + "0" * 32,
            "date_created": "2024-01-01T00:00:00Z",
        }
    )
    with pytest.raises(ValueError, match="not base64"):
        command.command_bytes  # noqa: B018
    missing = tw.Command.from_dict({**command.to_dict(), "command": None})
    assert missing.command_bytes is None
