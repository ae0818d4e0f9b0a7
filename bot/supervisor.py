"""`digibridge up`: the action server, the Rasa server and the gateway as one service.

Rasa and the action server run as child processes listening on localhost only; the
gateway (and the Telegram channel, when TELEGRAM_BOT_TOKEN is set) runs here. A child that
dies stops the whole with a non-zero code (a chat that silently lost its brain is worse than
a restart), and SIGINT/SIGTERM stop all cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from aiohttp import web
from sqlalchemy.engine import make_url

from bot import PROJECT_ROOT
from bot.channels.telegram.config import telegram_config
from bot.channels.telegram.service import TelegramChannel, attach_telegram
from bot.content.database import create_content_engine
from bot.content.sync import has_content, sync_content
from bot.gateway.app import create_app
from bot.gateway.embedding import parse_origins
from bot.gateway.rasa_client import RasaClient, url_answers
from bot.settings import Settings
from bot.training import ensure_model, rasa_environment

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT = 300.0
STOP_TIMEOUT = 15.0
TRACKER_URL_VARIABLE = "DIGIBRIDGE_RUNTIME_TRACKER_URL"
LOCK_PASSWORD_VARIABLE = "DIGIBRIDGE_RUNTIME_LOCK_PASSWORD"  # noqa: S105 - a name


class ChildDied(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process


def write_endpoints(settings: Settings, path: Path) -> dict[str, str]:
    """Rasa's endpoints file for these settings; secrets stay in the returned environment."""
    endpoints: dict[str, object] = {
        "action_endpoint": {"url": f"{settings.actions_base_url}/webhook"},
        "tracker_store": {"type": "sql", "url": f"${{{TRACKER_URL_VARIABLE}}}"},
    }
    env = {TRACKER_URL_VARIABLE: settings.tracker_database_url}
    if make_url(settings.tracker_database_url).get_backend_name() == "sqlite":
        Path(make_url(settings.tracker_database_url).database or "").parent.mkdir(
            parents=True, exist_ok=True
        )
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


def prepare_content(settings: Settings) -> None:
    """Loads the shipped content on first start; later edits live in the database."""
    engine = create_content_engine(settings.content_database_url)
    try:
        if not has_content(engine):
            report = sync_content(engine)
            logger.info("content database created: %s", report.summary().splitlines()[0])
    finally:
        engine.dispose()


async def _start_child(name: str, command: list[str], env: dict[str, str]) -> Child:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=PROJECT_ROOT, env=env, start_new_session=True
    )
    logger.info("started %s (pid %s)", name, process.pid)
    return Child(name, process)


async def _stop_child(child: Child) -> None:
    if child.process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(child.process.wait(), STOP_TIMEOUT)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signal.SIGKILL)
        await child.process.wait()


async def _wait_ready(children: list[Child], rasa: RasaClient, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    while loop.time() < deadline:
        for child in children:
            if child.process.returncode is not None:
                raise ChildDied(f"{child.name} exited with code {child.process.returncode}")
        actions_ok = await url_answers(rasa.session, f"{settings.actions_base_url}/health")
        if actions_ok and await rasa.is_ready():
            return
        await asyncio.sleep(0.5)
    raise ChildDied(f"Rasa and the action server were not ready in {STARTUP_TIMEOUT:.0f} s")


async def serve(settings: Settings, model: Path) -> int:
    """Runs until a signal (exit 0) or until a child dies (exit 1)."""
    token = settings.rasa_token or secrets.token_urlsafe(32)
    run_dir = settings.data_dir / "run"
    env = rasa_environment()
    env.update(write_endpoints(settings, run_dir / "endpoints.yml"))
    actions_env = dict(env, SANIC_HOST="127.0.0.1")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    children: list[Child] = []
    runner: web.AppRunner | None = None
    telegram: TelegramChannel | None = None
    exit_code = 0
    async with RasaClient(settings.rasa_base_url, token, settings.reply_timeout) as rasa:
        try:
            children.append(
                await _start_child(
                    "action server",
                    [
                        sys.executable,
                        "-m",
                        "rasa_sdk",
                        "--actions",
                        "actions",
                        "--port",
                        str(settings.actions_port),
                    ],
                    actions_env,
                )
            )
            children.append(
                await _start_child(
                    "Rasa server",
                    [
                        sys.executable,
                        "-m",
                        "rasa",
                        "run",
                        "--enable-api",
                        "--auth-token",
                        token,
                        "--interface",
                        "127.0.0.1",
                        "--port",
                        str(settings.rasa_port),
                        "--model",
                        str(model),
                        "--endpoints",
                        str(run_dir / "endpoints.yml"),
                        "--credentials",
                        "credentials.yml",
                    ],
                    env,
                )
            )
            ready = asyncio.create_task(_wait_ready(children, rasa, settings))
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({ready, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                ready.cancel()
                return 0
            stopped.cancel()
            ready.result()
            app = create_app(settings, rasa)
            telegram = attach_telegram(app, settings, rasa)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, settings.host, settings.port).start()
            if telegram is not None:
                await telegram.start()
            logger.info("DigiBridge is up: http://%s:%s/", settings.host, settings.port)
            exit_code = await _watch(children, stop)
        except ChildDied as error:
            logger.error("stopping: %s", error)
            exit_code = 1
        finally:
            if telegram is not None:
                await telegram.stop()
            if runner is not None:
                await runner.cleanup()
            await asyncio.gather(*(_stop_child(child) for child in children))
    return exit_code


async def _watch(children: list[Child], stop: asyncio.Event) -> int:
    waits = {asyncio.create_task(child.process.wait()): child for child in children}
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({stopped, *waits}, return_when=asyncio.FIRST_COMPLETED)
    for task in (stopped, *waits):
        if task not in done:
            task.cancel()
    if stopped in done:
        logger.info("stopping on signal")
        return 0
    dead = [waits[task] for task in done if task in waits]
    for child in dead:
        logger.error("%s exited with code %s; stopping", child.name, child.process.returncode)
    return 1


def up(settings: Settings) -> int:
    telegram_config(settings)  # a bad Telegram setting stops us before anything starts
    parse_origins(settings.web_allowed_origins)  # and so does a bad embedding origin
    prepare_content(settings)
    model = ensure_model(settings.models_dir)
    return asyncio.run(serve(settings, model))
