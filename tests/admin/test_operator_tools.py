"""The operator's tools end to end over real HTTP: ``scripts/onboard_customer.py`` and ``autoplay-sdk onboard``.

The whole journey runs offline: register on the local connector, hand over the key, stream with it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from autoplay_sdk.testing import LocalConnector, sample_events
from tests.admin.conftest import SECRET_RESPONSE, StubConnector
from tests.cli._run import Run

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "onboard_customer.py"
CLI = "import sys; from autoplay_sdk._cli import main; sys.exit(main())"


def _run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ONBOARD_FORCE_REREGISTER"}
    environ.update(PYTHONIOENCODING="utf-8", **env)
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, encoding="utf-8", timeout=60, env=environ, cwd=ROOT
    )


def script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run([str(SCRIPT), *args], **env)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return _run(["-c", CLI, *args])


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("onboard_customer", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


onboard_customer = _load_script()


def script_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = onboard_customer.main(list(args))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _summary_value(stdout: str, label: str) -> str:
    match = re.search(rf"{label}\s*:\s*(\S+)", stdout)
    assert match, stdout
    return match.group(1)


def _tail(connector: LocalConnector, url: str, key: str, events: int) -> Run:
    run = Run(["tail", url, "--token", key, "--max-events", str(events), "--max-retries", "0", "--for", "30"])
    assert run() == 0, run.stderr
    return run


def test_script_journey_register_hand_over_stream(connector: LocalConnector) -> None:
    done = script("--product-id", "acme", "--contact-email", "ops@acme.io", "--connector-url", connector.base_url)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    key = _summary_value(done.stdout, "Unkey key")
    secret = _summary_value(done.stdout, "X-PostHog-Secret header")
    assert done.stdout.count(key) == 1 and done.stdout.count(secret) == 1  # each secret shown exactly once
    assert "Onboarding customer: acme" in done.stdout and "  done." in done.stdout
    assert f"{connector.base_url}/webhook/acme" in done.stdout

    events = sample_events(product_id="acme", sessions=1)
    connector.publish_many(events, product_id="acme")
    run = _tail(connector, f"{connector.base_url}/stream/acme", key, len(events))
    assert key not in run.stdout + run.stderr


def test_script_already_registered_then_force(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, connector: LocalConnector
) -> None:
    first = httpx.post(f"{connector.base_url}/products", json={"product_id": "acme", "contact_email": "ops@acme.io"})
    key = first.json()["unkey_key"]

    again = script("--product-id", "acme", "--contact-email", "ops@acme.io", "--connector-url", connector.base_url)
    assert again.returncode == 3
    assert again.stderr.count("\n") == 1
    assert again.stderr.startswith("onboard_customer: error: connector returned HTTP 409")
    assert "--force-reregister" in again.stderr and key not in again.stderr

    monkeypatch.setenv("ONBOARD_FORCE_REREGISTER", "1")  # what older CI flows set
    code, out, err = script_in_process(
        capsys, "--product-id", "acme", "--contact-email", "ops@acme.io", "--connector-url", connector.base_url
    )
    assert (code, err) == (0, "")
    assert _summary_value(out, "Unkey key") != key


def test_script_validation_messages(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = script_in_process(capsys, "--product-id", " ", "--contact-email", "a@b")
    expected = "onboard_customer: error: Please provide a non-empty --product-id to onboard_customer.py"
    assert (code, out) == (2, "") and err.startswith(expected)
    code, _, err = script_in_process(capsys, "--product-id", "p")
    assert code == 2 and "--contact-email" in err


def test_script_connector_failures(
    capsys: pytest.CaptureFixture[str], connector: LocalConnector, stub_connector: StubConnector, unused_port: int
) -> None:
    code, _, err = script_in_process(
        capsys, "--product-id", "p", "--contact-email", "a@b", "--connector-url", f"http://127.0.0.1:{unused_port}"
    )
    assert code == 4 and "Could not reach the connector" in err and err.count("\n") == 1
    assert "Check the --connector-url you passed to onboard_customer.py" in err

    # POST {base}/stream/products is not a registration endpoint: the connector answers 405
    code, _, err = script_in_process(
        capsys, "--product-id", "p", "--contact-email", "a@b", "--connector-url", f"{connector.base_url}/stream"
    )
    assert code == 5 and "connector returned HTTP 405" in err

    stub_connector.body = {"webhook_secret": "only-a-secret"}
    code, out, err = script_in_process(
        capsys, "--product-id", "p", "--contact-email", "a@b", "--connector-url", stub_connector.url
    )
    assert code == 6 and "missing unkey_key" in err
    assert "only-a-secret" not in err + out


def test_cli_json_journey_and_errors(connector: LocalConnector, stub_connector: StubConnector) -> None:
    done = cli("onboard", "acme", "--contact-email", "ops@acme.io", "--connector-url", connector.base_url, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert done.stdout.count("\n") == 1
    assert result["stream_url"] == f"{connector.base_url}/stream/acme"
    assert set(result) == {
        "product_id",
        "webhook_url",
        "stream_url",
        "webhook_secret",
        "integration_type",
        "render_sync_performed",
        "unkey_key",
        "unkey_key_id",
    }
    assert result["unkey_key"] not in done.stderr

    connector.publish_many(sample_events(product_id="acme", sessions=1)[:3], product_id="acme")
    _tail(connector, result["stream_url"], result["unkey_key"], 3)

    stub_connector.status, stub_connector.body = 500, {"error": "boom", "webhook_secret": "leaky-secret"}
    failed = cli("onboard", "p", "--contact-email", "a@b", "--connector-url", stub_connector.url)
    assert failed.returncode == 5 and "[REDACTED]" in failed.stderr and "leaky-secret" not in failed.stderr


def test_cli_in_process_table_shows_each_secret_once(stub_connector: StubConnector) -> None:
    run = Run(["onboard", "acme", "--contact-email", "ops@acme.io", "--connector-url", stub_connector.url])
    assert run() == 0, run.stderr
    for secret in (SECRET_RESPONSE["unkey_key"], SECRET_RESPONSE["webhook_secret"]):
        assert run.stdout.count(str(secret)) == 1
    assert "autoplay-sdk tail" in run.stdout and run.stderr.strip() == ""
    method, path, _headers, raw = stub_connector.requests[-1]
    assert (method, path) == ("POST", "/products")
    assert json.loads(raw)["force_reregister"] is False

    forced = Run(
        ["onboard", "acme", "--contact-email", "a@b", "--connector-url", stub_connector.url, "--force-reregister"]
    )
    assert forced() == 0 and "Re-registered acme" in forced.stdout
    assert json.loads(stub_connector.requests[-1][3])["force_reregister"] is True


def test_cli_in_process_already_registered(connector: LocalConnector) -> None:
    argv = ["onboard", "acme", "--contact-email", "ops@acme.io", "--connector-url", connector.base_url]
    assert Run(argv)() == 0
    again = Run(argv)
    assert again() == 3 and "already registered" in again.stderr and "--force-reregister" in again.stderr
    assert again.stdout == ""


def test_cli_in_process_usage_errors() -> None:
    missing = Run(["onboard", "acme"])
    assert missing() == 2 and "--contact-email" in missing.stderr
    blank = Run(["onboard", " ", "--contact-email", "a@b", "--connector-url", "http://127.0.0.1:9"])
    assert blank() == 2 and "non-empty PRODUCT_ID to autoplay-sdk onboard" in blank.stderr
    no_email = Run(["onboard", "acme", "--contact-email", " ", "--connector-url", "http://127.0.0.1:9"])
    assert no_email() == 2 and "non-empty --contact-email to autoplay-sdk onboard" in no_email.stderr
    assert "onboard_product" not in blank.stderr + no_email.stderr


def test_cli_unreachable_connector_names_the_flag_not_the_parameter() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = Run(["onboard", "acme", "--contact-email", "a@b", "--connector-url", f"http://127.0.0.1:{port}"])
    assert run() == 4
    assert "Check the --connector-url you passed to autoplay-sdk onboard" in " ".join(run.stderr.split())
    assert "connector_url" not in run.stderr and "onboard_product" not in run.stderr


def test_cli_draws_its_own_progress_even_on_a_terminal(
    stub_connector: StubConnector, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autoplay_sdk.admin import connector_registration_http as http_mod

    monkeypatch.setattr(http_mod, "_registration_tty_ui", lambda: True)  # as if stdout were a terminal
    run = Run(["onboard", "acme", "--contact-email", "ops@acme.io", "--connector-url", stub_connector.url])
    assert run() == 0, run.stderr
    assert "✓ Registered acme" in run.stdout
    assert "Product registered successfully" not in run.stdout + capsys.readouterr().out  # no library line


def test_cli_connector_serves_registration_for_the_cli_onboard() -> None:
    import threading

    server = Run(["connector", "--port", "0", "--no-sample"])
    thread = threading.Thread(target=server, daemon=True)
    thread.start()
    try:
        assert server.ready.wait(30), server.stderr
        base_url = server.banner_value("Stream URL").rsplit("/stream/", 1)[0]
        onboard = Run(["onboard", "acme", "--contact-email", "ops@acme.io", "--connector-url", base_url, "--json"])
        assert onboard() == 0, onboard.stderr
        result = json.loads(onboard.stdout)
        with httpx.stream(
            "GET", result["stream_url"], headers={"Authorization": f"Bearer {result['unkey_key']}"}, timeout=10
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
    finally:
        server.stop.set()
        thread.join(15)
    assert server.code == 0


def test_cli_ctrl_c_during_registration_is_not_a_success(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("autoplay_sdk.admin.onboard_product_sync", interrupted)
    run = Run(["onboard", "acme", "--contact-email", "a@b", "--connector-url", "http://127.0.0.1:9"])
    assert run() == 130 and "interrupted" in run.stderr and run.stdout == ""
