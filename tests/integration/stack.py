"""Starting and stopping the real DigiBridge stack (`digibridge up`) for tests."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bot import PROJECT_ROOT

STARTUP_TIMEOUT = 360


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_id(name: str) -> str:
    """A web chat session id for a test's short name (the API wants 22+ random-looking
    characters); the same name is the same session."""
    if len(name) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:40]
    return f"{readable}-{hashlib.sha256(name.encode()).hexdigest()[:22]}"


@dataclass
class Stack:
    process: subprocess.Popen
    base_url: str
    log: Path
    rasa_url: str = ""
    actions_url: str = ""
    data_dir: Path | None = None

    def chat(self, message, sender="tester", language=None, display=None) -> requests.Response:
        body = {"sender": session_id(sender), "message": message}
        if language:
            body["language"] = language
        if display:
            body["display"] = display
        return requests.post(f"{self.base_url}/api/chat", json=body, timeout=30)

    def ask(self, message, sender="tester", language=None) -> list[dict]:
        response = self.chat(message, sender, language)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def history(self, sender) -> list[dict]:
        response = requests.post(
            f"{self.base_url}/api/history", json={"sender": session_id(sender)}, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def forget(self, sender, language=None) -> requests.Response:
        body = {"sender": session_id(sender)}
        if language:
            body["language"] = language
        return requests.post(f"{self.base_url}/api/forget", json=body, timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def children(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Stops the stack as Ctrl-C or a service manager would; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start_stack(data_dir: Path, extra_env: dict[str, str] | None = None) -> Stack:
    """`digibridge up` on free ports with its own data dir; returns once /healthz is 200."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port, rasa_port, actions_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGIBRIDGE_", "TELEGRAM_"))}
    env.update(
        {
            "DIGIBRIDGE_DATA_DIR": str(data_dir),
            "DIGIBRIDGE_PORT": str(port),
            "DIGIBRIDGE_RASA_PORT": str(rasa_port),
            "DIGIBRIDGE_ACTIONS_PORT": str(actions_port),
            "DIGIBRIDGE_MODELS_DIR": str(PROJECT_ROOT / "models"),
            **(extra_env or {}),
        }
    )
    log = data_dir / "digibridge.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "up"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    stack = Stack(
        process,
        f"http://127.0.0.1:{port}",
        log,
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{actions_port}",
        data_dir,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"digibridge up exited with {process.returncode}:\n{stack.log_tail()}"
            )
        try:
            if requests.get(f"{stack.base_url}/healthz", timeout=5).status_code == 200:
                return stack
        except requests.ConnectionError:
            pass
        time.sleep(1)
    stack.stop(signal.SIGKILL)
    raise RuntimeError(f"digibridge up was not healthy in {STARTUP_TIMEOUT} s:\n{stack.log_tail()}")
