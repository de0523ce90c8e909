"""`codegen.py --regen`: one command moves to a new spec, or writes nothing at all."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from patches import PATCHES, PatchError, SpecPatch, apply_patches, expect

import codegen

ROOT = Path(codegen.__file__).parent
NEW_COMMIT = "F" * 40  # upper case is accepted and stored lower case


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every file --regen writes, as copies under tmp_path: the real tree is never touched."""
    box = tmp_path / "box"
    (box / "openapi").mkdir(parents=True)
    shutil.copy(codegen.PIN_FILE, box / "openapi" / "pin.toml")
    shutil.copy(codegen.INVENTORY_FILE, box / "openapi" / "inventory.json")
    (box / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\n### Added\n- x\n")
    output = box / "generated" / codegen.PACKAGE
    output.mkdir(parents=True)
    (output / "old.py").write_text("# the previous generation\n")
    monkeypatch.setattr(codegen, "PIN_FILE", box / "openapi" / "pin.toml")
    monkeypatch.setattr(codegen, "INVENTORY_FILE", box / "openapi" / "inventory.json")
    monkeypatch.setattr(codegen, "CHANGES_FILE", box / "openapi" / "CHANGES.md")
    monkeypatch.setattr(codegen, "CHANGELOG_FILE", box / "CHANGELOG.md")
    monkeypatch.setattr(codegen, "OUTPUT_DIR", output)
    return box


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its bytes (None for a directory)."""
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def _write_spec(spec: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(spec))
    return path


def _newer(upstream_spec: dict[str, Any]) -> dict[str, Any]:
    """The pinned spec with one change of each kind the report covers."""
    newer = copy.deepcopy(upstream_spec)
    schemas = newer["components"]["schemas"]
    schemas["sim_enum_status"]["enum"].append("hibernating")
    schemas["sim_enum_status"]["enum"].remove("scheduled")
    schemas["wireless.v1.esim_profile"] = {"type": "object", "properties": {"sid": {}}}
    schemas["wireless.v1.rate_plan"]["properties"]["friendly_name"]["type"] = "integer"
    schemas["wireless.v1.sim"]["properties"]["imei"] = {"type": "string", "nullable": True}
    del newer["paths"]["/v1/Commands/{Sid}"]["delete"]
    newer["paths"]["/v1/Sims"]["get"]["parameters"].append(
        {"name": "Region", "in": "query", "required": True, "schema": {"type": "string"}}
    )
    return newer


def test_regen_moves_everything_and_reports_what_changed(
    upstream_spec: dict[str, Any],
    sandbox: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old_pin = codegen.read_pin()
    spec_file = _write_spec(_newer(upstream_spec), tmp_path / "newer.yaml")

    assert codegen.main(["--spec", str(spec_file), "--regen", "--commit", NEW_COMMIT]) == 0

    out = capsys.readouterr().out
    report = (sandbox / "openapi" / "CHANGES.md").read_text()
    assert out.startswith(report)
    expected = [
        "- **BREAKING** `ListSim`: added required parameter `query Region` (`string`)",
        "- **BREAKING** `wireless.v1.rate_plan`: field `friendly_name` type `string` -> `integer`",
        "- **BREAKING** enum `sim_enum_status`: removed value `scheduled`",
        "- **BREAKING** removed operation `DELETE /v1/Commands/{Sid} DeleteCommand`",
        "- `wireless.v1.sim`: added field `imei` (`string`)",
        "- added schema `wireless.v1.esim_profile`",
        "- enum `sim_enum_status`: added value `hibernating`",
    ]
    assert report.endswith("\n".join(expected) + "\n")
    assert "7 changes to the SDK surface, 4 breaking:" in report
    assert f"| old | `{old_pin['commit']}` | `{old_pin['sha256']}` |" in report
    digest = hashlib.sha256(spec_file.read_bytes()).hexdigest()
    assert f"| new | `{'f' * 40}` | `{digest}` |" in report

    moved = tomllib.loads((sandbox / "openapi" / "pin.toml").read_text())
    assert moved == {**old_pin, "commit": "f" * 40, "sha256": digest}
    _, newer = codegen.load_spec(spec_file)
    inventory = (sandbox / "openapi" / "inventory.json").read_text()
    assert inventory == codegen.inventory_text(codegen.surface(apply_patches(newer)))
    changelog = (sandbox / "CHANGELOG.md").read_text()
    assert changelog.startswith(
        f"# Changelog\n\n## Unreleased\n\n### Upstream spec twilio/twilio-oai@{'f' * 12}\n"
    )
    assert "\n".join(expected) + "\n\n### Added\n- x\n" in changelog
    output = sandbox / "generated" / codegen.PACKAGE
    assert not (output / "old.py").exists()
    assert (output / "models" / "sim.py").is_file()
    assert "imei" in (output / "models" / "sim.py").read_text()
    assert [p.name for p in output.parent.iterdir()] == [codegen.PACKAGE]  # no leftovers

    # The same spec now passes the check, as `make codegen-check SPEC=...` would.
    assert codegen.main(["--spec", str(spec_file), "--check"]) == 0
    assert "generated/ is current" in capsys.readouterr().out


def test_a_spec_that_breaks_two_patches_writes_nothing(
    upstream_spec: dict[str, Any],
    sandbox: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = _newer(upstream_spec)
    broken["paths"]["/v1/Sims/{Sid}"]["post"]["responses"]["202"] = {"description": "fixed"}
    broken["components"]["schemas"]["sim_enum_status"]["enum"].append("deleted")
    spec_file = _write_spec(broken, tmp_path / "broken.yaml")
    before = _snapshot(sandbox)

    assert codegen.main(["--spec", str(spec_file), "--regen", "--commit", NEW_COMMIT]) == 2

    err = capsys.readouterr().err
    assert "2 of " in err
    assert "patch 'update_sim_accepts_202'" in err
    assert "expected: set(responses) == {'200'}" in err
    assert "patch 'documented_enum_values'" in err
    assert "expected: value not in schema['enum']" in err
    assert "Nothing was written" in err
    assert _snapshot(sandbox) == before


def test_a_generator_failure_writes_nothing(
    upstream_spec: dict[str, Any],
    sandbox: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec_file = _write_spec(_newer(upstream_spec), tmp_path / "newer.yaml")
    monkeypatch.setattr(codegen, "TOOL_VERSIONS", {"ruff": "0.0.0"})
    before = _snapshot(sandbox)
    assert codegen.main(["--spec", str(spec_file), "--regen", "--commit", NEW_COMMIT]) == 2
    assert _snapshot(sandbox) == before


def test_regen_of_the_pinned_spec_changes_nothing_but_generated(
    upstream_spec_path: Path, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pin = codegen.read_pin()
    before = _snapshot(sandbox / "openapi")
    changelog = (sandbox / "CHANGELOG.md").read_text()
    args = ["--spec", str(upstream_spec_path), "--regen", "--commit", pin["commit"]]
    assert codegen.main(args) == 0
    assert "0 changes to the SDK surface, 0 breaking." in capsys.readouterr().out
    after = _snapshot(sandbox / "openapi")
    assert after.pop("CHANGES.md") is not None
    assert after == before
    assert (sandbox / "CHANGELOG.md").read_text() == changelog  # nothing moved: no entry


def test_a_failed_swap_puts_everything_back(sandbox: Path, tmp_path: Path) -> None:
    before = _snapshot(sandbox)
    never_generated = tmp_path / "staging" / codegen.PACKAGE
    never_generated.parent.mkdir()
    with pytest.raises(FileNotFoundError):
        codegen.install(never_generated, {codegen.PIN_FILE: "moved", codegen.CHANGES_FILE: "x"})
    assert _snapshot(sandbox) == before


def _stale_inventory(sandbox: Path) -> None:
    """Make the sandbox inventory miss one enum value, as after a new patch."""
    inventory = json.loads((sandbox / "openapi" / "inventory.json").read_text())
    inventory["enums"]["sim_enum_status"].remove("deleted")
    (sandbox / "openapi" / "inventory.json").write_text(json.dumps(inventory))


def test_check_reports_an_inventory_that_no_longer_matches_the_patches(
    upstream_spec_path: Path, sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stale_inventory(sandbox)
    shutil.rmtree(sandbox / "generated" / codegen.PACKAGE)
    shutil.copytree(ROOT / "generated" / codegen.PACKAGE, sandbox / "generated" / codegen.PACKAGE)
    assert codegen.main(["--spec", str(upstream_spec_path), "--check"]) == 1
    out = capsys.readouterr().out
    assert "openapi/inventory.json does not describe the pinned, patched spec" in out
    assert "- enum `sim_enum_status`: added value `deleted`" in out
    assert "generated/ is stale" not in out


def test_codegen_rewrites_an_inventory_a_patch_change_made_stale(
    upstream_spec: dict[str, Any],
    upstream_spec_path: Path,
    sandbox: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _stale_inventory(sandbox)
    pin = (sandbox / "openapi" / "pin.toml").read_bytes()
    assert codegen.main(["--spec", str(upstream_spec_path)]) == 0
    out = capsys.readouterr().out
    assert "updated openapi/inventory.json:\n- enum `sim_enum_status`: added value `deleted`" in out
    inventory = (sandbox / "openapi" / "inventory.json").read_text()
    assert inventory == codegen.inventory_text(codegen.surface(apply_patches(upstream_spec)))
    assert (sandbox / "openapi" / "pin.toml").read_bytes() == pin
    assert not (sandbox / "openapi" / "CHANGES.md").exists()
    assert (sandbox / "CHANGELOG.md").read_text().count("Upstream spec") == 0


# apply_patches ---------------------------------------------------------------------


def _fake_patches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Four patches: expect fails, KeyError, TypeError after a partial edit, then a good one."""
    seen: list[str] = []

    def wants_v2(spec: dict[str, Any]) -> None:
        expect(spec["version"] == 2, f"version is {spec['version']}")

    def needs_paths(spec: dict[str, Any]) -> None:
        spec["paths"]["/x"] = {}

    def half_done(spec: dict[str, Any]) -> None:
        spec["half"] = True
        spec["version"] + "x"  # a TypeError after a partial change

    def records(spec: dict[str, Any]) -> None:
        seen.append("half" if "half" in spec else "clean")
        spec["recorded"] = True

    monkeypatch.setattr(
        "patches.PATCHES",
        [
            SpecPatch("wants_v2", "the fix only applies to version 2 specs", wants_v2),
            SpecPatch("needs_paths", "adds a path", needs_paths),
            SpecPatch("half_done", "edits two things", half_done),
            SpecPatch("records", "sees what the failed patches left", records),
        ],
    )
    return seen


def test_every_failing_patch_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_patches(monkeypatch)
    with pytest.raises(PatchError) as caught:
        apply_patches({"version": 1})
    failures = caught.value.failures
    assert [f.name for f in failures] == ["wants_v2", "needs_paths", "half_done"]
    wants, needs, half = failures
    assert wants.reason == "the fix only applies to version 2 specs"
    assert wants.expected == "spec['version'] == 2"
    assert wants.found == "version is 1"
    assert wants.where.startswith("tests/codegen/test_regen.py:")
    assert needs.expected == """key 'paths', read by `spec["paths"]["/x"] = {}`"""
    assert needs.found == "no such key (KeyError)"
    assert half.found.startswith("TypeError: ")
    assert seen == ["clean"]  # a failed patch leaves no half-applied change behind
    message = str(caught.value)
    assert message.startswith("3 of 4 patches no longer fit the spec:\n")
    for name in ("wants_v2", "needs_paths", "half_done"):
        assert f"patch '{name}'" in message


def test_a_failure_points_at_the_patch_line(upstream_spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(upstream_spec)
    del broken["components"]["schemas"]["wireless.v1.command"]
    with pytest.raises(PatchError) as caught:
        apply_patches(broken)
    first = caught.value.failures[0]
    assert first.name == PATCHES[0].name
    assert first.expected.startswith("key 'wireless.v1.command', read by `")
    path, line = first.where.split(":")
    assert path == "openapi/patches.py"
    source = (ROOT / path).read_text().splitlines()[int(line) - 1]
    assert "schemas[schema_name]" in source


# the Makefile ----------------------------------------------------------------------


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )


def test_make_exports_spec_to_every_recipe() -> None:
    show = ["--eval", "show-spec: ; @echo spec=$$TWILIO_WIRELESS_SPEC", "show-spec"]
    assert _make(*show, "SPEC=some/new.yaml").stdout == f"spec={ROOT / 'some' / 'new.yaml'}\n"
    assert _make(*show).stdout == "spec=\n"


def test_make_regen_runs_the_one_command() -> None:
    dry = _make("-n", "regen", "SPEC=new.yaml", f"COMMIT={'a' * 40}")
    expected = f'codegen.py --regen --spec "{ROOT / "new.yaml"}" --commit "{"a" * 40}"'
    assert expected in dry.stdout
    assert "regen needs COMMIT=" in _make("-n", "regen", "SPEC=new.yaml").stderr
    assert "regen needs SPEC=" in _make("-n", "regen", f"COMMIT={'a' * 40}").stderr


def test_codegen_runs_as_a_script() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "codegen.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert "--regen" in result.stdout
    assert "--fetch" in result.stdout
