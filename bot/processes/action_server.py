"""`python -m bot.processes.action_server [HOST] PORT`: the rasa_sdk action server, behind a
secret (on localhost unless `digibridge serve actions` names its address).

rasa_sdk answers any tracker posted to it; this one runs our actions only for requests that
carry the secret Rasa sends (`X-DigiBridge-Secret`, set in Rasa's endpoints file from the
environment), so nothing else on the machine can make it act.
"""

from __future__ import annotations

import hmac
import os
import sys

from bot.core.rasa_channel import SECRET_HEADER

SECRET_VARIABLE = "DIGIBRIDGE_RUNTIME_ACTIONS_SECRET"  # noqa: S105 - a name


def main(argv: list[str]) -> None:
    host, port = argv if len(argv) == 2 else ("127.0.0.1", *argv)
    secret = os.environ.pop(SECRET_VARIABLE, "").encode()
    if not secret:
        sys.exit(f"{SECRET_VARIABLE} is not set")
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app
    from sanic import response

    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()

    app = create_app("actions", cors_origins=[])

    @app.on_request
    async def require_secret(request):  # noqa: ANN001, ANN202 - Sanic's signature
        if request.path == "/health":
            return None
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret):
            return response.json({"error": "unauthorised"}, status=401)
        return None

    app.run(host, int(port), workers=1, access_log=False)


if __name__ == "__main__":
    main(sys.argv[1:])
