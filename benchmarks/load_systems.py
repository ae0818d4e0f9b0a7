"""The systems `make bench-load` compares, started and stopped by the benchmark itself.

- stock Rasa: the bot `rasa init` makes (trained in a temporary folder, its default config,
  in-memory tracker and lock stores), served by `rasa run` with its REST channel;
- DigiBridge default: `digibridge up --no-train` as `make run` starts it (SQLite);
- DigiBridge production: the same on a fresh PostgreSQL database and a spare Redis database.

Each runs in its own session (process group), so the memory of its whole process tree can
be added up from /proc, and nothing it started outlives the benchmark.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot import PROJECT_ROOT
from tests.integration.stack import free_port

STARTUP_TIMEOUT = 600
POSTGRES = os.environ.get("DIGIBRIDGE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("DIGIBRIDGE_BENCH_REDIS", "redis://127.0.0.1:6379")
# Redis databases the test suite uses (0: unit tests, 7: integration tests): never taken.
REDIS_RESERVED = {0, 7}
REDIS_CLAIM = "digibridge:bench-load:claimed"
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
RASA = Path(sys.executable).with_name("rasa")


def clean_environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without any DigiBridge or Telegram setting, plus `extra`:
    a developer's own settings must not leak into a measured system."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGIBRIDGE_", "TELEGRAM_"))}
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", **extra})
    return env


def _processes() -> dict[int, tuple[int, int, int, int]]:
    """{pid: (parent, session, start time, RSS bytes)} of every process, from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        table[int(entry.name)] = (
            int(fields[1]),
            int(fields[3]),
            int(fields[19]),
            int(fields[21]) * PAGE_BYTES,
        )
    return table


def process_tree(root: int) -> dict[int, tuple[int, int]]:
    """{pid: (start time, RSS bytes)} of `root`, its descendants (DigiBridge starts its
    children in sessions of their own) and anything else in its session."""
    table = _processes()
    members = {pid for pid, (_, session, _, _) in table.items() if session == root}
    members.add(root)
    grew = True
    while grew:
        found = {pid for pid, (parent, _, _, _) in table.items() if parent in members}
        grew = not found <= members
        members |= found
    return {pid: (table[pid][2], table[pid][3]) for pid in members if pid in table}


class MemorySampler:
    """The summed RSS of a process tree every `interval` seconds, in a thread: the peak of
    any stretch of the run can be read afterwards."""

    def __init__(self, root: int, interval: float = 0.5) -> None:
        self.root = root
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (monotonic, bytes, processes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = process_tree(self.root)
            self.samples.append((time.monotonic(), sum(r for _, r in tree.values()), len(tree)))
            self._stop.wait(self.interval)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mb(self, since: float = 0.0, until: float = float("inf")) -> float:
        values = [b for t, b, _ in self.samples if since <= t <= until]
        return round(max(values, default=0) / 2**20, 1)

    def processes(self, since: float = 0.0, until: float = float("inf")) -> int:
        return max((n for t, _, n in self.samples if since <= t <= until), default=0)


@dataclass
class System:
    """A running system under test: where to send messages, and how to stop it."""

    key: str
    title: str
    process: subprocess.Popen
    base_url: str
    chat_path: str
    digibridge: bool
    log: Path
    notes: list[str] = field(default_factory=list)
    sampler: MemorySampler | None = None

    @property
    def chat_url(self) -> str:
        return self.base_url + self.chat_path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM (DigiBridge stops its children itself), then SIGKILL to whatever of its
        process tree is left, each by its own pid (and start time: never a reused pid)."""
        if self.sampler:
            self.sampler.stop()
        tree = process_tree(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        alive = _processes()
        for pid, (started, _) in tree.items():
            if pid in alive and alive[pid][2] == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _spawn(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_ready(system: System, probe: str) -> System:
    """The system once `probe` answers 200; stopped if it never does (or on Ctrl-C)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if system.process.poll() is not None:
                raise RuntimeError(
                    f"{system.title} exited with {system.process.returncode}:\n{system.log_tail()}"
                )
            with contextlib.suppress(requests.RequestException):
                if requests.get(system.base_url + probe, timeout=5).status_code == 200:
                    return system
            time.sleep(1)
        raise RuntimeError(
            f"{system.title} was not ready in {STARTUP_TIMEOUT} s:\n{system.log_tail()}"
        )
    except BaseException:
        system.stop()
        raise


def init_stock_bot(folder: Path) -> Path:
    """`rasa init --no-prompt` in `folder` (trains DIET and TED with the default config),
    unless a bot is already there; the folder."""
    if not list((folder / "models").glob("*.tar.gz")):
        folder.mkdir(parents=True, exist_ok=True)
        env = clean_environment({"RASA_CACHE_DIRECTORY": str(folder / ".rasa" / "cache")})
        print(f"rasa init --no-prompt --init-dir {folder} (trains the stock bot) ...", flush=True)
        with (folder.parent / "rasa-init.log").open("wb") as log:
            subprocess.run(
                [str(RASA), "init", "--no-prompt", "--init-dir", str(folder)],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )
    return folder


def start_stock_rasa(bot: Path, workdir: Path) -> System:
    port = free_port()
    env = clean_environment({"RASA_CACHE_DIRECTORY": str(bot / ".rasa" / "cache")})
    command = [str(RASA), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port)]
    log = workdir / "rasa-run.log"
    system = System(
        "rasa",
        "stock Rasa (`rasa init`)",
        _spawn(command, bot, env, log),
        f"http://127.0.0.1:{port}",
        "/webhooks/rest/webhook",
        False,
        log,
        [
            "stock Rasa: `rasa init` bot, default config and endpoints (in-memory tracker and "
            "lock stores), `rasa run --enable-api`, REST channel"
        ],
    )
    return _wait_ready(system, "/status")


# The web chat's rate limits (30 a minute per session, 1,800 per address) would refuse a
# benchmark's flood from one address; 0 turns each off.
NO_RATE_LIMITS = {"DIGIBRIDGE_WEB_SESSION_RATE": "0", "DIGIBRIDGE_WEB_ADDRESS_RATE": "0"}


def start_digibridge(key: str, title: str, workdir: Path, extra: dict[str, str]) -> System:
    """`digibridge up --no-train` on free ports with its own data dir, serving the model
    already trained in models/."""
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = clean_environment(
        {
            "DIGIBRIDGE_DATA_DIR": str(data_dir),
            "DIGIBRIDGE_PORT": str(port),
            "DIGIBRIDGE_RASA_PORT": str(free_port()),
            "DIGIBRIDGE_ACTIONS_PORT": str(free_port()),
            "DIGIBRIDGE_MODELS_DIR": str(PROJECT_ROOT / "models"),
            **NO_RATE_LIMITS,
            **extra,
        }
    )
    log = workdir / "digibridge.log"
    command = [sys.executable, "-m", "bot.cli", "up", "--no-train"]
    system = System(
        key,
        title,
        _spawn(command, PROJECT_ROOT, env, log),
        f"http://127.0.0.1:{port}",
        "/api/chat",
        True,
        log,
        [
            "DigiBridge: DIGIBRIDGE_WEB_SESSION_RATE=0 and DIGIBRIDGE_WEB_ADDRESS_RATE=0 (the web "
            "chat's rate limits, off so that one address may send a flood)"
        ],
    )
    return _wait_ready(system, "/healthz")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new database of our own on the machine's PostgreSQL, dropped afterwards."""
    import psycopg2

    name = f"digibridge_bench_{uuid.uuid4().hex[:12]}"
    server = psycopg2.connect(f"{POSTGRES}/postgres")
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES}/{name}"
        finally:
            with server.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        server.close()


@contextlib.contextmanager
def spare_redis_database() -> Iterator[str]:
    """The URL of an empty Redis database (15 down to 1, not the test suite's), claimed
    with a key so that a second benchmark takes another; flushed afterwards."""
    from redis import Redis
    from redis.exceptions import ResponseError

    for number in range(15, 0, -1):
        if number in REDIS_RESERVED:
            continue
        client = Redis.from_url(f"{REDIS}/{number}")
        try:
            if client.dbsize() == 0 and client.set(REDIS_CLAIM, "1", nx=True):
                break
        except ResponseError:  # fewer databases configured
            pass
        client.close()
    else:
        raise RuntimeError(f"no empty Redis database on {REDIS}")
    try:
        yield f"{REDIS}/{number}"
    finally:
        client.flushdb()
        client.close()


@contextlib.contextmanager
def running(key: str, workdir: Path, stock_bot: Path | None = None) -> Iterator[System]:
    """One system, up and measured (memory sampled from start-up), stopped and cleaned up
    (processes, database, Redis database) whatever happens."""
    with contextlib.ExitStack() as stack:
        if key == "rasa":
            assert stock_bot is not None
            system = start_stock_rasa(stock_bot, workdir)
        elif key == "default":
            system = start_digibridge(key, "DigiBridge default", workdir, {})
        elif key == "production":
            database = stack.enter_context(postgres_database())
            redis = stack.enter_context(spare_redis_database())
            env = {
                "DIGIBRIDGE_DATABASE_URL": database,
                "DIGIBRIDGE_TRACKER_STORE_URL": database,
                "DIGIBRIDGE_LOCK_STORE_URL": redis,
                "DIGIBRIDGE_REDIS_URL": redis,
            }
            system = start_digibridge(key, "DigiBridge production", workdir, env)
            system.notes.append(
                "DigiBridge production: PostgreSQL (content and tracker store, a fresh database "
                "dropped afterwards) and Redis (lock store, conversation locks, rate limits; a "
                "spare database flushed afterwards); their servers' memory is not counted"
            )
        else:
            raise ValueError(f"unknown system {key!r}")
        stack.callback(system.stop)
        system.sampler = MemorySampler(system.process.pid).start()
        yield system
