"""Instructions per request: each client's process counted by valgrind cachegrind, two sizes.

Timings on these shared 2-core VMs swing by 20-40% between runs; instruction counts do not
(see research/measuring.md in the shared folder beside the project). Each count is one
`counted.py` process under `valgrind --tool=cachegrind --cache-sim=no`; the server runs
outside valgrind. A count holds
start-up, imports and warm-up too, so per request = (I(N2) - I(N1)) / (N2 - N1): a base
run, and per workload a run raising only that workload's size (per SIM likewise over page
counts). Cold start is the whole short script, no difference. Beside them, natively: the
longest event-loop stall during a fresh client's first request, and the idle RSS after it.
run.py calls `measure()` and puts `section()` in BENCHMARKS.md.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VALGRIND_OPTIONS = ("--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
# The clients counted: the SDK, its own HTTP library bare, and the official SDK; and the SDK
# without orjson (a plain `pip install twilio-wireless`), for the page parse only: its
# fetches and cold start differ from the SDK's by nothing but which JSON parser is imported.
CLIENTS = ("sdk", "sdk_stdlib_json", "aiohttp_raw", "twilio_official")
PARSE_ONLY = frozenset({"sdk_stdlib_json"})
WORKLOADS = ("fetch_seq", "fetch_conc", "stream")
# A fixed hash seed: str hashing (dict and set layouts) must not vary between two sizes.
COUNT_ENV = {"PYTHONHASHSEED": "0"}
RUN_TIMEOUT = 900.0
PROBE_TIMEOUT = 60.0
INSTALL_TIMEOUT = 600.0
# cachegrind's summary line, with the pid of the process (or forked child) it counts.
IREFS = re.compile(r"==(\d+)==\s+I\s+refs:\s+([\d,]+)")


@dataclass(frozen=True)
class Sizes:
    n1: int
    n2: int
    pages1: int
    pages2: int
    page_size: int
    concurrency: int
    probe_reps: int


FULL_SIZES = Sizes(
    n1=100,
    n2=1100,
    pages1=1,
    pages2=3,
    page_size=1000,
    concurrency=50,
    probe_reps=5,
)
# Only to prove the valgrind path works in CI: valgrind runs ~40x slower.
SMOKE_SIZES = dataclasses.replace(FULL_SIZES, n1=50, n2=150, pages1=1, pages2=2, probe_reps=1)


def page_fleet(sizes: Sizes, pages: int) -> int:
    """A fleet of exactly `pages` full pages: streaming it ends with no page in flight."""
    return pages * sizes.page_size


def server_fleets(sizes: Sizes) -> list[int]:
    """The fleet sizes the runs need from bench/server.py (fetches use the first one)."""
    return sorted({page_fleet(sizes, sizes.pages1), page_fleet(sizes, sizes.pages2)})


# --------------------------------------------------------------------------- valgrind


def install_hint() -> str:
    return (
        "bench: valgrind is needed for instruction counts and is not installed.\n"
        "  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y valgrind\n"
        "  Fedora: sudo dnf install -y valgrind\n"
        "  or measure timings only: make bench BENCH_ARGS=--no-instructions"
    )


def install_with_apt() -> bool:
    """apt-get update && apt-get install -y valgrind (CI runs as root on Debian)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "valgrind"]):
        print(f"bench: {' '.join(command)}", flush=True)
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            print(f"bench: {command[1]} took over {INSTALL_TIMEOUT:.0f} s", file=sys.stderr)
            return False
        if done.returncode != 0:
            print(done.stdout[-2000:] + done.stderr[-2000:], file=sys.stderr)
            return False
    return True


def ensure_valgrind() -> str | None:
    """valgrind's path, installing it first when we are root with apt-get; else None."""
    found = shutil.which("valgrind")
    if found:
        return found
    can_install = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")
    if can_install and install_with_apt():
        return shutil.which("valgrind")
    print(install_hint(), file=sys.stderr)
    return None


def valgrind_version(valgrind: str) -> str:
    done = subprocess.run([valgrind, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip() or "unknown"


# ------------------------------------------------------------------------------- runs


class CountError(RuntimeError):
    pass


def plan(client: str, sizes: Sizes, ports: dict[int, int]) -> dict[str, Any]:
    """`counted.py work`'s plan: a base run, then one run per workload raising only its size."""
    n1, n2 = sizes.n1, sizes.n2

    def run(key: str, seq: int, conc: int, pages: int) -> dict[str, Any]:
        fleet = page_fleet(sizes, pages)
        url = f"http://127.0.0.1:{ports[fleet]}"
        return {"key": key, "url": url, "fleet": fleet, "seq": seq, "conc": conc}

    runs = [
        run("base", n1, n1, sizes.pages1),
        run("fetch_seq", n2, n1, sizes.pages1),
        run("fetch_conc", n1, n2, sizes.pages1),
        run("stream", n1, n1, sizes.pages2),
    ]
    if client in PARSE_ONLY:
        runs = [r for r in runs if r["key"] in ("base", "stream")]
    return {
        "client": client,
        "concurrency": sizes.concurrency,
        "page_size": sizes.page_size,
        "runs": runs,
    }


def counted(client: str, mode: str, arg: str) -> list[str]:
    """`python bench/counted.py CLIENT MODE ARG` (without valgrind)."""
    return [sys.executable, str(BENCH / "counted.py"), client, mode, arg]


def parse_irefs(text: str) -> dict[int, int]:
    """Every 'I refs:' summary line of valgrind's output, by pid."""
    found = {int(pid): int(n.replace(",", "")) for pid, n in IREFS.findall(text)}
    if not found:
        raise CountError("no 'I refs' line in valgrind's output")
    return found


def under_valgrind(valgrind: str, prefix: list[str], command: list[str]) -> tuple[str, str]:
    """Run `command` under cachegrind; its stdout, and stderr with valgrind's summaries."""
    full = [*prefix, valgrind, *VALGRIND_OPTIONS, *command]
    try:
        done = subprocess.run(
            full,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            cwd=ROOT,
            env={**os.environ, **COUNT_ENV},
        )
    except subprocess.TimeoutExpired:
        raise CountError(f"no result in {RUN_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise CountError(f"exit {done.returncode}:\n{tail}")
    return done.stdout, done.stderr


def count_work(
    valgrind: str, prefix: list[str], client: str, sizes: Sizes, ports: dict[int, int]
) -> dict[str, dict[str, Any]]:
    """The plan's runs under valgrind: {key: {instructions, items}}, one child each."""
    stdout, stderr = under_valgrind(
        valgrind, prefix, counted(client, "work", json.dumps(plan(client, sizes, ports)))
    )
    irefs = parse_irefs(stderr)
    runs = {}
    lines = stdout.strip().splitlines()
    if len(lines) != len(plan(client, sizes, ports)["runs"]):
        raise CountError(f"expected one line per run, got:\n{stdout[-2000:]}")
    for line in lines:
        child = json.loads(line)
        if child["pid"] not in irefs:
            raise CountError(f"no count for run {child['key']} (pid {child['pid']})")
        runs[child["key"]] = {"instructions": irefs[child["pid"]], "items": child["items"]}
    return runs


def sizes_text(items: dict[str, int]) -> str:
    """A run's sizes, e.g. '100 seq, 1100 conc, 1000 SIMs', or 'cold start'."""
    if set(items) != set(WORKLOADS):
        return "cold start"
    return f"{items['fetch_seq']} seq, {items['fetch_conc']} conc, {items['stream']} SIMs"


def count_cold(valgrind: str, prefix: list[str], client: str, url: str) -> dict[str, Any]:
    """The whole cold-start script's instructions (one process, no fork)."""
    _, stderr = under_valgrind(valgrind, prefix, counted(client, "cold", url))
    return {"instructions": max(parse_irefs(stderr).values()), "items": {"fetch_seq": 1}}


def run_native(prefix: list[str], command: list[str]) -> str:
    """Run a command natively (pinned); return its last stdout line."""
    done = subprocess.run(
        [*prefix, *command], capture_output=True, text=True, timeout=PROBE_TIMEOUT, cwd=ROOT
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise CountError(f"exit {done.returncode}:\n{tail}")
    return lines[-1]


def probe(prefix: list[str], client: str, url: str) -> dict[str, float]:
    """Longest loop stall in a fresh client's first request, and idle RSS after it."""
    return json.loads(run_native(prefix, counted(client, "probe", url)))  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- results


class Counts:
    """Raw counts and probes: runs[client][key] = {instructions, items, seconds}."""

    def __init__(self, sizes: Sizes, meta: dict[str, Any]) -> None:
        self.sizes = sizes
        self.meta = meta
        self.runs: dict[str, dict[str, dict[str, Any]]] = {}
        self.probes: dict[str, list[dict[str, float]]] = {}
        self.python_start: int | None = None

    @property
    def clients(self) -> list[str]:
        return [c for c in CLIENTS if c in self.runs or c in self.probes]

    def per_item(self, client: str, workload: str) -> float | None:
        """(I(raised) - I(base)) / (items raised - items base): per request, or per SIM."""
        runs = self.runs.get(client, {})
        base, raised = runs.get("base"), runs.get(workload)
        if base is None or raised is None:
            return None
        more = raised["items"][workload] - base["items"][workload]
        return (raised["instructions"] - base["instructions"]) / more if more > 0 else None

    def cold(self, client: str) -> float | None:
        run = self.runs.get(client, {}).get("cold")
        return None if run is None else float(run["instructions"])

    def _probe_values(self, client: str, field: str) -> list[float]:
        return [p[field] for p in self.probes.get(client, [])]

    def stall_ms(self, client: str) -> float | None:
        values = self._probe_values(client, "stall_ms")
        return statistics.median(values) if values else None

    def stall_range(self, client: str) -> tuple[float, float] | None:
        values = self._probe_values(client, "stall_ms")
        return (min(values), max(values)) if values else None

    def rss_mb(self, client: str) -> float | None:
        values = self._probe_values(client, "rss_mb")
        return statistics.median(values) if values else None

    def to_json(self) -> dict[str, Any]:
        return {
            "sizes": dataclasses.asdict(self.sizes),
            "meta": self.meta,
            "runs": self.runs,
            "probes": self.probes,
            "python_start": self.python_start,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counts:
        counts = cls(Sizes(**data["sizes"]), data["meta"])
        counts.runs = data["runs"]
        counts.probes = data["probes"]
        counts.python_start = data.get("python_start")
        return counts


# ---------------------------------------------------------------------------- measure


def warm_bytecode(prefix: list[str], client: str, sizes: Sizes, ports: dict[int, int]) -> None:
    """One small native run, so that valgrind never counts a .pyc being (re)written."""
    small = dataclasses.replace(sizes, n1=1, n2=1)
    run_native(prefix, counted(client, "work", json.dumps(plan(client, small, ports))))


def count_client(
    valgrind: str,
    prefix: list[str],
    client: str,
    ports: dict[int, int],
    counts: Counts,
    failures: list[str],
) -> None:
    """One client's work runs and cold start under valgrind, into counts.runs."""
    sizes = counts.sizes
    url = f"http://127.0.0.1:{ports[page_fleet(sizes, sizes.pages1)]}"
    results = counts.runs.setdefault(client, {})
    # Cold start first, right after the native warm-up: it is the one count in which a
    # source file edited meanwhile would be compiled (work imports before it forks).
    steps = [
        ("cold", lambda: {"cold": count_cold(valgrind, prefix, client, url)}),
        ("work", lambda: count_work(valgrind, prefix, client, sizes, ports)),
    ]
    for what, measure_runs in steps[1:] if client in PARSE_ONLY else steps:
        started = time.monotonic()
        try:
            runs = measure_runs()
        except (CountError, OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
            failures.append(f"instructions {client} {what}: {exc}")
            print(f"bench: FAILED instructions {client} {what}: {exc}", file=sys.stderr)
            continue
        results.update(runs)
        for key, run in runs.items():
            print(
                f"    {client:<16} {key:<10} {sizes_text(run['items']):>26}: "
                f"{run['instructions']:>15,} instructions",
                flush=True,
            )
        print(f"    ({what}: {time.monotonic() - started:.0f} s under valgrind)", flush=True)


def probe_client(
    prefix: list[str], client: str, url: str, counts: Counts, failures: list[str]
) -> None:
    """`probe_reps` native first-request probes of one client, into counts.probes."""
    for _ in range(counts.sizes.probe_reps):
        try:
            counts.probes.setdefault(client, []).append(probe(prefix, client, url))
        except (CountError, OSError, ValueError, subprocess.SubprocessError) as exc:
            failures.append(f"probe {client}: {exc}")
            print(f"bench: FAILED probe {client}: {exc}", file=sys.stderr)
            return


def count_python_start(valgrind: str, prefix: list[str], counts: Counts) -> None:
    """The bare interpreter's start-up (`python -c pass`): context for cold start."""
    try:
        _, stderr = under_valgrind(valgrind, prefix, [sys.executable, "-c", "pass"])
        counts.python_start = max(parse_irefs(stderr).values())
    except CountError:
        counts.python_start = None


def measure(
    valgrind: str,
    clients: list[str],
    sizes: Sizes,
    ports: dict[int, int],
    prefix: list[str],
    failures: list[str],
) -> Counts:
    """Probe and count every client against a running server (ports by fleet size)."""
    command = [valgrind, *VALGRIND_OPTIONS, "python", "bench/counted.py", "CLIENT", "MODE", "..."]
    counts = Counts(
        sizes,
        {"valgrind": valgrind_version(valgrind), "command": " ".join(command), "env": COUNT_ENV},
    )
    url = f"http://127.0.0.1:{ports[page_fleet(sizes, sizes.pages1)]}"
    count_python_start(valgrind, prefix, counts)
    for client in clients:
        print(f"  instructions: {client}", flush=True)
        try:
            warm_bytecode(prefix, client, sizes, ports)
        except (CountError, OSError, subprocess.SubprocessError) as exc:
            failures.append(f"instructions {client}: warm-up failed: {exc}")
            continue
        count_client(valgrind, prefix, client, ports, counts, failures)
        if client not in PARSE_ONLY:
            probe_client(prefix, client, url, counts, failures)
    return counts


# ----------------------------------------------------------------------------- report


def fmt_count(value: float | None) -> str:
    """1234567 -> '1.23M', 603412 -> '603k': three significant digits at least."""
    if value is None:
        return "n/a"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            scaled = value / scale
            digits = 0 if abs(scaled) >= 100 else 1 if abs(scaled) >= 10 else 2
            return f"{scaled:.{digits}f}{suffix}"
    return f"{value:.0f}"


def _cell(value: float | None, sdk: float | None, is_sdk: bool, text: str | None = None) -> str:
    shown = text if text is not None else fmt_count(value)
    if value is None:
        return "n/a"
    if is_sdk:
        return f"**{shown}**"
    ratio = f" ({value / sdk:.2f}x)" if sdk else ""
    return f"{shown}{ratio}"


def _stall_cell(counts: Counts, client: str) -> str:
    """Median and range: a stall is a timing, so no ratio to the SDK's."""
    stall, spread = counts.stall_ms(client), counts.stall_range(client)
    if stall is None or spread is None:
        return "n/a"
    text = (
        f"{stall:.1f}"
        if spread[0] == spread[1]
        else f"{stall:.1f} ({spread[0]:.1f}-{spread[1]:.1f})"
    )
    return f"**{text}**" if client == "sdk" else text


def table(counts: Counts, labels: dict[str, str]) -> list[str]:
    """The instruction table: one row per client, ratios to the SDK in parentheses."""
    s = counts.sizes
    lines = [
        f"| client | sequential fetch, instr./request | {s.concurrency}-way fetch, instr./request "
        f"| {s.page_size}-SIM page parse, instr./SIM | cold start, instr. "
        "| longest loop stall in first request, ms (median, range) "
        "| idle RSS after one request, MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for client in counts.clients:
        is_sdk = client == "sdk"
        cells = [
            _cell(counts.per_item(client, w), counts.per_item("sdk", w), is_sdk) for w in WORKLOADS
        ]
        cells.append(_cell(counts.cold(client), counts.cold("sdk"), is_sdk))
        cells.append(_stall_cell(counts, client))
        rss = counts.rss_mb(client)
        cells.append(
            _cell(rss, counts.rss_mb("sdk"), is_sdk, None if rss is None else f"{rss:.1f}")
        )
        lines.append(f"| {labels.get(client, client)} | " + " | ".join(cells) + " |")
    return lines


def raw_table(counts: Counts, labels: dict[str, str]) -> list[str]:
    """Every run's count, so a per-request figure can be checked by hand."""
    lines = [
        f"| client | run | sequential fetches | {counts.sizes.concurrency}-way fetches "
        "| SIMs streamed | instructions |",
        "|---|---|---|---|---|---|",
    ]
    for client in counts.clients:
        for key, run in counts.runs.get(client, {}).items():
            items = run["items"] if key != "cold" else {}
            sized = [str(items.get(w, "")) for w in WORKLOADS]
            cells = [labels.get(client, client), key, *sized, f"{run['instructions']:,}"]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def method(counts: Counts, versions: dict[str, str]) -> list[str]:
    """How the table was counted: command line, sizes, what a count holds, versions."""
    s = counts.sizes
    python = counts.python_start
    bare = "" if python is None else f" (a bare `python -c pass`: {fmt_count(python)})"
    return [
        f"- **Command.** `{counts.meta['command']}` with `PYTHONHASHSEED=0`; the count is the "
        f"'I refs' line ({counts.meta['valgrind']}). Only the client process runs under "
        "valgrind, pinned to the clients' CPU; the server (`bench/server.py`) runs as a normal "
        "process pinned to its own CPU, as for the timings.",
        f"- **Per request.** (I(N2) - I(N1)) / (N2 - N1) with N1 = {s.n1}, N2 = {s.n2}. One "
        "process per client (`counted.py CLIENT work`) imports the client and warms it up "
        "(each workload once, on the largest fleet), then forks one child per run; each "
        "child builds the client, makes S sequential fetches, C fetches "
        f"by {s.concurrency} tasks, streams a fleet of P pages of {s.page_size} SIMs, and "
        "exits. A forked child's count starts from its parent's, so start-up, imports and "
        "warm-up cancel in a difference between children as between two processes. The "
        f"base child has S = C = N1 and P = {s.pages1}; each workload's figure comes from a "
        f"child raising only its own size (S or C to N2, P to {s.pages2}), so connection "
        "set-up, warm-up and the other workloads cancel too. What is left is everything the "
        "client process executes per request: the client library, aiohttp, asyncio's loop, "
        "the JSON parser, the interpreter; not the kernel, not the server.",
        f"- **Page parse.** Per SIM = the difference between streaming {s.pages1} and "
        f"{s.pages2} pages (PageSize={s.page_size}, fleets of exactly that many SIMs, so no "
        "page is in flight at the end) over the SIMs between, each parsed into the client's "
        "own objects (the SDK's `Sim` models, twilio-python's `SimInstance`, dicts for raw "
        "aiohttp).",
        "- **Cold start.** The whole `counted.py CLIENT cold` process, no difference: "
        "interpreter start-up, importing the client, building it, one fetch, closing it"
        f"{bare}.",
        "- **Stall and RSS.** Natively (no valgrind), a fresh process per sample "
        f"({s.probe_reps} per client; median, range in parentheses): the client's module is "
        "imported before the loop starts; then a probe task sleeps 1 ms in a loop and keeps "
        "the largest gap between its wake-ups while the client is built and makes its first "
        "request (a gap includes the 1 ms sleep). Idle RSS is VmRSS after that request and a "
        "`gc.collect()`, the client still open.",
        "- **Versions.** " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
    ]


def section(counts: Counts, labels: dict[str, str], versions: dict[str, str]) -> list[str]:
    """The BENCHMARKS.md section: table, method, raw counts."""
    return [
        "## Instructions per request (valgrind cachegrind)",
        "",
        "Deterministic to about 0.1% at these sizes (repeated counts agree that closely), unlike "
        "the timings below. In parentheses: the client's value over the SDK's (above 1: the "
        "SDK executes fewer instructions, or uses less memory).",
        "",
        *table(counts, labels),
        "",
        *method(counts, versions),
        "",
        "<details><summary>Raw counts</summary>",
        "",
        *raw_table(counts, labels),
        "",
        "</details>",
        "",
    ]
