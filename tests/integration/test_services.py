"""The production shape the way deploy/compose.yml runs it, as separate processes on this
machine: `digibridge db upgrade` once, `digibridge serve actions`, two `digibridge serve
rasa` and the gateway alone (`digibridge up --no-train` with DIGIBRIDGE_RASA_URL listing
both), on PostgreSQL and Redis, the shared secrets only in their environments."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot import PROJECT_ROOT
from tests.conftest import postgres_database
from tests.integration.stack import STARTUP_TIMEOUT, Stack, free_port

REDIS = os.environ.get("DIGIBRIDGE_TEST_REDIS", "redis://127.0.0.1:6379/7")
DIGIBRIDGE = Path(sys.executable).with_name("digibridge")  # the command compose runs


class Service:
    """One `digibridge` command as its own process, with only the environment given."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log = folder / f"{name}.log"
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("DIGIBRIDGE_", "TELEGRAM_"))
        }
        self.process = subprocess.Popen(
            [str(DIGIBRIDGE), *args],
            cwd=folder,  # not the project: nothing may depend on where it is started
            env={**base, "DIGIBRIDGE_DATA_DIR": str(folder), **env},
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.name}\n" + "\n".join(text)

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def _wait_for(what: str, check, services: list[Service], timeout: float = STARTUP_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for service in services:
            if service.process.poll() is not None:
                logs = "\n".join(s.tail() for s in services)
                raise AssertionError(
                    f"{service.name} exited with {service.process.returncode}\n{logs}"
                )
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise AssertionError(f"not {what} in {timeout} s\n" + "\n".join(s.tail() for s in services))


def _status(rasa_url: str, token: str) -> requests.Response:
    return requests.get(f"{rasa_url}/status", params={"token": token}, timeout=5)


@pytest.fixture
def database():
    with postgres_database() as url:
        yield url


def test_the_parts_run_as_separate_services_on_postgres_and_redis(model, database, tmp_path):
    shared = {  # what compose takes from deploy/.env: the same values in every service
        "DIGIBRIDGE_RASA_TOKEN": secrets.token_urlsafe(32),
        "DIGIBRIDGE_RASA_CHANNEL_SECRET": secrets.token_urlsafe(32),
        "DIGIBRIDGE_ACTIONS_SECRET": secrets.token_urlsafe(32),
    }
    stores = {
        "DIGIBRIDGE_DATABASE_URL": database,
        "DIGIBRIDGE_TRACKER_STORE_URL": database,
        "DIGIBRIDGE_LOCK_STORE_URL": REDIS,
        "DIGIBRIDGE_REDIS_URL": REDIS,
    }
    gateway_port, actions_port = free_port(), free_port()
    rasa_ports = [free_port(), free_port()]
    rasa_urls = [f"http://127.0.0.1:{port}" for port in rasa_ports]
    gateway_url = f"http://127.0.0.1:{gateway_port}"

    migrate = subprocess.run(
        [str(DIGIBRIDGE), "db", "upgrade"],
        env={"PATH": os.environ["PATH"], "DIGIBRIDGE_DATA_DIR": str(tmp_path), **stores},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    services: list[Service] = []
    try:
        actions = Service(
            "actions",
            ["serve", "actions"],
            {
                "DIGIBRIDGE_ACTIONS_HOST": "127.0.0.1",
                "DIGIBRIDGE_ACTIONS_PORT": str(actions_port),
                "DIGIBRIDGE_ACTIONS_SECRET": shared["DIGIBRIDGE_ACTIONS_SECRET"],
                "DIGIBRIDGE_DATABASE_URL": database,
            },
            tmp_path / "actions",
        )
        services.append(actions)
        for index, port in enumerate(rasa_ports):
            services.append(
                Service(
                    f"rasa-{index + 1}",
                    ["serve", "rasa"],
                    {
                        **shared,
                        "DIGIBRIDGE_RASA_HOST": "127.0.0.1",
                        "DIGIBRIDGE_RASA_PORT": str(port),
                        "DIGIBRIDGE_ACTIONS_URL": f"http://127.0.0.1:{actions_port}",
                        "DIGIBRIDGE_MODEL_SERVER_URL": f"{gateway_url}/internal/model",
                        "DIGIBRIDGE_TRACKER_STORE_URL": database,
                        "DIGIBRIDGE_LOCK_STORE_URL": REDIS,
                    },
                    tmp_path / f"rasa-{index + 1}",
                )
            )
        # Before the gateway is up, a Rasa server listens without a model: alive (/version)
        # but not ready (/status answers 409), as its health check and probes rely on.
        _wait_for(
            "listening",
            lambda: all(requests.get(f"{u}/version", timeout=5).ok for u in rasa_urls),
            services,
        )
        assert [_status(u, shared["DIGIBRIDGE_RASA_TOKEN"]).status_code for u in rasa_urls] == [
            409,
            409,
        ]
        assert requests.get(f"http://127.0.0.1:{actions_port}/health", timeout=5).ok
        assert _status(rasa_urls[0], "wrong").status_code == 401

        gateway = Service(
            "gateway",
            ["up", "--no-train"],
            {
                **stores,
                "DIGIBRIDGE_RASA_TOKEN": shared["DIGIBRIDGE_RASA_TOKEN"],
                "DIGIBRIDGE_RASA_CHANNEL_SECRET": shared["DIGIBRIDGE_RASA_CHANNEL_SECRET"],
                "DIGIBRIDGE_RASA_URL": ",".join(rasa_urls),
                "DIGIBRIDGE_PORT": str(gateway_port),
                "DIGIBRIDGE_MODELS_DIR": str(PROJECT_ROOT / "models"),
            },
            tmp_path / "gateway",
        )
        services.append(gateway)
        _wait_for("healthy", lambda: requests.get(f"{gateway_url}/healthz", timeout=5).ok, services)
        health = requests.get(f"{gateway_url}/healthz", timeout=5).json()
        assert health == {"status": "ok", "gateway": "ok", "rasa": "ok"}
        found = subprocess.run(
            ["pgrep", "-P", str(gateway.process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert found == [], "with external Rasa servers the gateway starts no child"
        # Both servers took the gateway's serving model from its model endpoint.
        _wait_for(
            "serving a model",
            lambda: all(
                _status(u, shared["DIGIBRIDGE_RASA_TOKEN"]).json().get("model_file")
                for u in rasa_urls
            ),
            services,
            timeout=60,
        )
        # What compose's health checks run, with the secrets from the environment only.
        for part, env in (
            ("gateway", {"DIGIBRIDGE_PORT": str(gateway_port)}),
            ("actions", {"DIGIBRIDGE_ACTIONS_PORT": str(actions_port)}),
            *(
                (
                    "rasa",
                    {
                        "DIGIBRIDGE_RASA_PORT": str(port),
                        "DIGIBRIDGE_RASA_TOKEN": shared["DIGIBRIDGE_RASA_TOKEN"],
                    },
                )
                for port in rasa_ports
            ),
        ):
            probe = subprocess.run(
                [str(DIGIBRIDGE), "healthcheck", part],
                env={"PATH": os.environ["PATH"], **env},
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert (probe.returncode, probe.stdout.strip()) == (0, f"{part}: ok"), probe.stderr

        chat = Stack(gateway.process, gateway_url, gateway.log)
        for text, topic, language in (
            ("comment faire une copie de sauvegarde de mes photos", "backup_files", "fr"),
            ("nawezaje kuunganisha simu na wifi", "internet_connection", "sw"),
        ):
            for sender in (f"services-{language}-a", f"services-{language}-b"):
                answer = chat.ask(text, sender=sender)
                assert answer, (text, sender)
                for message in answer:
                    assert (message["topic"], message["language"]) == (topic, language), message
                    assert message["text"].strip()
        assert requests.get(f"{gateway_url}/healthz", timeout=5).status_code == 200

        # No shared secret on any command line, nor in any log.
        for service in services:
            cmdline = Path(f"/proc/{service.process.pid}/cmdline").read_bytes().decode()
            log = service.log.read_text(errors="replace")
            for value in shared.values():
                assert value not in cmdline, service.name
                assert value not in log, service.name
    finally:
        codes = {service.name: service.stop() for service in reversed(services)}
    assert codes["gateway"] == 0, gateway.tail()
