"""`python -m twilio_wireless.simulator`: serve the simulator over HTTP with uvicorn.

Needs the server extra: `pip install "twilio-wireless[simulator]"`.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._app import ConnectionDropped
from ._config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SimulatorConfig
from ._simulator import WirelessSimulator

if TYPE_CHECKING:
    import uvicorn

__all__ = ["build_parser", "build_server", "main"]


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
        "--log-level", default="warning", help="uvicorn log level (default %(default)s)"
    )
    return parser


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
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s: %(message)s")
    simulator = WirelessSimulator(config)
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

    Leaves the process's logging configuration alone, and keeps uvicorn quiet about the
    connections the simulator drops on purpose.
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
    )
    return uvicorn.Server(config)


def _bind(host: str, port: int) -> socket.socket:
    """Listen before uvicorn starts, so the real port (for --port 0) can be printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
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
