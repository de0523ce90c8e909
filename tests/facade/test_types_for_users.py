"""The types users get are true: ordinary user code passes `mypy --strict` with no casts.

The snippet is what a gateway does with the SDK; `reveal_type` pins the types of the
fields it relies on, so a regression to `X | None | Unset` or `Any` fails here by name.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

USER_CODE = textwrap.dedent(
    """
    import datetime as dt

    import twilio_wireless as tw


    async def gateway(client: tw.WirelessClient) -> None:
        sim = await client.sims.fetch("pump-station-7")
        change = await client.sims.begin_update(sim.sid, status="active", unique_name="p7")
        settled = await change.wait(timeout=60)
        await client.sims.update(settled.sid, status=tw.SimStatus.SUSPENDED, wait=False)
        cmd = await client.commands.create(command=b"\\x01", sim=sim.sid)
        await client.commands.delete(cmd.sid)
        plan = await client.rate_plans.create(unique_name="basic", data_metering="pooled")
        plan = await client.rate_plans.update(plan.sid, friendly_name="Basic")
        async for record in client.sims.usage_records(
            sim.sid, start=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), granularity="daily"
        ):
            if record.period is not None and record.data is not None:
                print(record.period.start, record.data.total)
        async for page in client.sims.list(status="active", page_size=100).pages():
            print(page.next_page_url, [s.iccid for s in page.items])
        links = sim.links["usage_records"] if sim.links is not None else None
        try:
            await client.sims.delete(sim.sid)
        except tw.APIError as error:
            print(error.request_id, error.code)

        reveal_type(sim.sid)
        reveal_type(sim.account_sid)
        reveal_type(sim.date_created)
        reveal_type(sim.status)
        reveal_type(sim.unique_name)
        reveal_type(links)
        reveal_type(cmd.sim_sid)
        reveal_type(record.period)
        reveal_type(record.commands)
        reveal_type(record.data)
    """
)

EXPECTED = [
    "str",
    "str",
    "datetime.datetime",
    "twilio_wireless_openapi.models.sim_status.SimStatus | None",
    "str | None",
    "str | None",
    "str",
    "twilio_wireless_openapi.models.usage_period.UsagePeriod | None",
    "twilio_wireless_openapi.models.commands_usage.CommandsUsage | None",
    "twilio_wireless_openapi.models.data_usage.DataUsage | None",
]


def test_user_code_type_checks_strictly_with_true_types(tmp_path: Path) -> None:
    source = tmp_path / "gateway.py"
    source.write_text(USER_CODE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            "/dev/null",
            "--python-version",
            "3.11",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    lines = result.stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    assert errors == [], result.stdout
    revealed = [
        line.split('Revealed type is "', 1)[1].rstrip('"') for line in lines if "Revealed" in line
    ]
    assert [_members(t) for t in revealed] == [_members(t) for t in EXPECTED]


def _members(union: str) -> set[str]:
    return set(union.split(" | "))
