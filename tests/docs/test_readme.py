"""The README's code, checked: every ```python block is type-checked and run.

Blocks are read from README.md in order, each with the line of its opening fence; errors
name README lines. `mypy --strict` checks them all in one run (the project's own mypy
configuration is not used; `src/` and `generated/` are found through `mypy_path`). Then
each block runs, according to its kind:

- a **program** (it calls `asyncio.run(...)`) runs as-is, `python block.py`, against the
  simulator served by `python -m twilio_wireless.simulator --port 0 --stop-after ...`
  on 127.0.0.1, with `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and `WIRELESS_BASE_URL`
  set to it (the Quick start reads its base URL from that variable, as users may);
- a **pytest file** (it defines `test_*` functions) runs under plain pytest in a
  directory of its own, with the plugin the installed package registers;
- a **fragment** (anything else) becomes the body of `readme_block()` after PREAMBLE, and
  is awaited with a fresh in-process simulator (ManualClock, callbacks captured) and a
  client wired to it whose retry and poll waits take no real time (a FakeClock that
  advances the simulator's clock, as the pytest plugin's `wireless_client` does).

The names a fragment may use without defining them (see PREAMBLE):

    tw                 import twilio_wireless as tw
    datetime, timezone from datetime import datetime, timezone
    client             tw.WirelessClient on `simulator`
    simulator          twilio_wireless.simulator.WirelessSimulator: 50 SIMs (seed 0), plus
                       Rate Plan "iot-basic" and SIM "pump-station-7" (ready, on it)
    sids               list[str]: SIDs of `ready` SIMs with a Rate Plan (they can activate)
    saved_url          str: the next-page URL of a SIM list (page_size=20)
    save               Callable[[str | None], None]: keeps what it is given

A block that cannot run carries a marker on the line before its opening fence (blank
lines between are allowed), and the reason is required:

    <!-- readme-test: typecheck-only; reason: needs a proxy at proxy.internal -->
    <!-- readme-test: skip; reason: pseudo-code -->

Non-python blocks (```sh, plain ```) are not checked.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

import anyio
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import (
    CallbackCapture,
    ManualClock,
    SimulatorConfig,
    WirelessSimulator,
)
from twilio_wireless.testing import FakeClock

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SIMULATOR_URL = "http://wireless.simulator"

MARKER = re.compile(r"<!--\s*readme-test:(?P<body>.*?)-->", re.DOTALL)
MARKER_KINDS = ("typecheck-only", "skip")
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<lang>[^\s`]*)")

PREAMBLE = """\
from collections.abc import Callable
from datetime import datetime, timezone

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator


async def readme_block(
    client: tw.WirelessClient,
    simulator: WirelessSimulator,
    sids: list[str],
    saved_url: str,
    save: Callable[[str | None], None],
) -> None:
"""
PREAMBLE_LINES = PREAMBLE.count("\n")


# --- extraction -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Block:
    """A fenced code block of a Markdown file."""

    line: int  # of the opening fence (1-based)
    lang: str
    code: str
    marker: str | None = None  # "typecheck-only" or "skip"
    reason: str | None = None

    @property
    def first_line(self) -> int:
        """The Markdown line of the block's first line of code."""
        return self.line + 1

    @property
    def name(self) -> str:
        return f"L{self.line}"

    @property
    def kind(self) -> str:
        """ "program", "pytest" or "fragment" (see the module docstring)."""
        flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        try:
            tree = compile(self.code, f"README.md:{self.line}", "exec", flags=flags)
        except SyntaxError:
            return "fragment"  # type-checking and running it report the error
        if any(
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
            for node in tree.body
        ):
            return "pytest"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "run"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "asyncio"
            ):
                return "program"
        return "fragment"


@dataclasses.dataclass
class Extracted:
    blocks: list[Block]
    errors: list[str]  # "README.md:LINE: ..." for malformed or dangling markers

    @property
    def python(self) -> list[Block]:
        return [block for block in self.blocks if block.lang == "python"]


def extract(text: str, source: str = "README.md") -> Extracted:
    """Every fenced block of `text` in order, with the marker on the line before it."""
    lines = text.splitlines()
    blocks: list[Block] = []
    errors: list[str] = []
    # The line a marker ends on -> (the line it starts on, kind, reason).
    markers: dict[int, tuple[int, str | None, str | None]] = {}
    for match in MARKER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        parsed = _parse_marker(match.group("body"), f"{source}:{line}", errors)
        markers[text.count("\n", 0, match.end()) + 1] = (line, *parsed)
    used: set[int] = set()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening.group("fence")
        end = index + 1
        while end < len(lines) and not (
            lines[end].startswith(fence[0] * len(fence))
            and lines[end].strip(fence[0]).strip() == ""
        ):
            end += 1
        code = "\n".join(lines[index + 1 : end]) + "\n"
        before = index - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        marker = reason = None
        if before >= 0 and (before + 1) in markers and lines[before].rstrip().endswith("-->"):
            _, marker, reason = markers[before + 1]
            used.add(before + 1)
        blocks.append(Block(index + 1, opening.group("lang").lower(), code, marker, reason))
        index = end + 1
    for end in sorted(set(markers) - used):
        line = markers[end][0]
        errors.append(f"{source}:{line}: readme-test marker is not right before a code block")
    return Extracted(blocks, errors)


def _parse_marker(body: str, where: str, errors: list[str]) -> tuple[str | None, str | None]:
    kind, _, rest = (part.strip() for part in body.strip().partition(";"))
    if kind not in MARKER_KINDS:
        errors.append(f"{where}: readme-test marker kind {kind!r} is not one of {MARKER_KINDS}")
        return None, None
    name, _, reason = rest.partition(":")
    if name.strip() != "reason" or not reason.strip():
        errors.append(f"{where}: readme-test marker {kind!r} needs '; reason: <why>'")
        return None, None
    return kind, " ".join(reason.split())


README_BLOCKS = extract(README.read_text(encoding="utf-8"))


def _blocks(*kinds: str) -> list[Any]:
    """The README's python blocks of these kinds, as params (marked ones skip, saying why)."""
    params = []
    for block in README_BLOCKS.python:
        if block.kind not in kinds:
            continue
        marks = []
        if block.marker is not None:
            marks.append(pytest.mark.skip(reason=f"README.md:{block.line}: {block.reason}"))
        params.append(pytest.param(block, id=block.name, marks=marks))
    return params


# --- modules made of blocks -------------------------------------------------------------------


def module_source(block: Block) -> tuple[str, int]:
    """(the module to type-check or run, its line number of the block's first line)."""
    if block.kind != "fragment":
        return block.code, 1
    body = textwrap.indent(block.code, "    ", lambda line: bool(line.strip()))
    if not any(
        line.strip() and not line.lstrip().startswith("#") for line in block.code.splitlines()
    ):
        body += "    pass\n"
    return PREAMBLE + body, PREAMBLE_LINES + 1


def readme_line(block: Block, module_line: int) -> int:
    """The README line of a line of `module_source(block)` (the fence for the preamble)."""
    _, first = module_source(block)
    return block.first_line + module_line - first if module_line >= first else block.line


def compile_fragment(block: Block) -> CodeType:
    """The fragment's module, compiled so that tracebacks show README.md lines."""
    source, first = module_source(block)
    tree = ast.parse(source)
    function = tree.body[-1]
    assert isinstance(function, ast.AsyncFunctionDef)
    for statement in function.body:
        ast.increment_lineno(statement, block.first_line - first)
    return compile(tree, str(README), "exec")


# --- the harness itself -----------------------------------------------------------------------


def test_extract_reads_fences_markers_and_kinds() -> None:
    text = textwrap.dedent(
        """\
        # Title

        ```sh
        make test
        ```

        <!-- readme-test: typecheck-only; reason: needs a proxy at
             proxy.internal -->

        ```python
        import asyncio

        asyncio.run(main())
        ```
        ````python
        async def test_it() -> None:
            fence = '''
        ```
        '''
        ````
        ```python
        sim = await client.sims.fetch("x")
        ```
        """
    )
    found = extract(text)
    assert found.errors == []
    assert [(b.line, b.lang, b.kind if b.lang == "python" else "-") for b in found.blocks] == [
        (3, "sh", "-"),
        (10, "python", "program"),
        (15, "python", "pytest"),
        (21, "python", "fragment"),
    ]
    program = found.blocks[1]
    assert (program.marker, program.reason) == (
        "typecheck-only",
        "needs a proxy at proxy.internal",
    )
    assert found.blocks[2].code == "async def test_it() -> None:\n    fence = '''\n```\n'''\n"
    assert found.blocks[3].marker is None


@pytest.mark.parametrize(
    ("marker", "error"),
    [
        ("<!-- readme-test: skip -->", "needs '; reason: <why>'"),
        ("<!-- readme-test: skip; reason:   -->", "needs '; reason: <why>'"),
        ("<!-- readme-test: typecheck-only; because: x -->", "needs '; reason: <why>'"),
        ("<!-- readme-test: ignore; reason: x -->", "kind 'ignore' is not one of"),
    ],
)
def test_a_marker_without_a_reason_or_kind_fails(marker: str, error: str) -> None:
    found = extract(f"{marker}\n```python\nx = 1\n```\n")
    assert len(found.errors) == 1
    assert found.errors[0].startswith("README.md:1: ")
    assert error in found.errors[0]
    assert found.blocks[0].marker is None


def test_a_marker_away_from_a_block_fails() -> None:
    found = extract("<!-- readme-test: skip; reason: x -->\nSome prose.\n\n```python\nx = 1\n```\n")
    assert found.errors == ["README.md:1: readme-test marker is not right before a code block"]


def test_fragments_map_back_to_readme_lines() -> None:
    block = Block(40, "python", "x = 1\n\ny = await f(x)\n")
    source, first = module_source(block)
    assert source.splitlines()[first - 1] == "    x = 1"
    assert readme_line(block, first + 2) == 43  # `y = ...`
    assert readme_line(block, 1) == 40  # the preamble: the fence
    code = compile_fragment(Block(40, "python", "raise RuntimeError('boom')\n"))
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    with pytest.raises(RuntimeError) as info:
        asyncio.run(namespace["readme_block"](None, None, [], "", print))
    assert info.traceback[-1].path == README
    assert info.traceback[-1].lineno + 1 == 41


# --- the README -------------------------------------------------------------------------------


def test_readme_markers_are_well_formed() -> None:
    assert README_BLOCKS.errors == []


def test_every_python_fence_of_the_readme_is_a_block() -> None:
    text = README.read_text(encoding="utf-8")
    fences = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("```python")]
    assert [block.line for block in README_BLOCKS.python] == fences
    assert fences, "no ```python block in README.md"


@pytest.mark.timeout(600)
def test_readme_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    blocks = [block for block in README_BLOCKS.python if block.marker != "skip"]
    files: dict[str, Block] = {}
    for block in blocks:
        prefix = "test_" if block.kind == "pytest" else ""
        path = tmp_path / f"{prefix}readme_{block.name}.py"
        path.write_text(module_source(block)[0], encoding="utf-8")
        files[path.name] = block
    config = tmp_path / "mypy.ini"
    config.write_text(
        textwrap.dedent(
            f"""\
            [mypy]
            python_version = 3.11
            mypy_path = {ROOT / "src"}:{ROOT / "generated"}
            [mypy-twilio_wireless.*,twilio_wireless_openapi.*]
            follow_imports = silent
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(ROOT / ".mypy_cache" / "readme"),
            "--show-error-codes",
            "--no-error-summary",
            "--no-color-output",
            "--hide-error-context",
            *sorted(files),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=570,
        check=False,
    )
    errors: list[tuple[int, str]] = []
    other = []
    for line in result.stdout.splitlines():
        match = re.match(r"(?P<file>[^:]+):(?P<line>\d+): (?P<rest>.*)", line)
        if match is None or match.group("file") not in files:
            other.append(line)
            continue
        block = files[match.group("file")]
        where = readme_line(block, int(match.group("line")))
        errors.append((where, f"README.md:{where}: {match.group('rest')}"))
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert not other, "\n".join(other)
    if errors:
        report = "\n".join(message for _, message in sorted(errors))
        pytest.fail(f"mypy --strict on the README's blocks:\n{report}", pytrace=False)


# --- fragments ----------------------------------------------------------------------------------


@pytest.fixture
def readme_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials from the environment are the simulator's; nothing else leaks in."""
    from twilio_wireless.simulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", DEFAULT_ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", DEFAULT_AUTH_TOKEN)
    for name in ("TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)


def seeded_simulator() -> WirelessSimulator:
    simulator = WirelessSimulator(
        SimulatorConfig(sims=50, seed=0, clock=ManualClock(), callback_transport=CallbackCapture())
    )
    simulator.add_rate_plan(unique_name="iot-basic", friendly_name="IoT basic")
    simulator.add_sim(status="ready", unique_name="pump-station-7", rate_plan="iot-basic")
    return simulator


@pytest.mark.parametrize("block", _blocks("fragment"))
@pytest.mark.usefixtures("readme_env")
async def test_readme_fragment_runs(block: Block) -> None:
    namespace: dict[str, Any] = {}
    exec(compile_fragment(block), namespace)
    saved: list[str | None] = []
    async with (
        seeded_simulator() as simulator,
        simulator.http_client(SIMULATOR_URL) as http,
        tw.WirelessClient(
            simulator.account_sid,
            simulator.auth_token,
            base_url=SIMULATOR_URL,
            http_client=http,
            clock=FakeClock(on_advance=lambda seconds: simulator.manual_clock.advance(seconds)),
        ) as client,
    ):
        sids = [
            sid
            for sid in simulator.sim_sids("ready")
            if (simulator.get_sim(sid) or {}).get("rate_plan_sid")
        ]
        assert sids
        first = await http.get(
            "/v1/Sims", params={"PageSize": 20}, auth=(simulator.account_sid, simulator.auth_token)
        )
        saved_url = first.json()["meta"]["next_page_url"]
        assert saved_url
        simulator.requests.clear()
        with anyio.fail_after(30):
            await namespace["readme_block"](
                client=client,
                simulator=simulator,
                sids=sids,
                saved_url=saved_url,
                save=saved.append,
            )


# --- complete programs ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`python -m twilio_wireless.simulator` on 127.0.0.1 (it stops itself after 5 min)."""
    log = tmp_path_factory.mktemp("simulator") / "stderr.log"
    with log.open("w") as stderr:
        yield from _serve(stderr, log)


def _serve(stderr: Any, log: Path) -> Iterator[dict[str, str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twilio_wireless.simulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--sims",
            "200",
            "--settle-delay",
            "0.2",
            "--stop-after",
            "300",
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(3)]
        assert banner[0].startswith("Twilio Wireless simulator on http://"), log.read_text()
        yield {
            "WIRELESS_BASE_URL": banner[0].split(" on ", 1)[1].strip(),
            "TWILIO_ACCOUNT_SID": banner[1].split(":", 1)[1].strip(),
            "TWILIO_AUTH_TOKEN": banner[2].split(":", 1)[1].strip(),
        }
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("block", _blocks("program"))
def test_readme_program_runs(
    block: Block, served_simulator: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / f"readme_{block.name}.py"
    script.write_text(block.code, encoding="utf-8")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TWILIO_") and name != "WIRELESS_BASE_URL"
    }
    env.update(served_simulator)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"README.md:{block.line}:\n{result.stderr}"
    assert result.stderr == ""


# --- pytest files -------------------------------------------------------------------------------


@pytest.mark.parametrize("block", _blocks("pytest"))
def test_readme_pytest_file_passes(block: Block, tmp_path: Path) -> None:
    """Under plain pytest: no configuration file, only the plugins installed."""
    (tmp_path / f"test_readme_{block.name}.py").write_text(block.code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    tests = sum(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
        for node in ast.parse(block.code).body
    )
    assert result.returncode == 0, f"README.md:{block.line}:\n{result.stdout}{result.stderr}"
    assert f"{tests} passed" in result.stdout, result.stdout
