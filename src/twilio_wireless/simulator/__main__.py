"""`python -m twilio_wireless.simulator`: serve the simulator over HTTP with uvicorn.

Needs the server extra: `pip install "twilio-wireless[simulator]"`.

    python -m twilio_wireless.simulator --port 8080 --sims 10000 \
        --max-in-flight 100 --latency 0.05 \
        --fault "GET /v1/Sims/*=503;times=3" \
        --fault "*=drop;probability=0.05;times=inf"

`--fault PATTERN=SPEC` adds a fault rule (repeatable; the pattern ends at the first `=`;
the spec is the fault syntax of `_faults` with its rule options `times=`, `skip=`,
`probability=`). While it runs, `GET/POST/DELETE /__simulator/faults` and
`GET /__simulator/stats` change and read them from the same machine (see `_admin`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SimulatorConfig
from ._delivery import SERVER_TRANSPORT, ConnectionDropped, Receive, Scope, Send
from ._limits import DEFAULT_MAX_IN_FLIGHT
from ._simulator import WirelessSimulator

if TYPE_CHECKING:
    import uvicorn

__all__ = ["build_parser", "build_server", "main"]

# uvicorn's levels; "trace" (5) is below DEBUG and unknown to logging until registered.
TRACE = 5
LOG_LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": TRACE,
}
# A response still streaming when the server is asked to stop (a drip, an endless body)
# is cancelled after this long, so the server always stops by itself.
SHUTDOWN_GRACE = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m twilio_wireless.simulator",
        description="Serve an in-memory Twilio Programmable Wireless v1 API over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port (default %(default)s; 0: any)")
    parser.add_argument("--sims", type=int, default=1000, help="SIMs to seed (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    parser.add_argument(
        "--account-sid", default=DEFAULT_ACCOUNT_SID, help="the account SID to accept"
    )
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN, help="the auth token to accept")
    parser.add_argument(
        "--status-mix",
        type=_status_mix,
        default=None,
        metavar="STATUS=WEIGHT[,...]",
        help="the share of seeded SIMs in each status, e.g. 'ready=1' (every SIM can be "
        "activated: seeded ready SIMs have a rate plan) or 'active=0.7,ready=0.3' "
        "(default: mostly active, a few of every other status)",
    )
    parser.add_argument(
        "--settle-delay",
        type=float,
        default=None,
        help="seconds every SIM status change and reset takes (default: per status, 2-5 s)",
    )
    parser.add_argument(
        "--stop-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="shut down by itself after this many seconds (default: run until stopped)",
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=DEFAULT_MAX_IN_FLIGHT,
        metavar="N",
        help="API requests handled at once, like Twilio's account concurrency; one more "
        "is answered 429, code 20429 (default %(default)s; 0: no limit)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds every API request takes, holding its in-flight slot (default 0)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="PATTERN=SPEC",
        help="add a fault rule (repeatable), e.g. 'GET /v1/Sims/*=503;times=3', "
        "'UpdateSim=drop;after', '*=drip=0.5;probability=0.05;times=inf'; kinds: a status, "
        "retry-after=S, html, delay=S, drop, truncate[=BYTES], drip=S[;chunk=BYTES], "
        "oversize=SIZE[;chunked], endless, bomb=SIZE, after; rule options: times=N|inf, "
        "skip=N, probability=P",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        type=str.lower,
        choices=list(LOG_LEVELS),
        help="uvicorn log level (default %(default)s)",
    )
    return parser


def _status_mix(text: str) -> dict[str, float]:
    """`--status-mix`: STATUS=WEIGHT pairs, comma-separated (the statuses are checked by
    SimulatorConfig)."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        status, equals, weight = part.strip().partition("=")
        try:
            value = float(weight)
        except ValueError:
            value = -1.0
        if not status or not equals or status in mix or not value >= 0:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} is not valid; expected STATUS=WEIGHT (a weight >= 0, "
                "each status once), e.g. ready=1"
            )
        mix[status] = value
    return mix


class _IntendedDrops(logging.Filter):
    """Hide uvicorn's traceback for the connections the simulator drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.stop_after is not None and not args.stop_after > 0:
        parser.error(f"--stop-after: {args.stop_after} is not valid; expected seconds > 0")
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        print(
            'the simulator server needs uvicorn: pip install "twilio-wireless[simulator]"',
            file=sys.stderr,
        )
        return 2
    try:
        config = SimulatorConfig(
            account_sid=args.account_sid,
            auth_token=args.auth_token,
            sims=args.sims,
            seed=args.seed,
            settle_delay=args.settle_delay,
            **({} if args.status_mix is None else {"status_mix": args.status_mix}),
            max_in_flight=args.max_in_flight,
            latency=args.latency,
        )
        simulator = WirelessSimulator(config)
        for rule in args.fault:
            simulator.faults.add_rule(rule)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # logging knows no "TRACE" until uvicorn's Config registers it, which is later.
    logging.addLevelName(TRACE, "TRACE")
    logging.basicConfig(level=LOG_LEVELS[args.log_level], format="%(levelname)s: %(message)s")
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Twilio Wireless simulator on http://{shown}:{port}", flush=True)
    print(f"  account SID: {config.account_sid}", flush=True)
    print(f"  auth token:  {config.auth_token}", flush=True)
    print(f"  SIMs:        {config.sims} (seed {config.seed})", flush=True)
    for rule in simulator.faults:
        times = "inf" if rule.times is None else rule.times
        odds = f";probability={rule.probability:g}" if rule.probability < 1 else ""
        shown_rule = f"{rule.pattern} = {rule.fault};times={times}{odds}"
        print(f"  fault:       {shown_rule}", flush=True)
    server = build_server(simulator, log_level=args.log_level)
    if args.stop_after is not None:
        timer = threading.Timer(args.stop_after, _stop, args=(server,))
        timer.daemon = True
        timer.start()
    server.run(sockets=[sock])
    return 0


def _stop(server: uvicorn.Server) -> None:
    server.should_exit = True  # uvicorn checks it about every 0.1 s, then shuts down


def build_server(simulator: WirelessSimulator, *, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for `simulator.app` (serve it on sockets you bound).

    Leaves the process's logging configuration alone, keeps uvicorn quiet about the
    connections the simulator drops on purpose, and gives the app each connection's
    transport, so a `drop` fault closes it before any byte of the answer.
    """
    import uvicorn

    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, _IntendedDrops) for existing in logger.filters):
        logger.addFilter(_IntendedDrops())
    config = uvicorn.Config(
        simulator.app,
        log_level=log_level,
        log_config=None,
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    # Load now (the server would at start) to wrap the HTTP protocol it chose.
    config.load()
    config.http_protocol_class = _exposing_transport(config.http_protocol_class)
    return uvicorn.Server(config)


def _exposing_transport(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """`base` (uvicorn's HTTP protocol), handing the app its connection's transport.

    ASGI gives an app no way to close a connection before it sends headers (uvicorn
    answers 500 if the app fails first); with the transport in the scope's extensions
    (`SERVER_TRANSPORT`) it can close it with nothing written, as a dying server would.
    """

    class ExposingTransport(base):  # type: ignore[misc,valid-type]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            writing = (
                _PairedWrites(transport)
                if isinstance(transport, asyncio.WriteTransport)
                else transport
            )
            super().connection_made(writing)
            app = getattr(self, "app", None)
            if app is not None:  # uvicorn's protocols call self.app for each request
                # The app's close() sends what was written first, as uvicorn's would.
                self.app = _WithTransport(app, writing)

    ExposingTransport.__name__ = ExposingTransport.__qualname__ = f"Simulator{base.__name__}"
    return ExposingTransport


class _PairedWrites:
    """A connection's transport that sends two writes made in one step of the loop at once.

    uvicorn writes an answer's status line and headers, then its body: two sends, and
    often two packets the client reads (and wakes up for) one by one. The first write is
    held until the next one, which leaves with it, or until the loop's next step. Every
    other method is the transport's own.
    """

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._flushing: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._flushing = asyncio.get_running_loop().call_soon(self._flush)
            return
        self._held = None
        if self._flushing is not None:
            self._flushing.cancel()
            self._flushing = None
        self._transport.write(held + bytes(data))

    def writelines(self, chunks: Iterable[bytes | bytearray | memoryview]) -> None:
        self.write(b"".join(chunks))

    def _flush(self) -> None:
        held, self._held, self._flushing = self._held, None, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()  # what was written goes first, as with the transport itself
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _WithTransport:
    """An ASGI app adding the connection's transport to each HTTP request's scope."""

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        transport: asyncio.BaseTransport | _PairedWrites,
    ) -> None:
        self._app = app
        self._extension = {"transport": transport}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http":
            extensions = dict(scope.get("extensions") or {})
            extensions[SERVER_TRANSPORT] = self._extension
            scope = {**scope, "extensions": extensions}
        await self._app(scope, receive, send)


def _bind(host: str, port: int) -> socket.socket:
    """Listen before uvicorn starts, so the real port (for --port 0) can be printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on an accepted connection
    # only if the socket says it is TCP, and uvicorn's h11 protocol writes an answer's
    # headers and body separately, so without it each answer on a kept-alive connection
    # waits ~40 ms for the client's delayed ACK (Nagle's algorithm).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


if __name__ == "__main__":
    sys.exit(main())
