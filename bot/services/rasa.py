"""`digibridge serve rasa`: one Rasa server, for a deployment that runs the parts apart.

It listens on DIGIBRIDGE_RASA_HOST:DIGIBRIDGE_RASA_PORT and has no model of its own: it pulls
the serving model from the gateway's model endpoint (DIGIBRIDGE_MODEL_SERVER_URL), first
before it listens and then every few seconds, as the children of `digibridge up` do. If the
gateway does not answer yet, Rasa listens without a model (`/status` answers 409, a message
fails) until a later pull brings one, so the gateway waits for it before it reports healthy.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from bot.services.handover import become
from bot.settings import Settings

logger = logging.getLogger(__name__)

SHARED = ("rasa_token", "rasa_channel_secret", "actions_secret")


def endpoints_path(settings: Settings) -> Path:
    """The endpoints file of the server on this port (several may share a data dir)."""
    return settings.data_dir / "run" / f"rasa-{settings.rasa_port}-endpoints.yml"


def rasa_command(settings: Settings, endpoints: Path) -> list[str]:
    """No model path (it comes from the model endpoint) and no secret: those are in the
    environment."""
    return [
        sys.executable,
        "-m",
        "bot.processes.rasa_server",
        "",
        str(endpoints),
        settings.rasa_host,
        str(settings.rasa_port),
    ]


def prepared(settings: Settings) -> tuple[list[str], dict[str, str]]:
    """The command and environment of the Rasa server, its endpoints file written."""
    settings.require(
        "`digibridge serve rasa` shares them with the gateway and the action servers", *SHARED
    )
    from bot.supervisor import rasa_server_environment

    endpoints = endpoints_path(settings)
    env = rasa_server_environment(
        settings,
        settings.rasa_token,
        settings.rasa_channel_secret,
        settings.actions_secret,
        endpoints,
        settings.actions_url,
    )
    return rasa_command(settings, endpoints), env


def serve_rasa(settings: Settings) -> NoReturn:
    command, env = prepared(settings)
    if not settings.lock_store_url:
        logger.warning("no DIGIBRIDGE_LOCK_STORE_URL: run only one Rasa server")
    logger.info(
        "Rasa server on %s:%s, model from %s, actions at %s",
        settings.rasa_host,
        settings.rasa_port,
        _shown(settings.model_server_url),
        _shown(settings.actions_url or settings.actions_base_url),
    )
    become(command, env)


def _shown(url: str) -> str:
    """A URL without any user or password it may carry, for the log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host).geturl()
