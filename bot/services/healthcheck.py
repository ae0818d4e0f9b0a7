"""`digibridge healthcheck gateway|rasa|actions`: is the part running here healthy?

For container health checks and probes, which have no curl in a slim image and must not
carry Rasa's token on a command line: it asks the part's own health route on this machine
(the gateway's `/healthz`, Rasa's `/status` with the token from the environment, which
answers only once a model is loaded, the action server's `/health`) and says only the
outcome, never the address it asked (it holds the token).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

from bot.settings import Settings, local_url

PARTS = ("gateway", "rasa", "actions")
TIMEOUT = 5.0


def probe_url(settings: Settings, part: str) -> str:
    """The health route of `part` as it listens on this machine."""
    if part == "gateway":
        return f"{local_url(settings.host, settings.port)}/healthz"
    if part == "rasa":
        settings.require("`digibridge healthcheck rasa` asks Rasa's /status with it", "rasa_token")
        query = urlencode({"token": settings.rasa_token})
        return f"{local_url(settings.rasa_host, settings.rasa_port)}/status?{query}"
    if part == "actions":
        return f"{local_url(settings.actions_host, settings.actions_port)}/health"
    raise ValueError(f"no part called {part!r}")


def check(settings: Settings, part: str) -> tuple[bool, str]:
    """(healthy, what to print): Rasa counts as healthy only with a model loaded."""
    url = probe_url(settings, part)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    try:
        with opener.open(url, timeout=TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        return False, f"{part}: unhealthy (HTTP {error.code})"
    except (OSError, ValueError) as error:  # refused, timed out, unreachable
        return False, f"{part}: not answering ({type(error).__name__})"
    if part == "rasa":
        try:
            status = json.loads(body)
        except ValueError:
            return False, "rasa: unhealthy (not JSON)"
        if not isinstance(status, dict) or not (status.get("model_file") or status.get("model_id")):
            return False, "rasa: no model loaded yet"
    return True, f"{part}: ok"
