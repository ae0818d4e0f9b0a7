"""`python -m bot.processes.rasa_server MODEL ENDPOINTS [HOST] PORT`: Rasa, its token from the
environment.

`rasa run --auth-token` would put the token on the command line, where any local user reads
it with `ps`; this starts the same server with the token read from the environment. A child
of `digibridge up` listens on localhost; `digibridge serve rasa` names its address, and an
empty MODEL (it pulls its model from the gateway's model endpoint instead).
"""

from __future__ import annotations

import logging
import os
import sys

from bot.processes.rasa_speedups import (
    cache_event_types,
    predict_from_recent_events,
    retrieve_recent_events,
    send_actions_recent_events,
    validate_action_results_once,
)
from bot.processes.rasa_stores import (
    free_tickets_whose_turn_came,
    harden_tracker_store,
    shorten_ticket_locks,
)

TOKEN_VARIABLE = "DIGIBRIDGE_RUNTIME_RASA_TOKEN"  # noqa: S105 - a name


def main(argv: list[str]) -> None:
    if len(argv) == 3:
        model, endpoints_file, port = argv
        host = "127.0.0.1"
    else:
        model, endpoints_file, host, port = argv
    token = os.environ.pop(TOKEN_VARIABLE, "")
    if not token:
        sys.exit(f"{TOKEN_VARIABLE} is not set")
    shorten_ticket_locks()  # before Rasa is imported: it reads the lifetime at import
    from rasa.core.run import serve_application
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)  # Rasa's structured logs carry message text at DEBUG
    harden_tracker_store()  # a database outage fails a message instead of forgetting it
    free_tickets_whose_turn_came()  # a message behind a killed server's ticket goes on
    cache_event_types()
    send_actions_recent_events()
    predict_from_recent_events()
    validate_action_results_once()
    retrieve_recent_events()

    serve_application(
        model_path=model or None,  # Rasa loads from the endpoints' model server when it has one
        channel=None,
        interface=host,
        port=int(port),
        credentials="credentials.yml",
        auth_token=token,
        enable_api=True,
        endpoints=AvailableEndpoints.read_endpoints(endpoints_file),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
