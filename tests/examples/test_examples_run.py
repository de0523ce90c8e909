"""Each example script runs as a user would run it, against the simulator, in bounded time."""

from __future__ import annotations

import csv
import datetime as dt
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ._plain import EXAMPLES, run_example, user_env

SCRIPTS = ["gateway.py", "fleet_activation.py", "usage_report.py"]


@pytest.mark.parametrize("script", [*SCRIPTS, "test_gateway.py"])
def test_each_example_says_how_to_run_it(script: str) -> None:
    text = (EXAMPLES / script).read_text()
    docstring = text.split('"""')[1]
    assert f"examples/{script}" in docstring


@pytest.mark.parametrize("script", SCRIPTS)
def test_live_mode_needs_credentials(script: str, tmp_path: Path) -> None:
    args = ["out.csv"] if script == "usage_report.py" else []
    result = run_example(script, *args, "--live", cwd=tmp_path)
    assert result.returncode == 2
    assert "--live needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in result.stderr


# --- gateway.py ---------------------------------------------------------------------------------


def test_the_gateway_watches_reacts_and_survives_errors(tmp_path: Path) -> None:
    result = run_example("gateway.py", "--iterations", "14", "--interval", "0.2", cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    lines = out.splitlines()
    assert lines[0].startswith("watching 40 SIMs (")
    assert lines[0].endswith("on http://wireless.simulator")
    # The simulator's injected faults, outlasting the client's 3 attempts, each handled.
    assert "tick 3: ServerError: HTTP 503 (code 20503) after 3 attempts" in out
    assert "tick 5: RateLimitError: HTTP 429 (code 20429) after 3 attempts" in out
    # The operator activates SIMs: each is provisioned with a text and a binary Command.
    assert re.search(r"^tick \d+: sim-\d{6} ready -> active$", out, re.MULTILINE), out
    assert re.search(r"^  sent text Command DC[0-9a-f]{32} to sim-\d{6}$", out, re.MULTILINE)
    assert re.search(r"^  sent binary Command DC[0-9a-f]{32} to sim-\d{6}$", out, re.MULTILINE)
    summary = re.fullmatch(
        r"stopped after 14 polls: (\d+) status changes, (\d+) Commands sent \(0 failed\), "
        r"2 errors",
        lines[-1],
    )
    assert summary is not None, lines[-1]
    assert int(summary.group(2)) == 2 * out.count(" -> active\n")


def test_the_gateway_stops_after_its_duration(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_example("gateway.py", "--duration", "1", "--interval", "0.2", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 20
    assert re.search(r"^stopped after [1-6] polls", result.stdout, re.MULTILINE), result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_gateway_cleanly(sig: signal.Signals, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "gateway.py"), "--interval", "0.2"],  # no bound
        cwd=tmp_path,
        env=user_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # once it is polling
        assert first.startswith("watching"), first
        process.send_signal(sig)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, out + err
    assert f"{sig.name}: stopping after this poll" in out
    assert re.search(r"^stopped after \d+ polls", out, re.MULTILINE), out
    assert "Traceback" not in err


# --- fleet_activation.py ------------------------------------------------------------------------


def test_fleet_activation_reports_each_failure_and_exits_1(tmp_path: Path) -> None:
    result = run_example("fleet_activation.py", "--sims", "60", "--fail", "3", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "60 ready SIMs on http://wireless.simulator"
    assert re.fullmatch(r"activated 57 of 60 SIMs in [\d.]+ s", lines[1])
    assert re.fullmatch(
        r"the client retried \d+ times on the way \(.*ServerError.*RateLimitError.*\)", lines[2]
    ), lines[2]
    assert lines[3] == "failed: 3 (3 ServerError)"
    assert len(lines) == 7
    for line in lines[4:]:
        assert re.fullmatch(r"  DE[0-9a-f]{32}: ServerError: HTTP 503 after 4 attempts", line)
    # The progress bar, on stderr: not a terminal here, so a line every 10%.
    bars = result.stderr.splitlines()
    assert len(bars) == 11, result.stderr
    assert bars[-1].startswith("[" + "#" * 30 + "] 100% 60/60  3 failed  ")


def test_fleet_activation_succeeds_on_a_healthy_fleet(tmp_path: Path) -> None:
    result = run_example("fleet_activation.py", "--sims", "40", "--concurrency", "8", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "activated 40 of 40 SIMs" in result.stdout
    assert "failed" not in result.stdout


# --- usage_report.py ----------------------------------------------------------------------------


def test_usage_report_writes_the_records_to_csv(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    result = run_example("usage_report.py", str(path), "--sims", "30", "--days", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    with path.open(newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
        assert reader.fieldnames is not None
        assert reader.fieldnames[:5] == [
            "scope",
            "sim_sid",
            "sim_unique_name",
            "period_start",
            "period_end",
        ]
    scopes = Counter(row["scope"] for row in rows)
    per_sim = Counter(row["sim_sid"] for row in rows if row["scope"] == "sim")
    # 3 days, daily: the partial first day and 3 whole ones (the window ends on the hour).
    assert 3 <= scopes["account"] <= 4
    assert per_sim
    assert set(per_sim.values()) == {scopes["account"]}
    for row in rows:
        start = dt.datetime.fromisoformat(row["period_start"])
        end = dt.datetime.fromisoformat(row["period_end"])
        assert start.tzinfo is not None
        assert start < end
        assert int(row["data_total"]) >= 0
        assert int(row["commands_total"]) >= 0
        if row["scope"] == "sim":
            assert re.fullmatch(r"DE[0-9a-f]{32}", row["sim_sid"])
            assert re.fullmatch(r"sim-\d{6}", row["sim_unique_name"])
        else:
            assert row["sim_sid"] == row["sim_unique_name"] == ""
    summary = result.stdout.splitlines()
    assert summary[0].startswith(
        f"wrote {len(rows)} rows to {path}: {scopes['account']} account records and "
        f"{scopes['sim']} records of {len(per_sim)} active SIMs, "
    )
    data = sum(int(row["data_total"]) for row in rows if row["scope"] == "account")
    assert summary[1].endswith(f"{data / 1e6:.1f} MB of data")
