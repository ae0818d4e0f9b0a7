"""Handing the process over to a server, for `digibridge serve`."""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

from bot import PROJECT_ROOT


def become(command: list[str], env: dict[str, str]) -> NoReturn:
    """Replaces this process by `command` with only `env`, from the project's folder.

    The server then is the container's main process (it gets the runtime's SIGTERM itself),
    and neither this process's environment nor `.env` stays around in it: it holds only
    what it needs, as a child of `digibridge up` does.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(PROJECT_ROOT)  # Rasa finds credentials.yml relative to it
    os.execve(command[0], command, env)  # noqa: S606 - our own interpreter, no shell
