"""Profile the SDK on the bench server: where its client-side time goes.

    python bench/profile_sdk.py [--workload fetch_seq|stream] [--n 4000] [--fleet 20000]

Uses pyinstrument if importable (a sampling profiler: proportions stay honest), else
cProfile (deterministic: adds overhead per call, so many tiny calls look costlier than they
are). pyinstrument is not a project dependency: install it anywhere, e.g.
`python -m venv /tmp/prof && /tmp/prof/bin/pip install pyinstrument`, then run with
`PYTHONPATH=/tmp/prof/lib/python3.11/site-packages`. Not part of `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
from pathlib import Path

from clients.sdk import Client
from run import SMOKE, Config, bench_server, pinning
from worker import fetch_seq, stream


async def workload(url: str, name: str, n: int, fleet: int) -> None:
    client = Client(url)
    await client.open()
    try:
        if name == "fetch_seq":
            await fetch_seq(client, n, 7)
        else:
            count = await stream(client, 1000, None)
            assert count == fleet, count
    finally:
        await client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("fetch_seq", "stream"), default="fetch_seq")
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--fleet", type=int, default=20_000)
    parser.add_argument(
        "--cprofile", action="store_true", help="use cProfile even if pyinstrument is importable"
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--all", action="store_true", help="pyinstrument: show library frames")
    args = parser.parse_args()

    config = Config(**{**SMOKE.__dict__, "fleets": (args.fleet, args.fleet + 1)})
    server_prefix, _, _ = pinning()
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_server(server_prefix, config, Path(tmp)) as server,
    ):
        url = f"http://127.0.0.1:{server['ports'][args.fleet]}"
        # warm-up, unprofiled
        asyncio.run(workload(url, args.workload, 200, args.fleet))
        try:
            if args.cprofile:
                raise ImportError
            from pyinstrument import Profiler
        except ImportError:
            profile = cProfile.Profile()
            profile.enable()
            asyncio.run(workload(url, args.workload, args.n, args.fleet))
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).sort_stats("tottime")
            stats.print_stats(args.top)
            print(out.getvalue())
        else:
            profiler = Profiler(interval=0.0002, async_mode="disabled")
            profiler.start()
            asyncio.run(workload(url, args.workload, args.n, args.fleet))
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=args.all))
    return 0


if __name__ == "__main__":
    sys.exit(main())
