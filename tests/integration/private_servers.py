"""Private PostgreSQL and Redis servers that a test starts, stops and starts again itself.

Debian's own `postgres` and `redis-server` binaries, each in a temporary folder on a spare
port of 127.0.0.1: the machine's own services (5432, 6379) are never touched, and a
private server is only ever signalled through the process this module started. `stop()`
and `start()` keep the port and the data, as an outage and its end would; `close()` (also
on any failure, through the context managers) kills what is left and removes the folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import redis

from tests.integration.stack import free_port

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
MACHINE_PORTS = frozenset({5432, 6379})  # the machine's own servers: never ours


def postgres_bin_dir() -> Path:
    """The newest Debian PostgreSQL's binaries (`/usr/lib/postgresql/<major>/bin`)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise RuntimeError("no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)")
    return found[-1].parent


def _spare_port() -> int:
    while True:
        port = free_port()
        if port not in MACHINE_PORTS:
            return port


def _unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as root, run it as `postgres` (or `nobody`)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root with neither a `postgres` nor a `nobody` account")


@dataclass
class _Server:
    """A server process of ours: started in its own session, stopped by its own pid."""

    root: Path
    port: int
    process: subprocess.Popen | None = field(default=None, init=False)
    user: pwd.struct_passwd | None = field(default=None, init=False)

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _answers(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        """Starts the server on its port and data, and returns once it answers."""
        if self.running:
            return
        ids = {} if self.user is None else {"user": self.user.pw_uid, "group": self.user.pw_gid}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self._command(),
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **ids,  # type: ignore[arg-type]
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close_process()
                raise RuntimeError(f"{self._command()[0]} did not start:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stops the server (cleanly by default) and waits until it has exited."""
        if not self.running:
            return
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.close_process()

    def close_process(self) -> None:
        """Kills whatever is left of our process and its children (its own session)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_TIMEOUT)

    def close(self) -> None:
        self.close_process()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@dataclass
class PrivatePostgres(_Server):
    database: str = "digibridge"
    bin_dir: Path = field(default_factory=postgres_bin_dir)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        """The test database (trust authentication, superuser `postgres`)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def initialise(self) -> None:
        self.user = _unprivileged_user()
        if self.user is not None:  # the folder (0700, ours) becomes the server's
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        ids = {} if self.user is None else {"user": self.user.pw_uid, "group": self.user.pw_gid}
        subprocess.run(
            [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
            cwd=self.root, check=True, capture_output=True, timeout=120, **ids,  # type: ignore[arg-type]
        )  # fmt: skip
        self.start()
        with contextlib.closing(psycopg2.connect(self._server_url("postgres"))) as server:
            server.autocommit = True
            with server.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.database}"')

    def _server_url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _command(self) -> list[str]:
        return [
            str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-k", str(self.root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            "-c", "max_connections=200", "-c", "shared_buffers=32MB",
        ]  # fmt: skip

    def _answers(self) -> bool:
        try:
            psycopg2.connect(self._server_url("postgres"), connect_timeout=1).close()
        except psycopg2.OperationalError:
            return False
        return True

    def stop(self, sig: int = signal.SIGINT) -> None:
        """PostgreSQL's fast shutdown: clients are disconnected, the data is kept."""
        super().stop(sig)


@dataclass
class PrivateRedis(_Server):
    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> list[str]:
        return [
            shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.root),
        ]  # fmt: skip

    def _answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="digibridge-pg-")), _spare_port())
    try:
        server.initialise()
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(Path(tempfile.mkdtemp(prefix="digibridge-redis-")), _spare_port())
    try:
        server.start()
        yield server
    finally:
        server.close()
