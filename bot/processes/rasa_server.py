"""`python -m bot.processes.rasa_server MODEL ENDPOINTS PORT`: Rasa, its token from the environment.

`rasa run --auth-token` would put the token on the command line, where any local user reads
it with `ps`; this starts the same server with the token read from the environment.
"""

from __future__ import annotations

import logging
import os
import sys

TOKEN_VARIABLE = "DIGIBRIDGE_RUNTIME_RASA_TOKEN"  # noqa: S105 - a name


def main(argv: list[str]) -> None:
    model, endpoints_file, port = argv
    token = os.environ.pop(TOKEN_VARIABLE, "")
    if not token:
        sys.exit(f"{TOKEN_VARIABLE} is not set")
    from rasa.core.run import serve_application
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)  # Rasa's structured logs carry message text at DEBUG

    serve_application(
        model_path=model,
        channel=None,
        interface="127.0.0.1",
        port=int(port),
        credentials="credentials.yml",
        auth_token=token,
        enable_api=True,
        endpoints=AvailableEndpoints.read_endpoints(endpoints_file),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
