"""A lean Wireless v1 server for benchmarks: raw asyncio HTTP/1.1 keep-alive, prebuilt bytes.

Not the project's simulator: the simulator validates, routes and serialises every request
through a full ASGI stack, and its CPU cost per request would be of the same order as the
clients being measured. Here every SIM's JSON is built once at start-up, a fetch is a dict
lookup (cached response bytes) and a page is one slice of a prebuilt blob, so the server
spends a few tens of microseconds per request on its own core.

Endpoints (Twilio's wire format, form-encoded POST bodies, JSON responses):
    GET  /v1/Sims/{sid}
    GET  /v1/Sims?PageSize=&Page=&PageToken=     (absolute next_page_url on the request's Host)
    POST /v1/Sims/{sid}   Status=X -> 202, status "updating"; after --settle-ms GET shows X.
                          Any other update -> 200 with the SIM.
    GET  /_bench/stats    request counters and CPU time (polls are counted with them)

One listening port per fleet size (`--fleet 10000 --fleet 100000`); SIM i has the SID
DE{i:032x}. When ready, prints one JSON line: {"pid": ..., "ports": {"10000": port, ...}}.
Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from urllib.parse import parse_qsl

HOST = "127.0.0.1"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
RATE_PLAN_SID = "WP" + "fedcba9876543210" * 2
API = "https://wireless.twilio.com"
_STATUSES = ("active",) * 7 + ("ready", "suspended", "new")
MAX_BODY = 1 << 20
MAX_HEAD = 1 << 16

_REASONS = {200: b"OK", 202: b"Accepted", 400: b"Bad Request", 404: b"Not Found"}


def sim_sid(index: int) -> str:
    return f"DE{index:032x}"


def sim_json(index: int, status: str) -> bytes:
    """One SIM with every field of the spec's FetchSim example, realistic values."""
    sid = sim_sid(index)
    day = 1 + index % 28
    obj = {
        "account_sid": ACCOUNT_SID,
        "unique_name": f"fleet-device-{index:06d}",
        "commands_callback_method": "POST",
        "commands_callback_url": "https://iot.example.com/twilio/commands",
        "date_created": f"2024-03-{day:02d}T10:{index % 60:02d}:00Z",
        "date_updated": f"2025-01-{day:02d}T08:{index % 60:02d}:30Z",
        "friendly_name": f"Cold-chain tracker #{index}",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "https://iot.example.com/twilio/sms-fallback",
        "sms_method": "POST",
        "sms_url": "https://iot.example.com/twilio/sms",
        "voice_fallback_method": "POST",
        "voice_fallback_url": "https://iot.example.com/twilio/voice-fallback",
        "voice_method": "POST",
        "voice_url": "https://iot.example.com/twilio/voice",
        "links": {
            "data_sessions": f"{API}/v1/Sims/{sid}/DataSessions",
            "rate_plan": f"{API}/v1/RatePlans/{RATE_PLAN_SID}",
            "usage_records": f"{API}/v1/Sims/{sid}/UsageRecords",
        },
        "rate_plan_sid": RATE_PLAN_SID,
        "sid": sid,
        "iccid": f"89012608{index:011d}",
        "e_id": f"8904903200{index:022d}",
        "status": status,
        "reset_status": None,
        "url": f"{API}/v1/Sims/{sid}",
        "ip_address": f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}",
    }
    return json.dumps(obj, separators=(",", ":")).encode()


def response(status: int, body: bytes) -> bytes:
    return b"".join(
        (
            b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status]),
            b"Content-Type: application/json; charset=utf-8\r\n",
            b"Content-Length: %d\r\n\r\n" % len(body),
            body,
        )
    )


def error(status: int, code: int, message: str) -> bytes:
    body = {"code": code, "message": message, "more_info": "", "status": status}
    return response(status, json.dumps(body).encode())


class Fleet:
    """N SIMs: their JSON in one blob (pages are slices), pending status changes."""

    def __init__(self, size: int, settle: float) -> None:
        self.size = size
        self.settle = settle
        parts = [sim_json(i, _STATUSES[i % len(_STATUSES)]) for i in range(size)]
        self.offsets = [0]
        for part in parts:
            self.offsets.append(self.offsets[-1] + len(part) + 1)  # + the comma
        self.blob = b",".join(parts)
        del parts
        self.statuses: dict[int, str] = {}  # settled changes
        self.pending: dict[int, tuple[str, float]] = {}  # index -> (target, settles at)
        self.cache: dict[int, bytes] = {}  # index -> full GET response

    def sim_bytes(self, index: int) -> bytes:
        return self.blob[self.offsets[index] : self.offsets[index + 1] - 1]

    def get(self, index: int) -> bytes:
        pending = self.pending.get(index)
        if pending is not None:
            if time.monotonic() < pending[1]:
                return response(200, sim_json(index, "updating"))
            del self.pending[index]
            self.statuses[index] = pending[0]
            self.cache.pop(index, None)
        cached = self.cache.get(index)
        if cached is None:
            status = self.statuses.get(index)
            body = self.sim_bytes(index) if status is None else sim_json(index, status)
            if len(self.cache) > 50_000:
                self.cache.clear()
            cached = self.cache[index] = response(200, body)
        return cached

    def update(self, index: int, form: dict[str, str]) -> bytes:
        self.get(index)  # settle a change that is due
        target = form.get("Status")
        if target is None:
            return self.get(index)
        self.pending[index] = (target, time.monotonic() + self.settle)
        self.cache.pop(index, None)
        return response(202, sim_json(index, "updating"))

    def page(self, host: str, query: dict[str, str]) -> bytes:
        try:
            size = int(query.get("PageSize", "50"))
            number = int(query.get("Page", "0"))
        except ValueError:
            return error(400, 20001, "Invalid PageSize or Page")
        if not 1 <= size <= 1000 or number < 0:
            return error(400, 20001, "PageSize must be 1..1000")
        token = query.get("PageToken")
        if token is not None:
            index = _index(token[2:]) if token.startswith("PA") else None
            if index is None or index >= self.size:
                return error(400, 20001, "Invalid PageToken")
            start = index + 1
        else:
            start = number * size
        start = min(start, self.size)
        end = min(start + size, self.size)
        items = self.blob[self.offsets[start] : self.offsets[end] - 1] if end > start else b""
        base = f"http://{host}/v1/Sims?PageSize={size}"
        url = f"{base}&Page={number}" + (f"&PageToken={token}" if token else "")
        next_url = None
        if end < self.size:
            next_url = f"{base}&Page={number + 1}&PageToken=PA{sim_sid(end - 1)}"
        previous = f"{base}&Page={number - 1}" if number > 0 else None
        meta = {
            "first_page_url": f"{base}&Page=0",
            "key": "sims",
            "next_page_url": next_url,
            "page": number,
            "page_size": size,
            "previous_page_url": previous,
            "url": url,
        }
        body = b'{"sims":[' + items + b'],"meta":' + json.dumps(meta).encode() + b"}"
        return response(200, body)


def _index(sid: str) -> int | None:
    if len(sid) != 34 or not sid.startswith("DE"):
        return None
    try:
        return int(sid[2:], 16)
    except ValueError:
        return None


class Stats:
    def __init__(self) -> None:
        self.counts = {"fetch": 0, "list": 0, "post": 0, "other": 0}


class HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, Content-Length framing, requests answered in order."""

    def __init__(self, fleet: Fleet, stats: Stats) -> None:
        self.fleet = fleet
        self.stats = stats
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    self._close()
                return
            head = bytes(buffer[:end]).decode("latin-1")
            lines = head.split("\r\n")
            length = 0
            host = HOST
            close = False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "host":
                    host = value.strip()
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if length > MAX_BODY:
                self._close()
                return
            if len(buffer) < end + 4 + length:
                return
            body = bytes(buffer[end + 4 : end + 4 + length])
            del buffer[: end + 4 + length]
            try:
                method, target, _ = lines[0].split(" ", 2)
            except ValueError:
                self._close()
                return
            assert self.transport is not None
            self.transport.write(self.handle(method, target, host, body))
            if close:
                self._close()
                return

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def handle(self, method: str, target: str, host: str, body: bytes) -> bytes:
        path, _, query = target.partition("?")
        counts = self.stats.counts
        fleet = self.fleet
        if path.startswith("/v1/Sims/"):
            index = _index(path[9:])
            if index is None or index >= fleet.size:
                counts["other"] += 1
                return error(404, 20404, "The requested resource was not found")
            if method == "GET":
                counts["fetch"] += 1
                return fleet.get(index)
            if method == "POST":
                counts["post"] += 1
                return fleet.update(index, dict(parse_qsl(body.decode())))
        elif path == "/v1/Sims" and method == "GET":
            counts["list"] += 1
            return fleet.page(host, dict(parse_qsl(query)))
        elif path == "/_bench/stats":
            # CPU time of this process (ns resolution), so the harness can show the
            # server's cost per request stays small.
            stats = {**counts, "cpu_s": time.process_time()}
            return response(200, json.dumps(stats).encode())
        counts["other"] += 1
        return error(404, 20404, "The requested resource was not found")


def _write_ready(path: str, text: str) -> None:
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


async def serve(fleet_sizes: list[int], settle: float, ready_file: str | None) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats()
    servers = []
    ports: dict[str, int] = {}
    for size in fleet_sizes:
        fleet = Fleet(size, settle)
        server = await loop.create_server(
            lambda fleet=fleet: HttpProtocol(fleet, stats), HOST, 0, backlog=1024
        )
        servers.append(server)
        ports[str(size)] = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ready = json.dumps({"pid": os.getpid(), "ports": ports})
    if ready_file:
        _write_ready(ready_file, ready)
    print(ready, flush=True)
    try:
        await stop.wait()
    finally:
        for server in servers:
            server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", type=int, action="append", required=True)
    parser.add_argument("--settle-ms", type=float, default=50.0)
    parser.add_argument("--ready-file")
    args = parser.parse_args()
    asyncio.run(serve(args.fleet, args.settle_ms / 1000, args.ready_file))


if __name__ == "__main__":
    sys.exit(main())
