"""The floor: a minimal hand-written asyncio HTTP/1.1 client.

Keep-alive connections in a pool of 50, Content-Length framing, json.loads. No chunked
encoding, no redirects, no timeouts, no error mapping: what is left is the unavoidable cost
of asyncio streams plus JSON, the least any client can spend per request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode, urlsplit

from ._base import BASIC_AUTH, POOL_SIZE, BenchClient, path_of


class Client(BenchClient):
    name = "floor"

    async def open(self) -> None:
        url = urlsplit(self.base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.head = (
            f"Host: {url.netloc}\r\nAuthorization: {BASIC_AUTH}\r\n"
            "Accept: application/json\r\nUser-Agent: floor/1\r\n"
        ).encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(POOL_SIZE)

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()

    @staticmethod
    def sid_of(sim: Any) -> str:
        return str(sim["sid"])

    @staticmethod
    def status_of(sim: Any) -> str:
        return str(sim["status"])

    async def request(self, method: str, path: str, body: bytes = b"") -> Any:
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self.head
        if body:
            head += (
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: %d\r\n" % len(body)
            )
        async with self.slots:
            if self.idle:
                reader, writer = self.idle.pop()
            else:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            try:
                writer.write(head + b"\r\n" + body)
                response_head = await reader.readuntil(b"\r\n\r\n")
                status = int(response_head[9:12])
                length = 0
                for line in response_head.split(b"\r\n")[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                        break
                data = await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            self.idle.append((reader, writer))
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path}: HTTP {status}")
        return json.loads(data)

    async def fetch(self, sid: str) -> Any:
        return await self.request("GET", f"/v1/Sims/{sid}")

    async def stream(self, page_size: int) -> AsyncIterator[Any]:
        path: str | None = f"/v1/Sims?PageSize={page_size}"
        while path:
            page = await self.request("GET", path)
            for sim in page["sims"]:
                yield sim
            next_url = page["meta"]["next_page_url"]
            path = path_of(next_url) if next_url else None

    async def update_status(self, sid: str, status: str) -> Any:
        body = urlencode({"Status": status}).encode()
        return await self.request("POST", f"/v1/Sims/{sid}", body)
