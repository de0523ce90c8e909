"""Child processes of the harnesses that drive `python -m twilio_wireless.simulator` (soak,
fleet): start the server, call its admin routes, read a child's lines, stop a child."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = re.compile(r"on (http://127\.0\.0\.1:\d+)")
PROGRAM = Path(sys.argv[0]).stem  # names the harness in its errors: "fleet: ..."


def stop(process: subprocess.Popen[Any] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


class Lines:
    """A process's stdout lines, read by a daemon thread, so every wait has a timeout."""

    def __init__(self, process: subprocess.Popen[str], label: str) -> None:
        self.process = process
        self.label = label
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> str:
        """The first line matching `pattern` (its group 1); SystemExit if none in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                break
            if line is None:
                break
            match = pattern.search(line)
            if match:
                return match.group(1)
        raise SystemExit(
            f"{PROGRAM}: {self.label} printed no "
            f"{pattern.pattern!r} within {timeout:g} s (exit status {self.process.poll()})"
        )


def admin(url: str, path: str, method: str = "GET", body: object = None) -> Any:
    """The simulator's admin route (loopback only): read stats, set or clear faults."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/__simulator/{path}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def start_server(options: list[str], timeout: float) -> tuple[subprocess.Popen[str], str]:
    """`python -m twilio_wireless.simulator --port 0 OPTIONS` on 127.0.0.1 and its URL, once
    it answers (SystemExit if it does not within `timeout` seconds)."""
    command = [sys.executable, "-m", "twilio_wireless.simulator", "--port", "0", *options]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = Lines(server, "the simulator server").wait_for(ADDRESS, timeout)
        deadline = time.monotonic() + 30
        while True:  # the banner is printed before uvicorn listens
            try:
                admin(url, "stats")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
    except BaseException:
        stop(server)
        raise
    return server, url
