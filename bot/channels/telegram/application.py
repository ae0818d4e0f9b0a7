"""The python-telegram-bot Application, wired in one place: transport, defaults, update
processing and which handler gets which update."""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.channels.telegram.config import TelegramConfig
from bot.channels.telegram.handlers import Handlers
from bot.channels.telegram.ordering import ChatOrderedProcessor
from bot.channels.telegram.transport import (
    CONNECT_TIMEOUT,
    POOL_TIMEOUT,
    READ_TIMEOUT,
    WRITE_TIMEOUT,
    ChatRateLimiter,
    RetryingRequest,
)

# The only updates we ask Telegram for; anything else is never delivered.
# Edited messages are not asked for: an edit is a correction, not a new question.
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)


def build_application(config: TelegramConfig, handlers: Handlers) -> Application:
    """An Application (not yet initialised) that answers with `handlers`.

    In webhook mode it has no Updater: the gateway puts updates in its queue.
    """
    builder = (
        Application.builder()
        .token(config.token)
        .request(RetryingRequest())
        .get_updates_request(
            HTTPXRequest(
                connection_pool_size=2,
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,  # the long-polling timeout is added to this
                write_timeout=WRITE_TIMEOUT,
                pool_timeout=POOL_TIMEOUT,
            )
        )
        .rate_limiter(ChatRateLimiter())
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(ChatOrderedProcessor())
        .job_queue(None)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url)
    if config.base_file_url:
        builder = builder.base_file_url(config.base_file_url)
    if config.webhook_mode:
        builder = builder.updater(None)
    application = builder.build()
    register_handlers(application, handlers)
    return application


def register_handlers(application: Application, handlers: Handlers) -> None:
    """Which callback answers which update; the first match in a group wins."""
    application.add_handler(TypeHandler(Update, handlers.drop_duplicates), group=-1)
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, handlers.command)
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, handlers.text)
    )
    # Service messages (members joining, a pinned message...) are not for us to answer.
    application.add_handler(MessageHandler(~filters.StatusUpdate.ALL, handlers.other))
    application.add_error_handler(handlers.on_error)
