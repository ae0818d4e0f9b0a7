"""Running the Telegram channel: inside `digibridge up`, or alone (`digibridge telegram`).

Start-up never blocks the web chat: connecting to the Bot API happens in the background and
is retried with backoff while Telegram (or a self-hosted Bot API server) is unreachable. A
token the Bot API refuses is fatal for the channel only, and said plainly in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.channels.telegram.application import ALLOWED_UPDATES, build_application
from bot.channels.telegram.chats import CHANNEL, PERSON_PREFIX, ChatTagger
from bot.channels.telegram.commands import publish_command_menus
from bot.channels.telegram.config import TelegramConfig, telegram_config
from bot.channels.telegram.dedup import RecentUpdates, RedisUpdateLog, UpdateLog
from bot.channels.telegram.handlers import Handlers
from bot.channels.telegram.keyboards import inline_keyboard
from bot.channels.telegram.sending import send_answer
from bot.channels.telegram.webhook import WebhookEndpoint
from bot.core.assistant import Assistant
from bot.core.build import running_core
from bot.core.messages import Reply
from bot.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds a getUpdates call waits for updates (long polling)
RETRY_FIRST = 1.0
RETRY_MAX = 60.0
WEBHOOK_MAX_BYTES = 1024 * 1024
# These log every request URL, and Bot API URLs contain the token.
_CHATTY_LOGGERS = ("httpx", "httpcore")


class TelegramChannel:
    """The Application plus its start, stop, delivery and (in webhook mode) its endpoint."""

    name = CHANNEL

    def __init__(self, config: TelegramConfig, settings: Settings, assistant: Assistant) -> None:
        self.config = config
        tag = ChatTagger(config.token)
        self._updates: UpdateLog = (
            RedisUpdateLog(settings.redis_url, tag(0)) if settings.redis_url else RecentUpdates()
        )
        self.handlers = Handlers(
            assistant=assistant,
            tag=tag,
            max_message_chars=settings.max_message_chars,
            recent=self._updates,
        )
        self.application = build_application(config, self.handlers)
        self.ready = asyncio.Event()
        self.failed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def username(self) -> str | None:
        """The bot's @name once connected: join links (t.me/<name>?start=<code>) need it."""
        return self.application.bot.username if self.ready.is_set() else None

    @property
    def mode(self) -> str:
        return "webhook" if self.config.webhook_mode else "polling"

    def attach(self, app: web.Application) -> None:
        """Serves the webhook from `app` (webhook mode only; call before the app starts)."""
        if self.config.webhook_mode:
            endpoint = WebhookEndpoint(self.application, self.config.webhook_secret)
            app.router.add_post(self.config.webhook_path, endpoint)

    async def start(self) -> None:
        """Connects and starts answering, in the background."""
        for name in _CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        self._task = asyncio.create_task(self._run(), name="telegram-start")

    async def _run(self) -> None:
        application = self.application
        try:
            await _retrying("reach the Bot API", application.initialize)
            await _retrying("set the command menu", lambda: publish_command_menus(application.bot))
            await application.start()
            if self.config.webhook_mode:
                await _retrying(
                    "set the webhook",
                    lambda: application.bot.set_webhook(
                        self.config.webhook_url,
                        secret_token=self.config.webhook_secret,
                        allowed_updates=list(ALLOWED_UPDATES),
                    ),
                )
            else:
                await application.updater.start_polling(
                    timeout=POLL_TIMEOUT,
                    allowed_updates=list(ALLOWED_UPDATES),
                    bootstrap_retries=-1,
                    error_callback=_polling_error,
                )
        except InvalidToken:
            logger.error(
                "Telegram refused TELEGRAM_BOT_TOKEN (revoked or mistyped?): the Telegram "
                "channel is off. Get the token again from BotFather."
            )
            self.failed.set()
            return
        logger.info("Telegram: @%s is answering (%s)", application.bot.username, self.mode)
        self.ready.set()

    async def stop(self) -> None:
        """Stops fetching, finishes the updates in progress, closes connections.

        The webhook stays registered, so Telegram keeps updates until we are back.
        """
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        application = self.application
        try:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()
        except (TelegramError, RuntimeError) as error:
            logger.warning("Telegram did not stop cleanly: %s", error)
        finally:
            if isinstance(self._updates, RedisUpdateLog):
                await self._updates.close()

    async def deliver(self, person_id: str, address: str, replies: Sequence[Reply]) -> bool:
        """Sends replies to the person's private chat (never to a group they are in)."""
        if not person_id.startswith(PERSON_PREFIX) or not self.ready.is_set():
            return False
        chat_id = int(person_id.removeprefix(PERSON_PREFIX))
        tag = self.handlers.tag(chat_id)
        for reply in replies:
            markup = inline_keyboard(reply.buttons, self.handlers.codec)
            sent = await send_answer(
                self.application.bot, chat_id, reply.text, markup, quote=None,
                empty_text=reply.text or "…", log_tag=tag,
            )  # fmt: skip
            if not sent:
                return False
        return True


async def _retrying(what: str, action: Callable[[], Awaitable[object]]) -> None:
    delay = RETRY_FIRST
    while True:
        try:
            await action()
            return
        except InvalidToken:
            raise
        except NetworkError as error:  # includes timeouts and 5xx
            logger.warning("Telegram: could not %s (%s); retrying in %.0f s", what, error, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX)


def _polling_error(error: TelegramError) -> None:
    logger.warning("Telegram: fetching updates failed (%s); retrying", error)


def telegram_channel(settings: Settings, assistant: Assistant) -> TelegramChannel | None:
    """The channel when TELEGRAM_BOT_TOKEN is set; else None."""
    config = telegram_config(settings)
    return TelegramChannel(config, settings, assistant) if config is not None else None


async def serve_telegram(settings: Settings) -> int:
    """`digibridge telegram`: the channel alone, talking to the Rasa server at
    `settings.rasa_base_url`; the webhook is served on settings.host:settings.port."""
    config = telegram_config(settings)
    if config is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: there is no bot to run")
    from bot.supervisor import prepare_database

    prepare_database(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_core(settings, settings.rasa_token, settings.rasa_channel_secret) as (
        _,
        assistant,
    ):
        channel = TelegramChannel(config, settings, assistant)
        assistant.channels.add(channel)
        runner: web.AppRunner | None = None
        try:
            if config.webhook_mode:
                app = web.Application(client_max_size=WEBHOOK_MAX_BYTES)
                channel.attach(app)

                async def health(request: web.Request) -> web.Response:
                    ok = channel.ready.is_set()
                    return web.json_response(
                        {"status": "ok" if ok else "starting"}, status=200 if ok else 503
                    )

                app.router.add_get("/healthz", health)
                runner = web.AppRunner(app, access_log=None)
                await runner.setup()
                await web.TCPSite(runner, settings.host, settings.port).start()
                logger.info(
                    "Telegram webhook served on http://%s:%s%s",
                    settings.host,
                    settings.port,
                    config.webhook_path,
                )
            await channel.start()
            stopped = asyncio.create_task(stop.wait())
            failed = asyncio.create_task(channel.failed.wait())
            await asyncio.wait({stopped, failed}, return_when=asyncio.FIRST_COMPLETED)
            for task in (stopped, failed):
                task.cancel()
            return 1 if channel.failed.is_set() else 0
        finally:
            await channel.stop()
            if runner is not None:
                await runner.cleanup()
