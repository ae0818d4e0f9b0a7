"""`digibridge serve actions`: the action server alone, behind the secret Rasa shows it.

It listens on DIGIBRIDGE_ACTIONS_HOST:DIGIBRIDGE_ACTIONS_PORT and reads the content from
DIGIBRIDGE_DATABASE_URL; any number of them serve any number of Rasa servers, since they
keep nothing between requests.
"""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

from bot.services.handover import become
from bot.settings import Settings

logger = logging.getLogger(__name__)


def actions_command(settings: Settings) -> list[str]:
    """No secret on it: that is in the environment."""
    return [
        sys.executable,
        "-m",
        "bot.processes.action_server",
        settings.actions_host,
        str(settings.actions_port),
    ]


def prepared(settings: Settings) -> tuple[list[str], dict[str, str]]:
    """The command and environment of the action server."""
    settings.require("`digibridge serve actions` shares it with the Rasa servers", "actions_secret")
    from bot.supervisor import action_server_environment

    return actions_command(settings), action_server_environment(settings, settings.actions_secret)


def serve_actions(settings: Settings) -> NoReturn:
    command, env = prepared(settings)
    logger.info("action server on %s:%s", settings.actions_host, settings.actions_port)
    become(command, env)
