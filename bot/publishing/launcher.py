"""Starting the publishing worker from the gateway, and noticing when it dies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.engine import Engine

from bot import PROJECT_ROOT
from bot.publishing import jobs
from bot.publishing.worker import RASA_TOKEN_VARIABLE, RASA_URLS_VARIABLE
from bot.settings import Settings
from bot.training import training_environment

logger = logging.getLogger(__name__)

WORKERS = web.AppKey("publishing_workers", dict)


def worker_environment(settings: Settings, rasa_urls: list[str], rasa_token: str) -> dict[str, str]:
    """What the worker needs and nothing more: the stores, the folders, the Rasa servers."""
    return training_environment(
        {
            "DIGIBRIDGE_DATABASE_URL": settings.content_database_url,
            "DIGIBRIDGE_DATA_DIR": str(settings.data_dir),
            "DIGIBRIDGE_MODELS_DIR": str(settings.models_dir),
            "DIGIBRIDGE_PUBLISH_MAX_DROP": str(settings.publish_max_drop),
            "DIGIBRIDGE_LOG_LEVEL": settings.log_level,
            RASA_URLS_VARIABLE: ",".join(rasa_urls),
            RASA_TOKEN_VARIABLE: rasa_token,
            # One core for training; the other stays with the people being answered.
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "TF_NUM_INTRAOP_THREADS": "1",
            "TF_NUM_INTEROP_THREADS": "1",
        }
    )


async def start_publish(app: web.Application, actor: str) -> int:
    """A new job and its worker; jobs.PublishRunning while another publish runs."""
    from bot.admin.web.keys import ADMIN_SETTINGS, ENGINE
    from bot.gateway.keys import RASA

    engine = app[ENGINE]
    loop = asyncio.get_running_loop()
    job = await loop.run_in_executor(None, jobs.start, engine, actor)
    rasa = app[RASA]
    try:
        env = worker_environment(app[ADMIN_SETTINGS], rasa.urls, rasa.token)
        await launch(app, engine, job, env)
    except Exception as error:
        logger.exception("publishing job %s: the worker did not start", job)
        message = f"The publishing worker could not start ({type(error).__name__})."
        await loop.run_in_executor(
            None, lambda: jobs.report(engine, job, jobs.FAILED, message=message)
        )
    return job


async def launch(app: web.Application, engine: Engine, job: int, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.publishing.worker", str(job),
        cwd=PROJECT_ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    logger.info("publishing job %s: worker started (pid %s)", job, process.pid)
    app[WORKERS][job] = asyncio.create_task(_watch(app, engine, job, process))


async def _watch(
    app: web.Application, engine: Engine, job: int, process: asyncio.subprocess.Process
) -> None:
    try:
        code = await process.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        await process.wait()
        message = "The gateway stopped during the publish; the serving model stays."
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: jobs.report(engine, job, jobs.FAILED, message=message)
        )
        raise
    finally:
        app[WORKERS].pop(job, None)
    logger.info("publishing job %s: worker exited with code %s", job, code)
    if code != 0:
        message = f"The publishing worker stopped (exit code {code}); the serving model stays."
        # A job the worker finished itself keeps its own message.
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: jobs.report(engine, job, jobs.FAILED, message=message)
        )


async def workers(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: a worker does not outlive its gateway."""
    app[WORKERS] = {}
    yield
    for task in list(app[WORKERS].values()):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
