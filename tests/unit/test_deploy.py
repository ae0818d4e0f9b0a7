"""What can be checked of `deploy/` without Docker: the files parse, every command they run
is a documented `digibridge` command the CLI accepts, no secret has a default or a value
written down, every long-running service has a health check, the image is Python 3.10
installed with the constraints; and the service commands behind them (`serve rasa`,
`serve actions`, `healthcheck`, `up` with external Rasa servers) do what those files rely
on."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

import bot.cli
from bot import PROJECT_ROOT
from bot.services import actions as actions_service
from bot.services import rasa as rasa_service
from bot.services.healthcheck import check
from bot.settings import Settings, SettingsError

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yml"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|KEY")
REQUIRED = re.compile(r"\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}")  # ${NAME:?message}
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}")
SETTING_NAMES = {field.field_info.extra["env"] for field in Settings.__fields__.values()}
DIGIBRIDGE_SERVICES = ("migrate", "gateway", "rasa", "actions")


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _environment(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {name: None if value is None else str(value) for name, value in env.items()}


def _strings(node: object) -> list[str]:
    """Every text in a loaded YAML document, keys and values (what compose interpolates)."""
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [text for item in node for text in _strings(item)]
    return [node] if isinstance(node, str) else []


def _kubernetes_documents() -> list[dict]:
    text = (DEPLOY / "kubernetes.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert blocks, "kubernetes.md shows its objects as YAML"
    return [doc for block in blocks for doc in yaml.safe_load_all(block) if doc]


def _containers(documents: list[dict]) -> list[dict]:
    return [
        container
        for doc in documents
        if doc["kind"] == "Deployment"
        for container in doc["spec"]["template"]["spec"]["containers"]
    ]


def documented_commands(readme: str) -> set[tuple[str, ...]]:
    """Every `digibridge …` command the README shows, in code blocks or in backticks, as
    its arguments."""
    blocks = re.findall(r"```[^\n]*\n(.*?)```", readme, re.S)
    prose = re.sub(r"```[^\n]*\n.*?```", "", readme, flags=re.S)
    snippets = [line for block in blocks for line in block.splitlines()]
    snippets += [span.replace("\n", " ") for span in re.findall(r"`([^`]+)`", prose)]
    commands = set()
    for snippet in snippets:
        try:
            words = shlex.split(snippet, comments=True)
        except ValueError:
            continue
        for index, word in enumerate(words):
            if word == "digibridge" or word.endswith("/digibridge"):
                rest = []
                for arg in words[index + 1 :]:
                    if arg in {"|", "&&", ";", ">", "||"}:
                        break
                    rest.append(arg)
                commands.add(tuple(rest))
    return commands


def deploy_commands() -> dict[str, list[str]]:
    """Every `digibridge` command deploy/ runs: services, health checks, probes, the image."""
    found: dict[str, list[str]] = {}
    for name, service in _compose()["services"].items():
        if service.get("command", [""])[0] == "digibridge":
            found[f"compose {name}"] = service["command"]
        test = (service.get("healthcheck") or {}).get("test") or []
        if test[:2] == ["CMD", "digibridge"]:
            found[f"compose {name} health check"] = test[1:]
    for container in _containers(_kubernetes_documents()):
        found[f"kubernetes {container['name']}"] = container["args"]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            command = container.get(probe, {}).get("exec", {}).get("command")
            if command:
                found[f"kubernetes {container['name']} {probe}"] = command
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    found["image CMD"] = json.loads(re.search(r"^CMD (.+)$", dockerfile, re.M).group(1))
    for run in re.findall(r"digibridge (train\b[^&\n]*)", dockerfile):
        found["image build"] = ["digibridge", *shlex.split(run.strip(" \\"))]
    return found


# -- the files ---------------------------------------------------------------------------


def test_every_yaml_file_and_snippet_parses():
    for path in [*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml")]:
        assert yaml.safe_load(path.read_text(encoding="utf-8")), path
    kinds = {doc["kind"] for doc in _kubernetes_documents()}
    assert {"Deployment", "Service", "PersistentVolumeClaim"} <= kinds


def test_compose_has_the_production_shape():
    services = _compose()["services"]
    assert {"gateway", "rasa", "actions", "postgres", "redis"} <= set(services)
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"gateway"}, "the gateway is the only published port"
    for name in ("rasa", "actions"):  # scalable: no fixed name or host port
        assert services[name]["deploy"]["replicas"] >= 1
        assert "container_name" not in services[name]
    assert services["gateway"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }, "db upgrade runs once before the gateway"
    assert services["migrate"]["command"] == ["digibridge", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    # The Rasa servers take their model from the gateway: the gateway must never wait for them.
    assert "rasa" not in services["gateway"]["depends_on"]
    rasa_env = _environment(services["rasa"])
    assert rasa_env["DIGIBRIDGE_MODEL_SERVER_URL"] == "http://gateway:8080/internal/model"
    assert rasa_env["DIGIBRIDGE_ACTIONS_URL"] == "http://actions:5055"
    assert _environment(services["gateway"])["DIGIBRIDGE_RASA_URL"].endswith("http://rasa:5005}")
    assert _compose()["networks"]["backend"]["internal"] is True


def test_every_command_is_a_documented_digibridge_command_the_cli_accepts():
    documented = documented_commands((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    commands = deploy_commands()
    assert {"compose gateway", "compose rasa", "compose actions", "compose migrate"} <= set(
        commands
    )
    undocumented = [
        f"{where}: {shlex.join(command)}"
        for where, command in commands.items()
        if tuple(command[1:]) not in documented
    ]
    assert not undocumented, "not in README.md: " + "; ".join(undocumented)
    parser = bot.cli.build_parser()
    for where, command in commands.items():
        assert command[0] == "digibridge", where
        args = parser.parse_args(command[1:])
        assert callable(args.handler), where


def test_the_readme_parser_finds_commands_in_blocks_and_backticks():
    readme = (
        "Run `digibridge up --no-train` or `.venv/bin/digibridge db\nupgrade`.\n"
        "```sh\n.venv/bin/digibridge serve rasa   # a comment\nmake test\n```\n"
    )
    assert documented_commands(readme) == {
        ("up", "--no-train"),
        ("db", "upgrade"),
        ("serve", "rasa"),
    }


def test_no_secret_has_a_default_or_a_value_written_down():
    text = COMPOSE.read_text(encoding="utf-8")
    for name, operator in INTERPOLATION.findall(text):
        if SECRET_NAME.search(name):
            assert operator.startswith(":?"), f"${{{name}{operator}}} may start without it"
    for service_name, service in _compose()["services"].items():
        for name, value in _environment(service).items():
            where = f"{service_name}: {name}"
            if SECRET_NAME.search(name):
                assert value is None or REQUIRED.fullmatch(value), where
            for password in re.findall(r"://[^:/@\s]*:([^@\s]*)@", value or ""):
                assert REQUIRED.fullmatch(password), f"{where} has a password written down"
    for container in _containers(_kubernetes_documents()):
        for variable in container.get("env", []):
            if SECRET_NAME.search(variable["name"]):
                assert "value" not in variable, variable["name"]
                assert variable["valueFrom"]["secretKeyRef"]["name"] == "digibridge"
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"^(?:ENV|ARG)\b.*$", dockerfile, re.M):
        assert not SECRET_NAME.search(line), line


def test_the_example_environment_lists_every_variable_with_empty_secrets():
    example = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            example[name] = value
    needed = {name for text in _strings(_compose()) for name, _ in INTERPOLATION.findall(text)}
    for service in _compose()["services"].values():
        needed |= {name for name, value in _environment(service).items() if value is None}
    assert needed <= set(example), needed - set(example)
    for name, value in example.items():
        if SECRET_NAME.search(name):
            assert value == "", f"{name} has a value in the example"
    for name in (*DIGIBRIDGE_SERVICES, "gateway"):
        env = _environment(_compose()["services"][name])
        unknown = {n for n in env if n.startswith(("DIGIBRIDGE_", "TELEGRAM_"))} - SETTING_NAMES
        assert not unknown, f"{name}: no such setting {unknown}"
    for container in _containers(_kubernetes_documents()):
        unknown = {v["name"] for v in container.get("env", [])} - SETTING_NAMES
        assert not unknown, f"{container['name']}: no such setting {unknown}"
    assert not {n for n in example if n.startswith("DIGIBRIDGE_")} - SETTING_NAMES - needed


def test_every_long_running_service_has_a_health_check():
    services = _compose()["services"]
    for name, service in services.items():
        if service.get("restart", "no") == "no":
            continue
        test = (service.get("healthcheck") or {}).get("test")
        assert test and test != ["NONE"] and not service["healthcheck"].get("disable"), name
    for name in ("gateway", "rasa", "actions"):
        assert services[name]["healthcheck"]["test"] == ["CMD", "digibridge", "healthcheck", name]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    for container in _containers(_kubernetes_documents()):
        assert "readinessProbe" in container and "livenessProbe" in container, container["name"]


def test_the_image_is_python_310_installed_with_the_constraints_as_a_non_root_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    instructions = re.findall(r"^([A-Z]+) (.*(?:\\\n.*)*)$", dockerfile, re.M)
    froms = [args for instruction, args in instructions if instruction == "FROM"]
    assert froms and all(re.match(r"python:3\.10(\.\d+)?-slim", base) for base in froms)
    installs = re.findall(r"pip install [^&\n]*", dockerfile)
    assert installs and all("-c constraints.txt" in line for line in installs), installs
    users = [args.strip() for instruction, args in instructions if instruction == "USER"]
    assert users and users[-1] not in ("root", "0"), "the server runs as a non-root user"
    assert re.search(r"^RUN .*digibridge train", dockerfile, re.M), "the model is in the image"
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (.+)$", dockerfile, re.M).group(1))
    assert (PROJECT_ROOT / entrypoint[-1].removeprefix("/app/")).is_file()
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {"**/.env", ".venv", ".git", "models"} <= set(ignored)


def test_the_entrypoint_adds_the_image_model_to_the_volume_and_runs_the_command(tmp_path):
    built, volume = tmp_path / "built", tmp_path / "volume"
    built.mkdir()
    volume.mkdir()
    (built / "digibridge-new.tar.gz").write_bytes(b"new model")
    (built / "digibridge-kept.tar.gz").write_bytes(b"image's copy")
    (volume / "digibridge-kept.tar.gz").write_bytes(b"volume's copy")
    (volume / "digibridge-published.tar.gz").write_bytes(b"published")
    result = subprocess.run(
        ["sh", str(DEPLOY / "entrypoint.sh"), "sh", "-c", 'echo "ran $0 $1"; exit 3', "a", "b"],
        env={
            "PATH": os.environ["PATH"],
            "DIGIBRIDGE_IMAGE_MODELS": str(built),
            "DIGIBRIDGE_MODELS_DIR": str(volume),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (3, "ran a b\n"), result.stderr
    assert sorted(p.name for p in volume.iterdir()) == [
        "digibridge-kept.tar.gz",
        "digibridge-new.tar.gz",
        "digibridge-published.tar.gz",
    ]
    assert (volume / "digibridge-new.tar.gz").read_bytes() == b"new model"
    assert (volume / "digibridge-kept.tar.gz").read_bytes() == b"volume's copy"


# -- the service commands ----------------------------------------------------------------

SHARED = {
    "rasa_token": "token-canary-0c1d",
    "rasa_channel_secret": "channel-canary-7e2a",
    "actions_secret": "actions-canary-3f9b",
}


def test_serve_rasa_runs_rasa_with_its_secrets_only_in_the_environment(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        rasa_host="0.0.0.0",
        rasa_port=5105,
        actions_url="http://actions:5055/",
        model_url="http://gateway:8080/internal/model",
        tracker_store_url="postgresql://rasa:tracker-pw@db/rasa",
        lock_store_url="redis://:lock-pw@redis:6379/1",
        **SHARED,
    )
    command, env = rasa_service.prepared(settings)
    assert command == [
        sys.executable, "-m", "bot.processes.rasa_server", "",
        str(tmp_path / "run" / "rasa-5105-endpoints.yml"), "0.0.0.0", "5105",
    ]  # fmt: skip
    endpoints_text = Path(command[4]).read_text(encoding="utf-8")
    endpoints = yaml.safe_load(endpoints_text)
    assert endpoints["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert endpoints["models"]["url"] == "http://gateway:8080/internal/model"
    assert endpoints["lock_store"]["url"] == "redis"
    for secret in (*SHARED.values(), "tracker-pw", "lock-pw"):
        assert secret not in " ".join(command) and secret not in endpoints_text
    assert env["DIGIBRIDGE_RUNTIME_RASA_TOKEN"] == SHARED["rasa_token"]
    assert env["DIGIBRIDGE_RUNTIME_CHANNEL_SECRET"] == SHARED["rasa_channel_secret"]
    assert env["DIGIBRIDGE_RUNTIME_ACTIONS_SECRET"] == SHARED["actions_secret"]
    assert env["DIGIBRIDGE_RUNTIME_LOCK_PASSWORD"] == "lock-pw"
    assert not any(name.startswith("DIGIBRIDGE_RASA") for name in env), "only what Rasa reads"


def test_serve_actions_runs_the_action_server_with_its_secret_in_the_environment(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        actions_host="0.0.0.0",
        actions_port=5155,
        database_url="postgresql://bot:db-pw@db/digibridge",
        admin_token="admin-canary",
        telegram_bot_token="123:telegram-canary",
        portal_url="https://services.example.gov",
        **SHARED,
    )
    command, env = actions_service.prepared(settings)
    assert command == [sys.executable, "-m", "bot.processes.action_server", "0.0.0.0", "5155"]
    assert env["DIGIBRIDGE_RUNTIME_ACTIONS_SECRET"] == SHARED["actions_secret"]
    assert env["DIGIBRIDGE_DATABASE_URL"] == "postgresql://bot:db-pw@db/digibridge"
    assert env["DIGIBRIDGE_LOCAL_PORTAL_URL"] == "https://services.example.gov"
    shown = repr(env)
    for other in ("admin-canary", "telegram-canary", SHARED["rasa_token"]):
        assert other not in shown, "an action server holds nothing it does not need"


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        (["serve", "rasa"], ["DIGIBRIDGE_RASA_TOKEN", "DIGIBRIDGE_ACTIONS_SECRET"]),
        (["serve", "actions"], ["DIGIBRIDGE_ACTIONS_SECRET"]),
        (["up"], ["DIGIBRIDGE_RASA_TOKEN"]),
        (["healthcheck", "rasa"], ["DIGIBRIDGE_RASA_TOKEN"]),
    ],
)
def test_a_missing_shared_secret_stops_the_command_naming_it(
    monkeypatch, tmp_path, capsys, args, missing
):
    for name in list(os.environ):
        if name.startswith(("DIGIBRIDGE_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.setattr("bot.settings.PROJECT_ROOT", tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DIGIBRIDGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DIGIBRIDGE_RASA_URL", "http://rasa-a:5005,http://rasa-b:5005")
    monkeypatch.setenv("DIGIBRIDGE_RASA_CHANNEL_SECRET", "channel-canary")
    ran = []
    monkeypatch.setattr("bot.services.handover.os.execve", lambda *a: ran.append(a))
    assert bot.cli.main(args) == 2
    error = capsys.readouterr().err
    for name in missing:
        assert name in error
    assert "channel-canary" not in error and "DIGIBRIDGE_RASA_CHANNEL_SECRET" not in error
    assert ran == [] and not (tmp_path / "digibridge.sqlite3").exists(), "nothing started"


def test_serve_hands_the_process_over_with_only_the_servers_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("DIGIBRIDGE_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.setattr("bot.settings.PROJECT_ROOT", tmp_path)
    monkeypatch.setenv("DIGIBRIDGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DIGIBRIDGE_ADMIN_TOKEN", "admin-canary")
    for field, value in SHARED.items():
        monkeypatch.setenv(Settings.__fields__[field].field_info.extra["env"], value)
    handed = []
    monkeypatch.setattr(
        "bot.services.rasa.become", lambda command, env: handed.append((command, env))
    )
    bot.cli.main(["serve", "rasa"])
    ((command, env),) = handed
    assert command[2:4] == ["bot.processes.rasa_server", ""] and command[-2:] == [
        "127.0.0.1",
        "5005",
    ]
    assert "admin-canary" not in repr(env) and env["DIGIBRIDGE_RUNTIME_CHILD"] == "1"


def test_become_replaces_the_process_from_the_project_folder_with_only_the_environment(tmp_path):
    script = (
        "import sys; from bot.services.handover import become; "
        "become([sys.executable, '-c', 'import os, json; "
        "print(json.dumps([os.getcwd(), sorted(os.environ)]))'], {'ONLY': '1'})"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DIGIBRIDGE_ADMIN_TOKEN": "x"},
        capture_output=True,
        text=True,
        check=True,
    )
    cwd, names = json.loads(result.stdout)
    assert cwd == str(PROJECT_ROOT)
    assert "ONLY" in names and not [n for n in names if n.startswith("DIGIBRIDGE_")]


class _Probed(BaseHTTPRequestHandler):
    answers: dict[str, tuple[int, bytes]] = {}
    asked: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        path = urlsplit(self.path)
        self.asked.append(self.path)
        status, body = self.answers.get(path.path, (404, b""))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def probed():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Probed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Probed.asked = []
    yield server.server_address[1], _Probed
    server.shutdown()
    server.server_close()


def test_healthcheck_asks_each_part_and_rasa_is_healthy_only_with_a_model(probed):
    port, handler = probed
    settings = Settings(host="0.0.0.0", port=port, rasa_port=port, actions_port=port, **SHARED)
    handler.answers = {
        "/healthz": (503, b'{"status": "starting"}'),
        "/status": (409, b'{"message": "No agent loaded."}'),
        "/health": (200, b'{"status": "ok"}'),
    }
    assert check(settings, "gateway") == (False, "gateway: unhealthy (HTTP 503)")
    assert check(settings, "rasa") == (False, "rasa: unhealthy (HTTP 409)")
    assert check(settings, "actions") == (True, "actions: ok")
    handler.answers["/status"] = (200, b'{"model_file": null, "model_id": null}')
    assert check(settings, "rasa") == (False, "rasa: no model loaded yet")
    handler.answers["/status"] = (200, b'{"model_file": "digibridge-1.tar.gz"}')
    handler.answers["/healthz"] = (200, b'{"status": "ok"}')
    assert check(settings, "rasa") == (True, "rasa: ok")
    assert check(settings, "gateway") == (True, "gateway: ok")
    status_asks = [urlsplit(a) for a in handler.asked if a.startswith("/status")]
    assert all(parse_qs(a.query)["token"] == [SHARED["rasa_token"]] for a in status_asks)
    free = Settings(rasa_port=1, **SHARED)
    healthy, said = check(free, "rasa")
    assert not healthy and said.startswith("rasa: not answering")
    assert SHARED["rasa_token"] not in said


# -- the settings behind them ------------------------------------------------------------


def test_settings_require_names_every_missing_variable():
    settings = Settings(rasa_token="t")
    settings.require("why", "rasa_token")
    with pytest.raises(SettingsError) as raised:
        settings.require("it needs them", "rasa_token", "rasa_channel_secret", "actions_secret")
    assert str(raised.value).startswith(
        "DIGIBRIDGE_RASA_CHANNEL_SECRET and DIGIBRIDGE_ACTIONS_SECRET are not set: it needs them"
    )


def test_service_addresses_and_where_models_come_from():
    assert Settings(host="0.0.0.0", port=9000).model_server_url == (
        "http://127.0.0.1:9000/internal/model"
    )
    assert Settings(model_url="http://gw:8080/internal/model/").model_server_url == (
        "http://gw:8080/internal/model"
    )
    assert (Settings().rasa_host, Settings().actions_host) == ("127.0.0.1", "127.0.0.1")
    assert not Settings().external_rasa
    pool = Settings(rasa_url=" http://a:5005/ , http://b:5005,")
    assert pool.external_rasa and pool.rasa_base_urls == ["http://a:5005", "http://b:5005"]
    for field, variable in (
        ("actions_url", "DIGIBRIDGE_ACTIONS_URL"),
        ("model_url", "DIGIBRIDGE_MODEL_SERVER_URL"),
        ("rasa_url", "DIGIBRIDGE_RASA_URL"),
    ):
        with pytest.raises(SettingsError, match=f"{variable} must be .*http"):
            Settings(**{field: "rasa:5005"})
    with pytest.raises(SettingsError, match="DIGIBRIDGE_RASA_URL"):
        Settings(rasa_url=",")
