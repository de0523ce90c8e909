"""Cold start: the default request path imports only what its first request needs.

Checked in a fresh interpreter: build a client and fetch one SIM from a local server on
127.0.0.1 (a minimal HTTP/1.1 responder, bounded in time), then look at what got loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys

    BODY = json.dumps({
        "sid": "DE" + "a" * 32, "account_sid": "AC" + "0" * 32,
        "url": "http://127.0.0.1/v1/Sims/x", "date_created": "2026-11-01T00:00:00Z",
        "status": "active",
    }).encode()

    async def answer(reader, writer):
        while (await reader.readline()) not in (b"\\r\\n", b""):
            pass
        writer.write(
            b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
            b"Content-Length: %d\\r\\n\\r\\n%s" % (len(BODY), BODY)
        )
        await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        import twilio_wireless as tw

        async with tw.WirelessClient(
            "AC" + "0" * 32, "token", base_url=f"http://127.0.0.1:{port}"
        ) as client:
            sim = await asyncio.wait_for(client.sims.fetch("DE" + "a" * 32), 30)
        server.close()
        loaded = sorted(sys.modules)
        print(json.dumps({
            "status": str(sim.status),
            "httpx": "httpx" in sys.modules,
            "models": [m for m in loaded if m.startswith("twilio_wireless_openapi.models.")],
            "resources": [m for m in loaded if m.startswith("twilio_wireless._resources.")],
        }))

    asyncio.run(main())
    """
)


def test_a_first_fetch_loads_neither_httpx_nor_other_resources() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["status"] == "active"
    assert loaded["httpx"] is False
    assert loaded["resources"] == [
        "twilio_wireless._resources._base",
        "twilio_wireless._resources._sims",
    ]
    # The SIM model and what it refers to, not every model of the spec.
    assert "twilio_wireless_openapi.models.sim" in loaded["models"]
    assert "twilio_wireless_openapi.models.command" not in loaded["models"]
    assert "twilio_wireless_openapi.models.rate_plan" not in loaded["models"]
