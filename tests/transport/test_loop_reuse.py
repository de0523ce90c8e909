"""One WirelessClient used across several `asyncio.run()` calls leaks no sockets."""

from __future__ import annotations

import asyncio
import gc
import os
import warnings

import pytest

import twilio_wireless as tw

from .conftest import MisbehavingServer


def client_sockets_to(port: int) -> int:
    """Open file descriptors of this process that are TCP connections to 127.0.0.1:`port`
    (the client's ends only: the server, in a thread here, has the other ends)."""
    inodes: set[str] = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table) as lines:
                next(lines)
                for line in lines:
                    fields = line.split()
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    if remote_port == port and fields[3] == "01":  # ESTABLISHED
                        inodes.add(fields[9])
        except FileNotFoundError:
            continue
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile (e.g. the listing's own descriptor)
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_a_second_asyncio_run_closes_the_first_loops_connections(
    threaded_server: MisbehavingServer,
) -> None:
    client = tw.WirelessClient("AC" + "0" * 32, "token", base_url=threaded_server.url, timeout=5.0)

    async def request() -> None:
        # The server echoes the request: a 200 that is not a Sim, after a whole exchange
        # on a keep-alive connection that stays in the pool.
        with pytest.raises(tw.APIError):
            await client.sims.fetch("DE" + "a" * 32)

    before = client_sockets_to(threaded_server.port)
    open_after: list[int] = []
    with warnings.catch_warnings():
        # A leaked socket is reclaimed by the garbage collector with a ResourceWarning;
        # what is asserted is that none is left for it.
        warnings.simplefilter("ignore", ResourceWarning)
        for _ in range(2):
            asyncio.run(request())
            # That loop is closed: no connection of it can ever be used again.
            open_after.append(client_sockets_to(threaded_server.port))
        asyncio.run(client.aclose())
        open_after.append(client_sockets_to(threaded_server.port))
        gc.collect()
    assert threaded_server.connections == 2  # one per loop: each exchange happened
    assert open_after == [before, before, before]
