"""How an answer leaves the app: whole, shaped by a fault, or not at all.

A fault may drop the connection before any byte (`drop`), send the headers and part of
the body then close (`truncate`), drip the body (`drip`), or send a synthetic body: an
oversized one, an endless one, or a gzip bomb. How that reaches the client depends on
who runs the app, which it learns from the ASGI scope's `extensions`:

- `SimulatorTransport` (in-process) advertises `LAZY_BODY`: the app hands it the body as
  an async iterator, pulled by the client's reads in the client's task, so a drip is
  timed by the client's read timeout, an endless body stops when the client closes the
  response, and a truncated body fails while it is read, as over a network.
- The server of `python -m twilio_wireless.simulator` (`build_server`) puts the
  connection's transport in `SERVER_TRANSPORT`: a drop closes it with no byte written,
  and a truncated body closes it after the bytes sent. A body is sent message by message
  and stops when the client disconnects.
- Any other ASGI runner gets the body message by message, and a drop raises
  `ConnectionDropped`: `httpx.ASGITransport` re-raises it (an `httpx.RemoteProtocolError`);
  a server answers 500 if no header went out yet, and closes the connection otherwise.
  `httpx.ASGITransport` buffers a body whole before answering: do not send it an
  `endless` body (it would never answer) or a huge one; use `SimulatorTransport`.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, MutableMapping
from typing import Any, Protocol

import anyio
import anyio.lowlevel
import httpx

from ._faults import Fault

__all__ = [
    "LAZY_BODY",
    "NO_RESPONSE",
    "SERVER_TRANSPORT",
    "ConnectionDropped",
    "close_connection",
    "fault_body",
    "send_shaped",
    "shaped_chunks",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

LAZY_BODY = "twilio_wireless.simulator.lazy_body"
SERVER_TRANSPORT = "twilio_wireless.simulator.transport"
# The messages httpcore and h11 raise for these failures over a real connection.
NO_RESPONSE = "Server disconnected without sending a response."
_INCOMPLETE = "peer closed connection without sending complete message body"
_BLOCK = 64 * 1024
_BOMB_BLOCK = 1 << 20
# How long a closed connection may take to be reported closed by the server.
_DISCONNECT_WAIT = 5.0
_PAD_HEAD = b'{"padding":"'
_PAD_TAIL = b'"}'
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no mtime, unknown OS

_JSON = (b"content-type", b"application/json")


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised by the in-process app to drop the connection: httpx sees a transport error."""


class _Closable(Protocol):
    def close(self) -> None: ...


def _extensions(scope: Scope) -> MutableMapping[str, Any]:
    found = scope.get("extensions")
    return found if isinstance(found, MutableMapping) else {}


def server_transport(scope: Scope) -> _Closable | None:
    """The connection's transport, if the server put it in the scope (`build_server`)."""
    found = _extensions(scope).get(SERVER_TRANSPORT)
    transport = found.get("transport") if isinstance(found, MutableMapping) else None
    return transport if callable(getattr(transport, "close", None)) else None


async def close_connection(scope: Scope, receive: Receive, message: str = NO_RESPONSE) -> None:
    """Close the client's connection where the answer stands (no byte more is sent)."""
    transport = server_transport(scope)
    if transport is None:
        raise ConnectionDropped(message)
    transport.close()
    # Return once the server has seen the connection go, so it neither answers 500 nor
    # reports an unfinished response.
    with anyio.move_on_after(_DISCONNECT_WAIT):
        while (await receive())["type"] != "http.disconnect":
            pass


# --- bodies -----------------------------------------------------------------------------


def json_padding(size: int | None) -> Iterator[bytes]:
    """`{"padding":"000..."}` in blocks, exactly `size` bytes (None: it never ends)."""
    if size is not None and size < len(_PAD_HEAD) + len(_PAD_TAIL):
        yield b" " * size
        return
    yield _PAD_HEAD
    block = b"0" * _BLOCK
    if size is None:
        while True:
            yield block
    fill = size - len(_PAD_HEAD) - len(_PAD_TAIL)
    whole, rest = divmod(fill, _BLOCK)
    for _ in range(whole):
        yield block
    yield b"0" * rest + _PAD_TAIL


@functools.cache
def _bomb_segments() -> tuple[bytes, bytes]:
    """The raw deflate of the padding's head, and of one block of zeros.

    Each ends with a full flush, which resets the compressor: the block's bytes are the
    same every time, so a bomb of any size is the head, that segment repeated, and a tail
    (compressing 1 GiB for real takes seconds; repeating 1 KiB does not).
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
    head = compressor.compress(_PAD_HEAD) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = b"0" * _BOMB_BLOCK
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert segment == again, "zlib's full flush no longer gives repeatable segments"
    return head, segment


def gzip_bomb(size: int) -> tuple[int, Iterator[bytes]]:
    """(compressed length, its blocks): gzip that inflates to `size` bytes of padding."""
    if size < len(_PAD_HEAD) + len(_PAD_TAIL) + _BOMB_BLOCK:
        content = b"".join(json_padding(size))
        compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16, 9)
        small = compressor.compress(content) + compressor.flush()
        return len(small), iter([small])
    head, segment = _bomb_segments()
    whole, rest = divmod(size - len(_PAD_HEAD) - len(_PAD_TAIL), _BOMB_BLOCK)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
    tail_content = b"0" * rest + _PAD_TAIL
    tail = compressor.compress(tail_content) + compressor.flush()
    length = len(_GZIP_HEADER) + len(head) + whole * len(segment) + len(tail) + 8

    def blocks() -> Iterator[bytes]:
        yield _GZIP_HEADER + head
        crc = zlib.crc32(_PAD_HEAD)
        zeros = b"0" * _BOMB_BLOCK
        batch = max(1, _BLOCK // len(segment))  # about 64 KiB of gzip per block sent
        done = 0
        while done < whole:
            count = min(batch, whole - done)
            for _ in range(count):
                crc = zlib.crc32(zeros, crc)
            done += count
            yield segment * count
        crc = zlib.crc32(tail_content, crc)
        yield tail + struct.pack("<II", crc, size & 0xFFFFFFFF)

    return length, blocks()


def fault_body(
    fault: Fault, body: bytes
) -> tuple[list[tuple[bytes, bytes]], int | None, int | None, Iterator[bytes]]:
    """The body a fault sends instead of `body`, if any.

    Returns (extra headers, declared Content-Length or None for chunked, total bytes that
    will be sent or None if endless, the blocks).
    """
    if fault.oversize is not None:
        declared = None if fault.chunked else fault.oversize
        return [_JSON], declared, fault.oversize, json_padding(fault.oversize)
    if fault.endless:
        return [_JSON], None, None, json_padding(None)
    if fault.bomb is not None:
        length, blocks = gzip_bomb(fault.bomb)
        return [_JSON, (b"content-encoding", b"gzip")], length, length, blocks
    return [], len(body), len(body), iter([body])


async def shaped_chunks(
    fault: Fault, blocks: Iterator[bytes], declared: int | None, total: int | None
) -> AsyncGenerator[bytes, None]:
    """The body as it is sent: dripped and cut short as `fault` says.

    A truncated body raises `ConnectionDropped` (with httpx's message) after the bytes it
    sends; `truncate` beyond the body still keeps its last byte back.
    """
    drip = fault.drip
    piece_size = fault.chunk
    cut: int | None = None
    if fault.truncate:
        cut = fault.truncate_at if fault.truncate_at is not None else (total or 0) // 2
        if total is not None:
            cut = min(cut, max(total - 1, 0)) if total else None
    sent = 0
    for block in blocks:
        pieces = (
            [block[i : i + piece_size] for i in range(0, len(block), piece_size)]
            if drip
            else [block]
        )
        for piece in pieces:
            if cut is not None and sent + len(piece) >= cut:
                piece = piece[: cut - sent]
                if piece:
                    if drip:
                        await anyio.sleep(drip)
                    yield piece
                sent += len(piece)
                detail = (
                    f"received {sent} bytes, expected {declared}"
                    if declared is not None
                    else "incomplete chunked read"
                )
                raise ConnectionDropped(f"{_INCOMPLETE} ({detail})")
            if drip:
                await anyio.sleep(drip)
            if piece:
                yield piece
            sent += len(piece)


async def send_shaped(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    chunks: AsyncGenerator[bytes, None],
) -> None:
    """Send the headers, then `chunks` as the runner allows (see the module docstring)."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if LAZY_BODY in _extensions(scope):
        await send({"type": LAZY_BODY, "body": chunks})
        return
    dropped: ConnectionDropped | None = None
    try:
        async with anyio.create_task_group() as group:
            # The body stops when the client goes away: an endless body included.
            group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
            try:
                async for chunk in chunks:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    # A server's send returns at once once the client is gone (uvicorn
                    # does): let the watcher run, or an endless body spins forever.
                    await anyio.lowlevel.checkpoint()
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except ConnectionDropped as exc:
                dropped = exc
            group.cancel_scope.cancel()
    finally:
        await chunks.aclose()
    if dropped is not None:
        await close_connection(scope, receive, str(dropped))


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
