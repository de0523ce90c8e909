"""A deliberately misbehaving HTTP/1.1 server on 127.0.0.1 for transport tests."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import socket
import struct
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio

# Upper bound for anything the server waits on, so a confused test can never hang the run.
SERVER_IO_TIMEOUT = 3.0
STALL_SECONDS = 1.0
GZIP_PAYLOAD = b'{"compressed": true}' * 10
CHUNKS = [b"alpha-", b"beta-", b"gamma"]
STREAM_CHUNK = b"x" * 1000
STREAM_CHUNK_COUNT = 20


ENDLESS_CHUNK = b"y" * 65536
ENDLESS_MAX_CHUNKS = 4096  # 256 MiB at most, if a client never stops reading
BOMB_INFLATED = 64 * 1024 * 1024
DRIP_BYTES = 40
DRIP_INTERVAL = 0.1


@functools.cache
def gzip_bomb() -> bytes:
    """~64 KB of gzip that inflates to 64 MiB."""
    return gzip.compress(b"0" * BOMB_INFLATED, compresslevel=9)


@dataclass
class Received:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class MisbehavingServer:
    host: str = "127.0.0.1"
    port: int = 0
    connections: int = 0
    requests: list[Received] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    request_seen: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connect, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=SERVER_IO_TIMEOUT)
        if self._server is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), SERVER_IO_TIMEOUT)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1
        try:
            while True:
                received = await asyncio.wait_for(_read_request(reader), SERVER_IO_TIMEOUT)
                if received is None:
                    break
                self.requests.append(received)
                self.request_seen.set()
                if not await self._respond(received, writer):
                    break
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:
            # Our own shutdown; finishing normally keeps asyncio.streams from logging it.
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.close()

    async def _respond(self, req: Received, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; return whether the connection stays open."""
        path = req.target.split("?", 1)[0]
        if path == "/close-before-response":
            return False
        if path == "/reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if path == "/garbage":
            writer.write(b"NOT HTTP\r\n\r\n")
            await writer.drain()
            return False
        if path == "/truncated":
            writer.write(_head(200, [("Content-Length", "100")]) + b"0123456789")
            await writer.drain()
            return False
        if path == "/slow-headers":
            await asyncio.sleep(STALL_SECONDS)
            writer.write(_head(200, [("Content-Length", "0")]))
            await writer.drain()
            return False
        if path == "/slow-body":
            writer.write(_head(200, [("Content-Length", "100")]) + b"0123456789")
            await writer.drain()
            await asyncio.sleep(STALL_SECONDS)
            return False
        if path == "/gzip":
            body = gzip.compress(GZIP_PAYLOAD)
            headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
            writer.write(_head(200, [*headers, ("Content-Length", str(len(body)))]) + body)
            await writer.drain()
            return True
        if path == "/chunked":
            await _chunked(writer, CHUNKS, end=True)
            return True
        if path == "/stream":
            await _chunked(writer, [STREAM_CHUNK] * STREAM_CHUNK_COUNT, end=True)
            return True
        if path == "/huge-length":
            # Announces 2 GB; a client must refuse it from the header alone.
            writer.write(_head(200, [("Content-Length", str(2 * 1024**3))]) + b"{")
            await writer.drain()
            await asyncio.sleep(STALL_SECONDS)
            return False
        if path == "/endless":
            # Chunked with no end (bounded here so the server stops by itself).
            await _chunked(writer, [ENDLESS_CHUNK] * ENDLESS_MAX_CHUNKS, end=False)
            return False
        if path == "/bomb":
            body = gzip_bomb()
            headers = [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]
            writer.write(_head(200, headers) + body)
            await writer.drain()
            return True
        if path == "/drip":
            writer.write(_head(200, [("Content-Length", str(DRIP_BYTES))]))
            for _ in range(DRIP_BYTES):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(DRIP_INTERVAL)
            return False
        if path == "/dup-headers":
            body = b"{}"
            headers = [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Dup", "one")]
            headers += [("X-Dup", "two"), ("Content-Length", str(len(body)))]
            writer.write(_head(200, headers, reason="Very OK") + body)
            await writer.drain()
            return True
        body = json.dumps(
            {
                "method": req.method,
                "target": req.target,
                "headers": req.headers,
                "body": req.body.decode("latin-1"),
            }
        ).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        writer.write(_head(200, headers) + (b"" if req.method == "HEAD" else body))
        await writer.drain()
        return True


async def _chunked(writer: asyncio.StreamWriter, chunks: list[bytes], *, end: bool) -> None:
    """A 200 with a chunked body of `chunks`, each flushed; `end`: the final empty chunk."""
    writer.write(_head(200, [("Transfer-Encoding", "chunked")]))
    for chunk in chunks:
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
    if end:
        writer.write(b"0\r\n\r\n")
        await writer.drain()


def _head(status: int, headers: list[tuple[str, str]], reason: str = "OK") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = [(k, v.strip()) for k, v in (line.split(":", 1) for line in lines[1:] if line)]
    lowered = {k.lower(): v for k, v in headers}
    body = b""
    if "content-length" in lowered:
        body = await reader.readexactly(int(lowered["content-length"]))
    elif lowered.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    return Received(method, target, headers, body)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[MisbehavingServer]:
    srv = MisbehavingServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
def threaded_server() -> Iterator[MisbehavingServer]:
    """The same server on its own asyncio loop in a thread, for tests not running asyncio."""
    srv = MisbehavingServer()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()

    async def main() -> None:
        await srv.start()
        ready.set()
        try:
            await asyncio.wait_for(stop.wait(), 10 * SERVER_IO_TIMEOUT)
        finally:
            await srv.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(SERVER_IO_TIMEOUT), "server thread did not start"
        yield srv
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(SERVER_IO_TIMEOUT * 2)
        if not thread.is_alive():
            loop.close()


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port with nothing listening on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port
