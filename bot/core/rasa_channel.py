"""The Rasa input channel the gateway talks to; it runs inside the Rasa server.

Rasa's own REST channel takes messages from anyone who can reach its port and logs the
message text when handling fails. This one accepts a message only with the gateway's
secret (`X-DigiBridge-Secret`, from the environment, never a file or argv) and logs only
the kind of failure.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-DigiBridge-Secret"  # noqa: S105 - a name
SECRET_VARIABLE = "DIGIBRIDGE_RUNTIME_CHANNEL_SECRET"  # noqa: S105 - a name
CHANNEL_NAME = "gateway"


class GatewayInput(InputChannel):
    """`POST /webhooks/gateway/webhook` {sender, message, metadata} → the bot's messages."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GatewayInput:
        return cls(os.environ.get(SECRET_VARIABLE, ""))

    def __init__(self, secret: str) -> None:
        if not secret:
            raise RuntimeError(f"{SECRET_VARIABLE} is not set: the gateway channel is closed")
        self._secret = secret.encode()

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode()
        return hmac.compare_digest(given, self._secret)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("digibridge_gateway_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = request.json if isinstance(request.json, dict) else {}
            except Exception:  # noqa: BLE001 - malformed JSON
                body = {}
            sender, text = body.get("sender"), body.get("message")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"error": "bad_request"}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=CHANNEL_NAME, metadata=metadata
                    )
                )
            except Exception as error:  # noqa: BLE001 - reported without the message text
                logger.error("handling a message failed: %s", type(error).__name__)
                return response.json({"error": "failed"}, status=500)
            return response.json(collector.messages)

        return webhook
