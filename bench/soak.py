"""`make soak`: the SDK against the simulator server under every fault kind, for a long time.

    python bench/soak.py [--ops 50000] [--concurrency 50] [--fault-rate 0.05] [--out FILE]

The simulator runs in its own process (`python -m twilio_wireless.simulator`, 127.0.0.1)
with fault rules that hit about `--fault-rate` of all requests, spread over every kind a
hostile network produces: 429, 500 and 503 answers, a connection dropped before the
answer (the request applied or not), a body cut short, a body dripped slower than the
request deadline, an oversized body, an endless one and a gzip bomb. `--concurrency`
workers make `--ops` mixed operations through one client: fetch a SIM, list a page of
SIMs, rename a SIM, send a Command (each with a unique text) and delete one.

It reports, and fails on:
- a duplicate create: two Commands with the same text in the server's state (a create
  was sent twice);
- an untyped error: any exception that is not a `twilio_wireless.WirelessError`;
- growth: RSS or open file descriptors still rising after warm-up (samples every 2% of
  the operations);
and on wire sends (the server's count) differing from attempts (the SDK's one DEBUG
line per attempt: they must be equal, since nothing below its retry loop sends again);
and reports errors by class. With `--out`, the report replaces the SOAK section of that
Markdown file (e.g. BENCHMARKS.md, which `make bench` keeps it in).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import os
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sections
from processes import admin, start_server, stop

import twilio_wireless as tw

SIMS = 500
# Each kind gets an equal share of the fault rate. Bodies: a SIM is ~1.2 kB, so a drip of
# 16 bytes every 20 ms takes ~1.5 s, past the 1 s request deadline below.
FAULT_KINDS = (
    "429;retry-after=1",
    "500",
    "503",
    "drop",
    "drop;after",
    "truncate",
    "drip=0.02",
    "oversize=64m",
    "endless",
    "bomb=64m",
)
MAX_RESPONSE_BYTES = 1024 * 1024
REQUEST_DEADLINE = 1.0
# Growth allowed between the first sample after warm-up and the end.
MAX_RSS_GROWTH_MB = 10.0
MAX_FD_GROWTH = 10
SERVER_START_TIMEOUT = 30.0
ATTEMPT_LINE = re.compile(r"attempt %d( -> |: no response)")


@dataclass
class Tally:
    ops: int = 0
    retries: int = 0
    attempts: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    untyped: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    samples: list[tuple[int, float, int]] = field(default_factory=list)


class AttemptCounter(logging.Handler):
    """Counts the SDK's one DEBUG line per attempt (an answer, or how it got none)."""

    def __init__(self, tally: Tally) -> None:
        super().__init__(logging.DEBUG)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and ATTEMPT_LINE.search(record.msg):
            self.tally.attempts += 1


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "soak-token"


def serve(seed: int) -> tuple[subprocess.Popen[str], str]:
    """The simulator server: SIMS SIMs, changes settle at once, no account limit."""
    return start_server(
        [
            "--sims", str(SIMS), "--seed", str(seed),
            "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN,
            "--settle-delay", "0.05", "--max-in-flight", "0",
        ],
        SERVER_START_TIMEOUT,
    )  # fmt: skip


def add_faults(url: str, fault_rate: float) -> None:
    share = fault_rate / len(FAULT_KINDS)
    for kind in FAULT_KINDS:
        admin(url, "faults", "POST", {"rule": f"*={kind};probability={share:.5f};times=inf"})


async def one(client: tw.WirelessClient, sids: list[str], i: int, tally: Tally) -> None:
    rng = random.Random(i)
    pick = rng.random()
    sid = rng.choice(sids)
    try:
        if pick < 0.35:
            await client.sims.fetch(sid)
        elif pick < 0.45:
            await client.sims.list(page_size=50, limit=50).to_list()
        elif pick < 0.65:
            await client.sims.update(sid, friendly_name=f"soak {i}", wait=False)
        elif pick < 0.90:
            text = f"soak-{i}"
            tally.created.append(text)
            await client.commands.create(sim=sid, command=text)
        else:
            async for command in client.commands.list(sim=sid, limit=1):
                await client.commands.delete(command.sid)
    except tw.WirelessError as error:
        tally.errors[type(error).__name__] += 1
    except Exception as error:  # the soak's point: none may escape the hierarchy
        tally.untyped.append(f"{type(error).__name__}: {error}"[:300])
    tally.ops += 1


async def soak(
    url: str, ops: int, concurrency: int, fault_rate: float, tally: Tally
) -> dict[str, Any]:
    def count(event: tw.RetryEvent) -> None:
        tally.retries += 1

    retry = tw.RetryPolicy(
        max_attempts=4, initial_backoff=0.01, max_backoff=0.1, max_retry_after=0.05,
        on_retry=count,
    )  # fmt: skip
    async with tw.WirelessClient(
        ACCOUNT_SID,
        AUTH_TOKEN,
        base_url=url,
        retry=retry,
        request_deadline=REQUEST_DEADLINE,
        max_response_bytes=MAX_RESPONSE_BYTES,
        max_concurrency=None,
    ) as client:
        sids = [sim.sid async for sim in client.sims.list(page_size=1000)]
        add_faults(url, fault_rate)
        before = admin(url, "stats")
        logger = logging.getLogger("twilio_wireless")
        counter = AttemptCounter(tally)
        logger.addHandler(counter)
        logger.setLevel(logging.DEBUG)
        every = max(ops // 50, 1)
        queue = iter(range(ops))

        async def worker() -> None:
            for i in queue:
                await one(client, sids, i, tally)
                if i % every == 0:
                    tally.samples.append((i, rss_mb(), open_fds()))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        after = admin(url, "stats")
        logger.removeHandler(counter)
    return {"wire_sends": after["requests"] - before["requests"], "stats": after}


def duplicates(url: str, created: list[str]) -> list[str]:
    """Texts of Commands the server holds more than once (GETs, no faults: admin cleared)."""

    async def texts() -> list[str]:
        async with tw.WirelessClient(ACCOUNT_SID, AUTH_TOKEN, base_url=url) as client:
            return [str(c.command) async for c in client.commands.list(page_size=1000)]

    held = collections.Counter(t for t in asyncio.run(texts()) if t.startswith("soak-"))
    return sorted(t for t, n in held.items() if n > 1)


def growth(samples: list[tuple[int, float, int]]) -> tuple[float, int, float, int]:
    """(RSS growth MB, fd growth, RSS at warm-up, fds at warm-up) from the 20% mark on."""
    ordered = sorted(samples)
    warm = ordered[len(ordered) // 5 :] or ordered
    head, tail = warm[:3], warm[-3:]
    rss0 = statistics.median(s[1] for s in head)
    fd0 = int(statistics.median(s[2] for s in head))
    rss1 = statistics.median(s[1] for s in tail)
    fd1 = int(statistics.median(s[2] for s in tail))
    return rss1 - rss0, fd1 - fd0, rss0, fd0


def report(args: argparse.Namespace, tally: Tally, run: dict[str, Any], dupes: list[str],
           seconds: float) -> tuple[list[str], bool]:  # fmt: skip
    attempts = tally.attempts
    rss_growth, fd_growth, rss0, fd0 = growth(tally.samples)
    checks = [
        ("no duplicate create in the server's state", not dupes, f"{len(dupes)} duplicated"),
        ("no untyped error", not tally.untyped, f"{len(tally.untyped)} untyped"),
        (f"RSS growth after warm-up <= {MAX_RSS_GROWTH_MB:g} MB",
         rss_growth <= MAX_RSS_GROWTH_MB, f"{rss_growth:+.1f} MB from {rss0:.1f} MB"),
        (f"open fds growth after warm-up <= {MAX_FD_GROWTH}",
         fd_growth <= MAX_FD_GROWTH, f"{fd_growth:+d} from {fd0}"),
        ("wire sends == attempts", run["wire_sends"] == attempts,
         f"{run['wire_sends']} sends, {attempts} attempts"),
    ]  # fmt: skip
    ok = all(passed for _, passed, _ in checks)
    lines = [
        f"- {args.ops:,} operations by {args.concurrency} workers in {seconds:.0f} s "
        f"against `python -m twilio_wireless.simulator` in its own process, fault rules "
        f"hitting {args.fault_rate:.0%} of requests: {', '.join(f'`{k}`' for k in FAULT_KINDS)} "
        f"(equal shares); request deadline {REQUEST_DEADLINE:g} s, max_response_bytes "
        f"{MAX_RESPONSE_BYTES:,}.",
        f"- Attempts {attempts:,} (the SDK's DEBUG line per attempt; {tally.retries:,} of them "
        f"retries, for {tally.ops:,} operations); wire "
        f"sends counted by the server {run['wire_sends']:,}; server answers 429 by reason "
        f"{run['stats'].get('too_many_requests')}.",
        "- Errors surfaced to the caller, by class: "
        + (", ".join(f"{k} {v:,}" for k, v in sorted(tally.errors.items())) or "none")
        + ".",
        "- RSS / open fds over the run (operation: MB, fds): "
        + ", ".join(f"{i}: {r:.1f}, {f}" for i, r, f in sorted(tally.samples)[:: max(
            len(tally.samples) // 10, 1)]) + ".",
        "",
        "```",
        *(f"{'PASS' if passed else 'FAIL'} {what} ({shown})" for what, passed, shown in checks),
        "```",
    ]  # fmt: skip
    for text in tally.untyped[:10]:
        lines.append(f"- untyped: `{text}`")
    for text in dupes[:10]:
        lines.append(f"- duplicate: `{text}`")
    return lines, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="Markdown file whose SOAK section to replace")
    args = parser.parse_args()
    server, url = serve(args.seed)
    tally = Tally()
    started = time.monotonic()
    try:
        run = asyncio.run(soak(url, args.ops, args.concurrency, args.fault_rate, tally))
        seconds = time.monotonic() - started
        admin(url, "faults", "DELETE")
        dupes = duplicates(url, tally.created)
    finally:
        stop(server)
    lines, ok = report(args, tally, run, dupes, seconds)
    print("\n".join(lines))
    if args.out is not None:
        body = [
            "## Soak (`make soak`)",
            "",
            f"Generated by `python bench/soak.py --ops {args.ops}` on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; see bench/soak.py.",
            "",
            *lines,
        ]
        sections.replace(args.out, "soak", "\n".join(body))
        print(f"soak: wrote the SOAK section of {args.out}")
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
