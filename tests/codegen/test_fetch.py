"""`codegen.py --fetch` against a local mirror on 127.0.0.1: no test reaches the internet."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import codegen

SPEC_BYTES = b"openapi: 3.0.1\ninfo: {title: a pinned spec}\npaths: {}\n"
COMMIT = "c" * 40


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep request lines out of the test output."""


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory served on 127.0.0.1 as TWILIO_WIRELESS_SPEC_MIRROR, stopped afterwards."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 5
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    monkeypatch.setenv(codegen.MIRROR_ENV, f"http://127.0.0.1:{server.server_address[1]}/")
    monkeypatch.setattr(codegen, "FETCH_TIMEOUT", 5.0)
    try:
        yield root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pin of SPEC_BYTES at COMMIT, and a fetch target under tmp_path."""
    pin = tmp_path / "pin.toml"
    digest = hashlib.sha256(SPEC_BYTES).hexdigest()
    pin.write_text(
        'repository = "twilio/twilio-oai"\npath = "spec/yaml/twilio_wireless_v1.yaml"\n'
        f'commit = "{COMMIT}"\nsha256 = "{digest}"\n'
    )
    monkeypatch.setattr(codegen, "PIN_FILE", pin)
    target = tmp_path / "project" / "openapi" / ".upstream" / "twilio_wireless_v1.yaml"
    monkeypatch.setattr(codegen, "UPSTREAM_SPEC", target)
    return target


def _publish(mirror: Path, content: bytes) -> None:
    path = mirror / "twilio" / "twilio-oai" / COMMIT / "spec" / "yaml" / "twilio_wireless_v1.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)


def test_fetch_writes_the_pinned_file_and_codegen_then_finds_it(
    mirror: Path,
    pinned: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _publish(mirror, SPEC_BYTES)
    assert codegen.main(["--fetch"]) == 0
    assert pinned.read_bytes() == SPEC_BYTES
    assert "sha256 matches" in capsys.readouterr().out
    assert not pinned.with_name(pinned.name + ".tmp").exists()

    monkeypatch.delenv(codegen.SPEC_ENV, raising=False)
    monkeypatch.setattr(codegen, "DEFAULT_SPEC", tmp_path / "no-shared" / "spec.yaml")
    assert codegen.spec_path(None) == pinned
    raw, spec = codegen.load_spec(pinned)
    codegen.check_pin(raw, pinned)
    assert spec["openapi"] == "3.0.1"


def test_fetch_refuses_a_file_whose_sha256_is_not_pinned(
    mirror: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = SPEC_BYTES + b"# changed upstream\n"
    _publish(mirror, tampered)
    assert codegen.main(["--fetch"]) == 2
    err = capsys.readouterr().err
    assert hashlib.sha256(tampered).hexdigest() in err
    assert hashlib.sha256(SPEC_BYTES).hexdigest() in err
    assert "Nothing was written" in err
    assert not pinned.parent.exists()


def test_fetch_of_a_missing_commit_is_a_clear_error(
    mirror: Path, pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert codegen.main(["--fetch"]) == 2
    err = capsys.readouterr().err
    assert "HTTP 404" in err
    assert f"/twilio/twilio-oai/{COMMIT}/spec/yaml/twilio_wireless_v1.yaml" in err
    assert not pinned.parent.exists()


def test_fetch_with_nothing_listening_is_a_clear_error(
    pinned: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Port 9 (discard) on loopback: refused at once, never a request off this machine.
    monkeypatch.setenv(codegen.MIRROR_ENV, "http://127.0.0.1:9")
    assert codegen.main(["--fetch"]) == 2
    assert "could not download http://127.0.0.1:9/twilio/" in capsys.readouterr().err
    assert not pinned.parent.exists()


def test_fetch_only_downloads_over_http(
    pinned: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(codegen.MIRROR_ENV, "file:///etc")
    assert codegen.main(["--fetch"]) == 2
    assert "only http(s) URLs" in capsys.readouterr().err


def test_the_default_url_is_the_pinned_raw_github_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(codegen.MIRROR_ENV, raising=False)
    pin = codegen.read_pin()
    assert codegen.pinned_url() == (
        f"https://raw.githubusercontent.com/twilio/twilio-oai/{pin['commit']}/{pin['path']}"
    )
