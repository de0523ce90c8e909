"""codegen.py: pin check, spec lookup, determinism, staleness check, pinned tools, patches."""

from __future__ import annotations

import copy
import json
import shutil
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from patches import PATCHES, PatchError, apply_patches

import codegen

ROOT = Path(codegen.__file__).parent


def test_pin_records_the_upstream_file() -> None:
    pin = codegen.read_pin()
    assert pin["repository"] == "twilio/twilio-oai"
    assert pin["path"] == "spec/yaml/twilio_wireless_v1.yaml"
    assert len(pin["commit"]) == 40
    assert len(pin["sha256"]) == 64


def test_a_modified_spec_is_refused(
    upstream_spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modified = tmp_path / "spec.yaml"
    modified.write_bytes(upstream_spec_path.read_bytes() + b"\n# one more line\n")
    assert codegen.main(["--spec", str(modified), "--check"]) == 2
    err = capsys.readouterr().err
    assert "sha256" in err
    assert "make regen SPEC=" in err


def test_a_missing_spec_says_how_to_get_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert codegen.main(["--spec", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err
    assert "twilio/twilio-oai" in err
    assert "TWILIO_WIRELESS_SPEC" in err
    assert "python codegen.py --fetch" in err


def test_spec_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default, fetched_default = codegen.DEFAULT_SPEC, codegen.UPSTREAM_SPEC
    assert default == ROOT.parent / "shared" / "openapi" / "twilio_wireless_v1.yaml"
    assert fetched_default == ROOT / "openapi" / ".upstream" / "twilio_wireless_v1.yaml"
    shared, fetched = tmp_path / "shared.yaml", tmp_path / "fetched.yaml"
    monkeypatch.setattr(codegen, "DEFAULT_SPEC", shared)
    monkeypatch.setattr(codegen, "UPSTREAM_SPEC", fetched)
    monkeypatch.setenv(codegen.SPEC_ENV, "/from/env.yaml")
    assert codegen.spec_path("/from/cli.yaml") == Path("/from/cli.yaml")
    assert codegen.spec_path(None) == Path("/from/env.yaml")
    monkeypatch.delenv(codegen.SPEC_ENV)
    assert codegen.spec_path(None) == shared  # neither exists: the error names the default
    fetched.write_text("")
    assert codegen.spec_path(None) == fetched
    shared.write_text("")
    assert codegen.spec_path(None) == shared


def test_fetched_spec_is_git_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "openapi/.upstream/" in ignored


def test_inventory_describes_the_pinned_patched_spec(upstream_spec: dict[str, Any]) -> None:
    committed = (ROOT / "openapi" / "inventory.json").read_text()
    fresh = codegen.surface(apply_patches(upstream_spec))
    assert json.loads(committed) == fresh
    assert committed == codegen.inventory_text(fresh)  # sorted: diffs show only real changes


def test_generating_twice_gives_identical_bytes(
    upstream_spec: dict[str, Any], tmp_path: Path
) -> None:
    first, second = tmp_path / "a" / codegen.PACKAGE, tmp_path / "b" / codegen.PACKAGE
    codegen.generate(upstream_spec, first)
    codegen.generate(upstream_spec, second)
    assert codegen.tree_diff(first, second) == []
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_committed_generated_package_is_current(
    upstream_spec_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert codegen.main(["--spec", str(upstream_spec_path), "--check"]) == 0
    assert "current" in capsys.readouterr().out


def test_check_reports_a_stale_file(upstream_spec: dict[str, Any], tmp_path: Path) -> None:
    fresh, stale = tmp_path / "fresh" / codegen.PACKAGE, tmp_path / "stale" / codegen.PACKAGE
    codegen.generate(upstream_spec, fresh)
    shutil.copytree(fresh, stale)
    (stale / "models" / "sim.py").write_text((stale / "models" / "sim.py").read_text() + "# edit\n")
    (stale / "extra.py").write_text("")
    (stale / "errors.py").unlink()
    report = "\n".join(codegen.tree_diff(fresh, stale))
    assert "stale: twilio_wireless_openapi/models/sim.py" in report
    assert "+# edit" not in report  # the diff shows what the fresh output would remove
    assert "-# edit" in report
    assert "not produced by codegen: twilio_wireless_openapi/extra.py" in report
    assert "missing from generated/: twilio_wireless_openapi/errors.py" in report


def test_every_generated_file_says_it_is_generated() -> None:
    package = ROOT / "generated" / codegen.PACKAGE
    sources = list(package.rglob("*.py"))
    assert len(sources) > 40
    assert all(p.read_text().startswith(codegen.HEADER) for p in sources)
    assert (package / "py.typed").is_file()


def test_codegen_tools_are_pinned_the_same_everywhere() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    codegen_extra = pyproject["project"]["optional-dependencies"]["codegen"]
    constraints = (ROOT / "constraints.txt").read_text().splitlines()
    for dist, version in codegen.TOOL_VERSIONS.items():
        assert f"{dist}=={version}" in codegen_extra
        assert f"{dist}=={version}" in constraints
    runtime = " ".join(pyproject["project"]["dependencies"])
    assert "openapi-python-client" not in runtime
    assert "ruff" not in runtime


# patches -----------------------------------------------------------------------------


def test_every_patch_has_a_name_and_a_reason() -> None:
    names = [p.name for p in PATCHES]
    assert names[:7] == [
        "nullable_enum_refs",
        "update_sim_accepts_202",
        "documented_enum_values",
        "twilio_error_schema",
        "shared_page_meta",
        "shared_http_method_enum",
        "sim_links_as_mapping",
    ]
    assert len(set(names)) == len(names)
    assert all(len(p.reason) > 20 for p in PATCHES)


def test_patches_do_not_modify_their_input(upstream_spec: dict[str, Any]) -> None:
    before = copy.deepcopy(upstream_spec)
    apply_patches(upstream_spec)
    assert upstream_spec == before


@pytest.mark.parametrize(
    ("mutate", "patch_name"),
    [
        (
            lambda s: s["components"]["schemas"]["wireless.v1.sim"]["properties"].update(
                reset_status={"allOf": [{"$ref": "#/x"}], "nullable": True}
            ),
            "nullable_enum_refs",
        ),
        (
            lambda s: s["paths"]["/v1/Sims/{Sid}"]["post"]["responses"].update({"202": {}}),
            "update_sim_accepts_202",
        ),
        (
            lambda s: s["components"]["schemas"]["sim_enum_status"]["enum"].append("deleted"),
            "documented_enum_values",
        ),
        (
            lambda s: s["components"]["schemas"].update(twilio_error_body={}),
            "twilio_error_schema",
        ),
        (
            lambda s: s["paths"]["/v1/Commands"]["get"]["responses"]["200"]["content"][
                "application/json"
            ]["schema"]["properties"]["meta"]["properties"].pop("key"),
            "shared_page_meta",
        ),
        (
            lambda s: s["components"]["schemas"]["wireless.v1.sim"]["properties"][
                "sms_method"
            ].update(enum=["GET", "POST", "PUT"]),
            "shared_http_method_enum",
        ),
        (
            lambda s: s["components"]["schemas"]["wireless.v1.sim"]["properties"]["links"].update(
                properties={"rate_plan": {"type": "string"}}
            ),
            "sim_links_as_mapping",
        ),
    ],
)
def test_a_patch_fails_loudly_when_upstream_changes(
    upstream_spec: dict[str, Any], mutate: Any, patch_name: str
) -> None:
    changed = copy.deepcopy(upstream_spec)
    mutate(changed)
    with pytest.raises(PatchError, match=f"patch '{patch_name}'"):
        apply_patches(changed)


def test_the_wheel_ships_both_packages_with_py_typed(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    wheel = Path(
        next(iter(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])))
    )
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "twilio_wireless/__init__.py" in names
    assert "twilio_wireless/py.typed" in names
    assert "twilio_wireless_openapi/models/sim.py" in names
    assert "twilio_wireless_openapi/py.typed" in names
    assert not any(n.startswith(("tests/", "openapi/", "generated/", "src/")) for n in names)


def test_a_failed_run_leaves_generated_untouched(
    upstream_spec_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "generated" / codegen.PACKAGE
    shutil.copytree(ROOT / "generated" / codegen.PACKAGE, output)
    monkeypatch.setattr(codegen, "OUTPUT_DIR", output)
    monkeypatch.setattr(codegen, "TOOL_VERSIONS", {"ruff": "0.0.0"})
    assert codegen.main(["--spec", str(upstream_spec_path)]) == 2
    assert (output / "models" / "sim.py").is_file()
    assert codegen.tree_diff(ROOT / "generated" / codegen.PACKAGE, output) == []


@pytest.mark.parametrize("mode", ["--regen", "--update-pin"])
@pytest.mark.parametrize("commit", ['abc"def', "f" * 39, "g" * 40, None])
def test_regen_refuses_a_malformed_or_missing_commit(
    upstream_spec_path: Path, mode: str, commit: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    before = codegen.PIN_FILE.read_text()
    args = ["--spec", str(upstream_spec_path), mode]
    assert codegen.main(args if commit is None else [*args, "--commit", commit]) == 2
    assert ("40-hex-digit" if commit else "--regen needs --commit") in capsys.readouterr().err
    assert codegen.PIN_FILE.read_text() == before


def test_commit_without_regen_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert codegen.main(["--commit", "f" * 40]) == 2
    assert "--commit only goes with --regen" in capsys.readouterr().err


def test_a_missing_inventory_is_explained(
    upstream_spec_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(codegen, "INVENTORY_FILE", tmp_path / "inventory.json")
    assert codegen.main(["--spec", str(upstream_spec_path), "--check"]) == 2
    assert "inventory.json is missing" in capsys.readouterr().err
