"""`digibridge up`: the action servers, the Rasa servers, the gateway and its channels.

Rasa and the action server run as child processes on localhost (`DIGIBRIDGE_RASA_SERVERS`
pairs of them, on consecutive ports), each with only the environment it needs (secrets in
the environment, never on a command line). The Rasa servers take their model from the
gateway's model endpoint (Rasa's model server protocol), so the gateway listens first; its
channels start once Rasa is ready. A child that dies is restarted with backoff while the
gateway tells people it is having trouble and `/healthz` reports the part that is down; a
child that keeps dying (five times in a minute) stops the whole with exit code 1, since
something is wrong that a restart won't mend. SIGINT and SIGTERM stop everything cleanly.

With `DIGIBRIDGE_RASA_URL` it starts no child: it is the gateway alone, in front of Rasa
servers run as services of their own (`digibridge serve rasa`, `bot/services/`), with the
token and channel secret they share taken from the settings, never made up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from aiohttp import web
from sqlalchemy.engine import make_url

from bot import PROJECT_ROOT
from bot.channels import configured_channels
from bot.channels.telegram.config import telegram_config
from bot.channels.web.embedding import parse_origins
from bot.conversation.context import CHILD_MARKER
from bot.core.assistant import Assistant
from bot.core.build import running_core, shipped_lessons
from bot.core.rasa_channel import SECRET_HEADER, SECRET_VARIABLE
from bot.core.rasa_client import RasaPool, url_answers
from bot.db.engine import create_database_engine
from bot.db.migrate import upgrade
from bot.processes.action_server import SECRET_VARIABLE as ACTIONS_SECRET_VARIABLE
from bot.processes.rasa_server import TOKEN_VARIABLE
from bot.publishing.registry import prepare_serving
from bot.settings import Settings
from bot.training import rasa_environment

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT = 300.0
STOP_TIMEOUT = 15.0
MAX_CRASHES = 5  # within CRASH_WINDOW seconds: then give up
CRASH_WINDOW = 60.0
RESTART_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0)
PURGE_INTERVAL = 3600.0
TRACKER_URL_VARIABLE = "DIGIBRIDGE_RUNTIME_TRACKER_URL"
LOCK_PASSWORD_VARIABLE = "DIGIBRIDGE_RUNTIME_LOCK_PASSWORD"  # noqa: S105 - a name
WAITING_NOTE_SECONDS = 60.0  # how often to say what the gateway is still waiting for
MODEL_PULL_SECONDS = 1  # how often each Rasa server asks the gateway for a new model


class ChildDied(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    crashes: deque[float] = field(default_factory=lambda: deque(maxlen=MAX_CRASHES))

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command, cwd=PROJECT_ROOT, env=self.env, start_new_session=True
        )
        logger.info("started %s (pid %s)", self.name, self.process.pid)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self) -> None:
        if not self.running:
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()

    def crashed(self, now: float) -> float | None:
        """Records a crash; the delay before restarting, or None when it crashes too often."""
        self.crashes.append(now)
        if len(self.crashes) == MAX_CRASHES and now - self.crashes[0] <= CRASH_WINDOW:
            return None
        recent = sum(1 for t in self.crashes if now - t <= CRASH_WINDOW)
        return RESTART_DELAYS[min(recent, len(RESTART_DELAYS)) - 1]


def write_endpoints(settings: Settings, path: Path, actions_url: str = "") -> dict[str, str]:
    """Rasa's endpoints file for these settings; secrets stay in the returned environment."""
    endpoints: dict[str, object] = {
        "action_endpoint": {
            "url": f"{actions_url or settings.actions_base_url}/webhook",
            "headers": {SECRET_HEADER: f"${{{ACTIONS_SECRET_VARIABLE}}}"},
        },
        "tracker_store": {"type": "sql", "url": f"${{{TRACKER_URL_VARIABLE}}}"},
        "models": {
            "url": settings.model_server_url,
            "wait_time_between_pulls": MODEL_PULL_SECONDS,
            "headers": {SECRET_HEADER: f"${{{SECRET_VARIABLE}}}"},
        },
    }
    env = {TRACKER_URL_VARIABLE: settings.tracker_database_url}
    tracker = make_url(settings.tracker_database_url)
    if tracker.get_backend_name() == "sqlite":
        Path(tracker.database or "").parent.mkdir(parents=True, exist_ok=True)
    if settings.lock_store_url:
        redis = make_url(settings.lock_store_url)
        lock_store: dict[str, object] = {
            "type": "redis",
            "url": redis.host or "localhost",
            "port": redis.port or 6379,
            "db": int(redis.database or 0),
            "use_ssl": redis.drivername == "rediss",
        }
        if redis.password:
            lock_store["password"] = f"${{{LOCK_PASSWORD_VARIABLE}}}"
            env[LOCK_PASSWORD_VARIABLE] = str(redis.password)
        endpoints["lock_store"] = lock_store
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return env


def prepare_database(settings: Settings) -> None:
    """`digibridge db upgrade`: the schema, then the shipped content into an empty database."""
    engine = create_database_engine(settings.content_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def rasa_server_environment(
    settings: Settings,
    token: str,
    channel_secret: str,
    actions_secret: str,
    endpoints: Path,
    actions_url: str = "",
) -> dict[str, str]:
    """A Rasa server's whole environment (its endpoints file written to `endpoints`): the
    same for a child of `digibridge up` and for `digibridge serve rasa`."""
    return rasa_environment(
        {
            CHILD_MARKER: "1",
            TOKEN_VARIABLE: token,
            SECRET_VARIABLE: channel_secret,
            ACTIONS_SECRET_VARIABLE: actions_secret,
            **write_endpoints(settings, endpoints, actions_url),
        }
    )


def action_server_environment(settings: Settings, actions_secret: str) -> dict[str, str]:
    """An action server's whole environment: its secret, the content database, the local
    values; nothing else (no admin or Telegram token)."""
    return rasa_environment(
        {
            CHILD_MARKER: "1",
            ACTIONS_SECRET_VARIABLE: actions_secret,
            "DIGIBRIDGE_DATA_DIR": str(settings.data_dir),
            "DIGIBRIDGE_DATABASE_URL": settings.content_database_url,
            "DIGIBRIDGE_LOG_LEVEL": settings.log_level,
            **settings.local_environment(),
        }
    )


def children(settings: Settings, model: Path, token: str, channel_secret: str) -> list[Child]:
    """An action server and a Rasa server for each of `DIGIBRIDGE_RASA_SERVERS`."""
    kids: list[Child] = []
    servers = settings.rasa_servers
    for index in range(servers):
        kids += _pair(settings, model, token, channel_secret, index, servers)
    return kids


def _pair(
    settings: Settings, model: Path, token: str, channel_secret: str, index: int, servers: int
) -> list[Child]:
    actions_secret = secrets.token_urlsafe(32)
    run_dir = settings.data_dir / "run"
    actions_url = settings.actions_base_urls[index]
    endpoints = run_dir / ("endpoints.yml" if index == 0 else f"endpoints-{index + 1}.yml")
    suffix = f" {index + 1}" if servers > 1 else ""
    rasa_env = rasa_server_environment(
        settings, token, channel_secret, actions_secret, endpoints, actions_url
    )
    actions_env = action_server_environment(settings, actions_secret)
    python = sys.executable
    return [
        Child(
            f"action server{suffix}",
            [python, "-m", "bot.processes.action_server", str(settings.actions_port + index)],
            actions_env,
        ),
        Child(
            f"Rasa server{suffix}",
            [
                python,
                "-m",
                "bot.processes.rasa_server",
                str(model),
                str(endpoints),
                str(settings.rasa_port + index),
            ],
            rasa_env,
        ),  # fmt: skip
    ]


async def _ready(rasa: RasaPool, settings: Settings) -> bool:
    """Every Rasa server has a model and every action server answers; with external Rasa
    servers, one that has a model (the pool sends to the others as they come, and their
    action servers are theirs to watch, not the gateway's)."""
    if settings.external_rasa:
        return await rasa.is_ready()
    actions = [url_answers(rasa.session, f"{url}/health") for url in settings.actions_base_urls]
    return all(await asyncio.gather(*actions)) and all(await rasa.readiness())


async def _wait_ready(kids: list[Child], rasa: RasaPool, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    note = loop.time() + WAITING_NOTE_SECONDS
    # External servers are waited for without end: exiting would mend nothing there, and
    # they take their model from this gateway's model endpoint.
    while settings.external_rasa or loop.time() < deadline:
        for child in kids:
            if not child.running:
                code = child.process.returncode if child.process else None
                raise ChildDied(f"{child.name} exited with code {code} while starting")
        if await _ready(rasa, settings):
            return
        if settings.external_rasa and loop.time() >= note:
            logger.warning("waiting for a Rasa server with a model at %s", ", ".join(rasa.urls))
            note += WAITING_NOTE_SECONDS
        await asyncio.sleep(0.5)
    raise ChildDied(f"Rasa and the action server were not ready in {STARTUP_TIMEOUT:.0f} s")


async def _keep_running(kids: list[Child], stop: asyncio.Event) -> int:
    """Restarts children that die; 0 on a signal, 1 when a child keeps dying."""
    loop = asyncio.get_running_loop()
    stopped = asyncio.create_task(stop.wait())
    try:
        while True:
            waits = {
                asyncio.create_task(c.process.wait()): c for c in kids if c.process is not None
            }
            done, _ = await asyncio.wait({stopped, *waits}, return_when=asyncio.FIRST_COMPLETED)
            for task in waits:
                task.cancel()
            if stopped in done:
                logger.info("stopping on signal")
                return 0
            for task in done:
                child = waits[task]
                code = child.process.returncode if child.process else None
                delay = child.crashed(loop.time())
                if delay is None:
                    logger.error(
                        "%s exited with code %s, %d times in %.0f s; stopping",
                        child.name, code, MAX_CRASHES, CRASH_WINDOW,
                    )  # fmt: skip
                    return 1
                logger.error("%s exited with code %s; restarting in %.0f s", child.name, code,
                             delay)  # fmt: skip
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stopped), delay)
                if stop.is_set():
                    return 0
                await child.start()
    finally:
        stopped.cancel()


async def _purge_regularly(assistant: Assistant, retention_days: int, workshop_days: int) -> None:
    while True:
        try:
            await assistant.purge_expired(retention_days)
            await assistant.purge_workshops(workshop_days)
        except Exception as error:  # noqa: BLE001 - try again next time
            logger.warning("retention purge failed: %s", type(error).__name__)
        await asyncio.sleep(PURGE_INTERVAL)


async def serve(settings: Settings, model: Path) -> int:
    """Runs until a signal (exit 0) or until a child keeps dying (exit 1).

    With external Rasa servers (`DIGIBRIDGE_RASA_URL`) it starts no child: it serves the
    gateway and the model endpoint, with the token and channel secret those servers share.
    """
    require_shared_secrets(settings)
    token = settings.rasa_token or secrets.token_urlsafe(32)
    channel_secret = settings.rasa_channel_secret or secrets.token_urlsafe(32)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    kids = [] if settings.external_rasa else children(settings, model, token, channel_secret)
    runner: web.AppRunner | None = None
    started = []
    async with running_core(settings, token, channel_secret) as (rasa, assistant):
        purge = None
        try:
            from bot.gateway.app import STARTED, create_app

            for channel in configured_channels(settings, assistant):
                assistant.channels.add(channel)
            app = create_app(settings, rasa, assistant, started=False)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, settings.host, settings.port).start()
            for child in kids:
                await child.start()
            ready = asyncio.create_task(_wait_ready(kids, rasa, settings))
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({ready, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                ready.cancel()
                return 0
            stopped.cancel()
            ready.result()
            for channel in assistant.channels:
                await channel.start()
                started.append(channel)
            app[STARTED].set()
            purge = asyncio.create_task(
                _purge_regularly(
                    assistant, settings.retention_days, settings.workshop_retention_days
                )
            )
            logger.info("DigiBridge is up: http://%s:%s/", settings.host, settings.port)
            return await _keep_running(kids, stop)
        except ChildDied as error:
            logger.error("stopping: %s", error)
            return 1
        finally:
            if purge is not None:
                purge.cancel()
            for channel in reversed(started):
                await channel.stop()
            if runner is not None:
                await runner.cleanup()
            await asyncio.gather(*(child.stop() for child in kids))


def require_shared_secrets(settings: Settings) -> None:
    """External Rasa servers must have been given the same token and channel secret as the
    gateway, so neither can be made up here; its own children get random ones when unset."""
    if settings.external_rasa:
        settings.require(
            "`digibridge up` with DIGIBRIDGE_RASA_URL shares them with those Rasa servers",
            "rasa_token",
            "rasa_channel_secret",
        )


def up(settings: Settings, train: bool = True) -> int:
    require_shared_secrets(settings)  # a missing shared secret stops us before anything starts
    telegram_config(settings)  # and so does a bad Telegram setting
    parse_origins(settings.web_allowed_origins)  # and so does a bad embedding origin
    shipped_lessons()  # and a broken lesson file (ContentError, naming file and field)
    prepare_database(settings)
    engine = create_database_engine(settings.content_database_url)
    try:
        model = prepare_serving(engine, settings.models_dir, train)
    finally:
        engine.dispose()
    return asyncio.run(serve(settings, model))
